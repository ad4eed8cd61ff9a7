"""Deprecated: the embedded moto server moved to :mod:`stereo_spot_aws_adapters.devtools.embedded`.

It is developer tooling (the demo and tests), not part of the library a service
imports. This module only re-exports it, with a ``DeprecationWarning`` on import,
so code written against the earlier path keeps working for one release.
"""

from __future__ import annotations

import warnings

from .devtools.embedded import DEMO_INSTALL_HINT, EmbeddedMotoServer, MotoNotInstalledError

warnings.warn(
    "stereo_spot_aws_adapters.embedded is deprecated; "
    "import from stereo_spot_aws_adapters.devtools.embedded",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["DEMO_INSTALL_HINT", "EmbeddedMotoServer", "MotoNotInstalledError"]
