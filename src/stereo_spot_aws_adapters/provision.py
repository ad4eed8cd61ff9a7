"""Deprecated: provisioning moved to :mod:`stereo_spot_aws_adapters.devtools.provision`.

It is developer tooling (the demo, tests, LocalStack), not part of the library a
service imports. This module only re-exports it, with a ``DeprecationWarning`` on
import, so code written against the earlier path keeps working for one release.
"""

from __future__ import annotations

import warnings

from .devtools.provision import EmulatorLimitationWarning, provision, resource_name, teardown

warnings.warn(
    "stereo_spot_aws_adapters.provision is deprecated; "
    "import from stereo_spot_aws_adapters.devtools.provision",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["EmulatorLimitationWarning", "provision", "resource_name", "teardown"]
