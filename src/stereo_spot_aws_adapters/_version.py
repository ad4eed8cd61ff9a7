"""The package's version: its distribution's, from one place (``pyproject.toml``).

Read back from the installed metadata, so a release bumps exactly one line.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "stereo-spot-aws-adapters"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["DISTRIBUTION", "__version__"]
