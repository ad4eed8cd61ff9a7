"""How a pydantic field's annotation maps to the Python types the generated code supports."""

from __future__ import annotations

import enum
import types
import typing
from typing import NamedTuple

from pydantic import BaseModel

from . import types as m


class FieldType(NamedTuple):
    """A supported model field type: its kind, its name in annotations, whether None is allowed."""

    kind: m.PythonKind
    name: str  # as written in generated annotations: "str", "int", "JobStatus"
    optional: bool
    enum_class: type[enum.Enum] | None = None


def unwrap_optional(annotation: object) -> tuple[object, bool]:
    """``X | None`` -> ``(X, True)``; anything else -> ``(annotation, False)``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def python_type(annotation: object) -> FieldType | None:
    """The field type a generated module can marshal, or None if it cannot."""
    inner, optional = unwrap_optional(annotation)
    if inner is str:
        return FieldType("str", "str", optional)
    if inner is int:
        return FieldType("int", "int", optional)
    if inner is bytes:
        return FieldType("bytes", "bytes", optional)
    if isinstance(inner, type) and issubclass(inner, enum.Enum) and issubclass(inner, str):
        return FieldType("enum", inner.__name__, optional, inner)
    return None


def enum_values(model_cls: type[BaseModel], field_name: str) -> tuple[str, ...]:
    """The values of an enum field (one ``python_type`` already accepted), in the enum's order."""
    found = python_type(model_cls.model_fields[field_name].annotation)
    assert found is not None and found.enum_class is not None, (
        "checked when the attribute was built"
    )
    return tuple(str(member.value) for member in found.enum_class)
