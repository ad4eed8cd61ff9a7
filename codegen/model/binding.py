"""A name the generated code binds, and where the schema sets it.

Its own module so that the pattern kinds (``kinds/``) can name what
their methods bind without importing the name checks in ``names.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Name:
    """One name in one scope of the generated code."""

    name: str
    what: str  # "factory", "env var", "a name env_config always defines", ...
    path: str = ""  # where the schema sets it; "" for names the templates always emit
    origin: str = ""  # the same origin twice is one binding (one class imported twice)

    @property
    def binding(self) -> str:
        return self.origin or f"{self.what}@{self.path}"

    def describe(self) -> str:
        return f"{self.what} {self.name!r} ({self.path})" if self.path else self.what


def snake(name: str) -> str:
    """``SegmentCompletion`` -> ``segment_completion``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
