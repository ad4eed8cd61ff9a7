"""Stage 5, drift: the schema compared with the Terraform that creates its resources.

Takes: a schema file (through stage 2) and a Terraform directory or a
``terraform output -json`` file (``hcl`` reads them, with file and line, and
evaluates the compared values with ``hcl_eval``: variables, ``*.tfvars``,
locals, expressions; what it cannot evaluate is an ``unverifiable`` finding).
Gives: ``main(argv)``, the ``python -m codegen drift`` command; ``compare``,
every ``Finding`` (tables, indexes, TTL, queues, outputs in ``drift``, S3
notifications in ``drift_notifications``, stream pipes in ``drift_pipes``,
consumer IAM policies against stage 4 in ``policy_drift``), each naming a
place on both sides.

Imports only stages 1-4.
"""

from .drift import compare, main
from .drift_findings import Finding, Location
from .hcl import TerraformError, TerraformModel, read_outputs_json, read_terraform

__all__ = [
    "Finding",
    "Location",
    "TerraformError",
    "TerraformModel",
    "compare",
    "main",
    "read_outputs_json",
    "read_terraform",
]
