"""Stage 4, IAM: each consumer's least-privilege policy, derived from the model alone.

Takes: a ``SchemaSpec`` (stage 2); renders with stage 3's Jinja environment.
Gives: ``policies(schema)``, one ``PolicySpec`` per consumer (its statements:
the actions its adapters call on the resources it names, ``Condition`` for
prefixes); ``render_policies(schema, infra_dir) -> {path: text}``, the
Terraform file and one JSON file per consumer, refusing (``SchemaError``) a
policy over IAM's limits (``limits``); ``resolve`` and ``arn``, which fill a
JSON policy's placeholders from Terraform outputs.

Imports only stages 1-3.
"""

from .permissions import Condition, PolicySpec, Resource, arn, policies, policy, resolve
from .policy_files import render_json, render_policies

__all__ = [
    "Condition",
    "PolicySpec",
    "Resource",
    "arn",
    "policies",
    "policy",
    "render_json",
    "render_policies",
    "resolve",
]
