"""Stage 1: read the schema file (TOML) into plain data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomllib

from .errors import Problem, SchemaError


def load(path: Path, display_name: str) -> dict[str, Any]:
    """Parse ``path``; a missing file or a TOML syntax error is a ``SchemaError``."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SchemaError(display_name, [Problem("", "file not found")]) from None
    except tomllib.TOMLDecodeError as error:
        raise SchemaError(display_name, [Problem("", f"invalid TOML: {error}")]) from None
