"""The Python side of the schema: the modules it names and the types of their model fields.

``build`` asks this module whether a model exists, which type a field has and
which values an enum field allows; nothing else in the generator imports the
user's code.
"""

from __future__ import annotations

import enum
import importlib
import sys
import types
import typing
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel

from . import model as m
from .errors import Problem


class FieldType(NamedTuple):
    """A supported model field type: its kind, its name in annotations, whether None is allowed."""

    kind: m.PythonKind
    name: str  # as written in generated annotations: "str", "int", "JobStatus"
    optional: bool
    enum_class: type[enum.Enum] | None = None


def import_module(
    name: str, python_path: Path, schema_path: str, problems: list[Problem]
) -> types.ModuleType | None:
    """Import a module the schema names (from ``python_path`` first); a failure is a problem."""
    path = str(python_path)
    added = path not in sys.path
    if added:
        sys.path.insert(0, path)
    try:
        return importlib.import_module(name)
    except ImportError as error:
        problems.append(Problem(schema_path, f"cannot import {name!r}: {_first_line(error)}"))
    except (Exception, SystemExit) as error:  # the module's own code failed while importing
        problems.append(
            Problem(
                schema_path,
                f"importing {name!r} raised {type(error).__name__}: {_first_line(error)}",
            )
        )
    finally:
        if added:
            sys.path.remove(path)
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


class ModelCatalog:
    """Imports the models module once and answers questions about its classes."""

    def __init__(self, generator: m.GeneratorSpec, problems: list[Problem]) -> None:
        self.name = generator.models_module
        self.module = import_module(
            generator.models_module, generator.python_path, "generator.models_module", problems
        )
        if self.module is None:
            return
        origin = Path(self.module.__file__ or "").resolve()
        if not origin.is_relative_to(generator.python_path):
            # Another schema (or the environment) already imported a module of
            # this name from elsewhere; its classes are not the ones meant here.
            problems.append(
                Problem(
                    "generator.models_module",
                    f"{self.name!r} is already imported from another location, not from python_path",
                )
            )
            self.module = None

    def model(self, name: str, path: str, problems: list[Problem]) -> type[BaseModel] | None:
        if self.module is None:
            return None
        found = getattr(self.module, name, None)
        if not (isinstance(found, type) and issubclass(found, BaseModel)):
            problems.append(Problem(path, f"{self.name} has no pydantic model {name!r}"))
            return None
        return found

    def exports(self, cls: type) -> bool:
        return self.module is not None and getattr(self.module, cls.__name__, None) is cls


def unwrap_optional(annotation: object) -> tuple[object, bool]:
    """``X | None`` -> ``(X, True)``; anything else -> ``(annotation, False)``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def field_type(annotation: object) -> FieldType | None:
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
    """The values of an enum field (one ``field_type`` already accepted), in the enum's order."""
    found = field_type(model_cls.model_fields[field_name].annotation)
    assert found is not None and found.enum_class is not None, (
        "checked when the attribute was built"
    )
    return tuple(str(member.value) for member in found.enum_class)
