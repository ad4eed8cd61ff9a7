"""Stages 1-2 in one call: the schema file both commands (generate, drift) start from.

Kept apart from ``cli`` and ``drift`` so neither imports the other.
"""

from __future__ import annotations

from pathlib import Path

from ..schema import SchemaError, SchemaLines, load, parse
from . import types as m
from .build import build
from .kinds import KINDS
from .services import service_sections

DEFAULT_SCHEMA = Path("schema/stereo_spot.toml")


def display_name(schema_path: Path) -> str:
    """How generated headers name the schema: ``<folder>/<file>``, the same from any cwd."""
    resolved = schema_path.resolve()
    return f"{resolved.parent.name}/{resolved.name}"


def error_name(schema_path: Path) -> str:
    """How errors name the schema: a relative path as given (one the user can open from
    where they ran the command), an absolute one as ``display_name`` (no machine path)."""
    return display_name(schema_path) if schema_path.is_absolute() else str(schema_path)


def load_schema(schema_path: Path) -> m.SchemaSpec:
    """Load, parse (stage 1) and build (stage 2); raises ``SchemaError`` listing every
    problem, each with its line."""
    name = display_name(schema_path)
    document = load(schema_path, error_name(schema_path))
    parsed = parse(
        document.data,
        {kind: KINDS[kind].schema_fields for kind in KINDS},
        service_sections(),
    )
    try:
        return build(parsed, schema_path, name)
    except SchemaError as error:
        located = error.located(SchemaLines(document.text))
        raise SchemaError(error_name(schema_path), located.problems) from None
