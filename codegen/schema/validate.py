"""Stage 1: check the loaded data's shape against ``spec.py``.

Collects every problem instead of stopping at the first, so one run tells
the author everything to fix.
"""

from __future__ import annotations

import re
from typing import Any

from . import spec
from .errors import Problem


def check_fields(
    raw: object,
    fields: dict[str, spec.Field],
    path: str,
    problems: list[Problem],
    *,
    extra_keys: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Check one table of the schema; returns only its valid entries.

    Invalid or unknown entries are reported and left out, so later checks can
    go on with what is valid without repeating the same problem in other words.
    """
    if not isinstance(raw, dict):
        problems.append(Problem(path, f"expected a table, got {_type_name(raw)}"))
        return {}
    valid: dict[str, Any] = {}
    for key in raw:
        if key not in fields and key not in extra_keys:
            allowed = ", ".join(sorted([*fields, *extra_keys]))
            problems.append(Problem(f"{path}.{key}", f"unknown key (allowed: {allowed})"))
        elif key in extra_keys:
            valid[key] = raw[key]
    for key, field in fields.items():
        if key not in raw:
            if field.required:
                problems.append(Problem(f"{path}.{key}", "required key is missing"))
            continue
        before = len(problems)
        check_value(raw[key], field, f"{path}.{key}", problems)
        if len(problems) == before:
            valid[key] = raw[key]
    return valid


def check_value(value: object, field: spec.Field, path: str, problems: list[Problem]) -> None:
    if field.type == "string":
        if not isinstance(value, str):
            problems.append(Problem(path, f"expected a string, got {_type_name(value)}"))
            return
        if field.enum and value not in field.enum:
            problems.append(Problem(path, f"{value!r} is not one of {', '.join(field.enum)}"))
        # fullmatch: a pattern's "$" also matches before a trailing newline.
        if field.pattern and not re.fullmatch(field.pattern, value):
            meaning = spec.PATTERN_MEANINGS.get(field.pattern)
            problems.append(
                Problem(
                    path,
                    f"{value!r} {meaning}"
                    if meaning
                    else f"{value!r} does not match {field.pattern}",
                )
            )
    elif field.type == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(Problem(path, f"expected an integer, got {_type_name(value)}"))
            return
        if field.minimum is not None and value < field.minimum:
            problems.append(Problem(path, f"must be at least {field.minimum}, got {value}"))
        if field.maximum is not None and value > field.maximum:
            problems.append(Problem(path, f"must be at most {field.maximum}, got {value}"))
    elif field.type == "boolean":
        if not isinstance(value, bool):
            problems.append(Problem(path, f"expected true or false, got {_type_name(value)}"))
    elif field.type == "string_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(path, "expected a list of strings"))
        elif not value:
            problems.append(Problem(path, "must not be empty"))
        elif len(set(value)) != len(value):
            problems.append(Problem(path, "lists a name twice"))


def check_named_tables(raw: object, path: str, problems: list[Problem]) -> dict[str, object]:
    """A section of named resources (``[tables.<name>]``): names must be identifiers."""
    if not isinstance(raw, dict):
        problems.append(Problem(path, f"expected a table, got {_type_name(raw)}"))
        return {}
    for name in raw:
        if not re.fullmatch(spec.IDENTIFIER, name):
            problems.append(Problem(f"{path}.{name}", f"name must match {spec.IDENTIFIER}"))
    return raw


def check_list_of_tables(raw: object, path: str, problems: list[Problem]) -> list[object]:
    if not isinstance(raw, list):
        problems.append(Problem(path, f"expected an array of tables, got {_type_name(raw)}"))
        return []
    return raw


def _type_name(value: object) -> str:
    return {
        str: "a string",
        int: "an integer",
        bool: "a boolean",
        float: "a float",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)
