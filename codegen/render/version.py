"""The generator's version, written into every generated file's header.

The generator ships with the ``stereo-spot-aws-adapters`` distribution and has
its version: one number in ``pyproject.toml``, read back from the installed
metadata, so a regenerated tree names the generator that made it.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "stereo-spot-aws-adapters"


@cache
def generator_version() -> str:
    """``pyproject.toml``'s version as installed; ``0+unknown`` in an uninstalled checkout."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"
