"""How a pydantic field's annotation maps to the Python types the generated code supports."""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

from . import model as m


def unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``; anything else -> ``(annotation, False)``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
        return annotation, False
    return annotation, False


def python_type(annotation: Any) -> tuple[m.PythonKind, str, bool] | None:
    """(kind, annotation as generated code writes it, optional), or None when unsupported."""
    inner, optional = unwrap_optional(annotation)
    if inner is str:
        return "str", "str", optional
    if inner is int:
        return "int", "int", optional
    if inner is bytes:
        return "bytes", "bytes", optional
    if isinstance(inner, type) and issubclass(inner, enum.Enum) and issubclass(inner, str):
        return "enum", inner.__name__, optional
    return None
