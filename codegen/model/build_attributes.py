"""A table's attributes: each checked against the model field it stores, and looked up by name."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import cast

from pydantic import BaseModel

from ..schema import Problem
from ..schema import sections as s
from . import types as m
from .model_catalog import ModelCatalog
from .pytypes import python_type

_PYTHON_KINDS: dict[str, tuple[str, ...]] = {"S": ("str", "enum"), "N": ("int",), "B": ("bytes",)}
_PLAIN_KINDS: dict[str, m.PythonKind] = {"S": "str", "N": "int", "B": "bytes"}


class AttributeLookup:
    """Resolves a reference such as ``hash_key = "job_id"`` to the table's attribute.

    An unknown name or a type the reference cannot use is reported at the
    reference; a name declared but invalid was reported where it is declared.
    """

    def __init__(
        self,
        table: str,
        attributes: tuple[m.AttributeSpec, ...],
        invalid: frozenset[str],
        problems: list[Problem],
    ) -> None:
        self.table = table
        self.by_name = {a.name: a for a in attributes}
        self.invalid = invalid
        self.problems = problems

    def __call__(
        self, ref: str, ref_path: str, types_allowed: tuple[str, ...] = ("S", "N", "B")
    ) -> m.AttributeSpec | None:
        found = self.by_name.get(ref)
        if found is None and ref in self.invalid:
            return None  # already reported where it is declared
        if found is None:
            names = ", ".join(sorted(self.by_name)) or "none"
            self.problems.append(
                Problem(
                    ref_path,
                    f"{ref!r} is not an attribute of table {self.table!r} (attributes: {names})",
                )
            )
            return None
        if found.dynamo_type not in types_allowed:
            self.problems.append(
                Problem(
                    ref_path,
                    f"{ref!r} has type {found.dynamo_type}; expected {' or '.join(types_allowed)}",
                )
            )
        return found


def build_attributes(
    section: s.Attributes,
    model_cls: type[BaseModel] | None,
    model_known: bool,
    models: ModelCatalog,
    problems: list[Problem],
    storage: StorageOnly,
) -> tuple[m.AttributeSpec, ...]:
    """Every valid attribute of ``[<table>.attributes]``, in declaration order.

    With a model, an attribute is a model field or declared storage-only; without
    one, every attribute but the keys is storage-only (and must be listed if the
    table lists any).
    """
    path = section.path
    problems += section.problems
    if section.problems:
        return ()  # missing, or not a table of name = type
    if not model_known:
        return ()  # the model could not be loaded (reported): nothing to check against
    attributes: list[m.AttributeSpec] = []
    for entry in section.entries:
        attr_name, attr_path = entry.name, entry.path
        problems += entry.problems
        if entry.dynamo_type is None:
            continue
        declared = cast(m.DynamoType, entry.dynamo_type)
        if model_cls is None:
            # Without a model the table stores bookkeeping attributes the
            # generated methods set themselves; none is read into a model.
            storage.check_listed(attr_name, attr_path, problems)
            kind = _PLAIN_KINDS[declared]
            found: m.AttributeSpec | None = m.AttributeSpec(
                attr_name, declared, kind, kind, False, attr_path
            )
        elif attr_name == storage.marker:
            storage.check_listed(attr_name, attr_path, problems)
            found = _marker_attribute(attr_name, declared, attr_path, model_cls, problems)
        elif attr_name in storage.names:
            found = _storage_only_attribute(attr_name, declared, attr_path, model_cls, problems)
        else:
            found = _model_attribute(attr_name, declared, attr_path, model_cls, models, problems)
        if found is not None:
            attributes.append(found)
    if model_cls is not None:
        _check_every_field_stored(model_cls, section.written, path, problems)
    return tuple(attributes)


@dataclass(frozen=True)
class StorageOnly:
    """A table's ``storage_only`` list, as the attributes are checked against it."""

    names: tuple[str, ...]  # as listed
    declared: bool  # the table lists storage_only (then the list must be complete)
    keys: frozenset[str]  # the table's key attributes: read by everyone, never storage-only
    marker: str | None  # the lifecycle's in-progress attribute, if any
    path: str  # where the list is: tables.<name>.storage_only

    def of(self, attributes: tuple[m.AttributeSpec, ...], has_model: bool) -> tuple[str, ...]:
        """The storage-only attributes, in declaration order: without a model, all but the keys."""
        return tuple(
            a.name
            for a in attributes
            if a.name in self.names or (not has_model and a.name not in self.keys)
        )

    def check_listed(self, name: str, attr_path: str, problems: list[Problem]) -> None:
        """An attribute the generated code keeps for itself must be in a declared list."""
        if name in self.keys or name in self.names:
            return
        if self.declared or name == self.marker:
            problems.append(
                Problem(
                    attr_path,
                    f"{name!r} is stored for the generated code's own use: list it in {self.path}",
                )
            )


def _storage_only_attribute(
    name: str,
    dynamo_type: m.DynamoType,
    path: str,
    model_cls: type[BaseModel],
    problems: list[Problem],
) -> m.AttributeSpec | None:
    """An attribute the generated code stores for its own use: never a model field."""
    if name in model_cls.model_fields:
        problems.append(
            Problem(
                path,
                f"{model_cls.__name__}.{name} is a model field; a storage-only attribute is not",
            )
        )
        return None
    kind = _PLAIN_KINDS[dynamo_type]
    return m.AttributeSpec(name, dynamo_type, kind, kind, True, path, derived=True)


def _marker_attribute(
    name: str,
    dynamo_type: m.DynamoType,
    path: str,
    model_cls: type[BaseModel],
    problems: list[Problem],
) -> m.AttributeSpec | None:
    """The lifecycle's in-progress marker: a string the generated code sets, not a model field."""
    if dynamo_type != "S":
        problems.append(Problem(path, f"the lifecycle marker must have type S, got {dynamo_type}"))
        return None
    if name in model_cls.model_fields:
        problems.append(
            Problem(
                path,
                f"the lifecycle marker is set by the generated code; "
                f"{model_cls.__name__}.{name} must not be a model field",
            )
        )
        return None
    return m.AttributeSpec(name, "S", "str", "str", True, path, derived=True)


def _model_attribute(
    name: str,
    dynamo_type: m.DynamoType,
    path: str,
    model_cls: type[BaseModel],
    models: ModelCatalog,
    problems: list[Problem],
) -> m.AttributeSpec | None:
    """An attribute stored from a model field: the field's type must fit the declared one."""
    field = model_cls.model_fields.get(name)
    where = f"{model_cls.__name__}.{name}"
    if field is None:
        problems.append(Problem(path, f"model {model_cls.__name__} has no field {name!r}"))
        return None
    python = python_type(field.annotation)
    if python is None:
        problems.append(
            Problem(path, f"model field {where} has an unsupported type {field.annotation!r}")
        )
        return None
    if python.kind not in _PYTHON_KINDS[dynamo_type]:
        problems.append(
            Problem(path, f"type {dynamo_type} does not match model field {where}: {python.name}")
        )
        return None
    if python.enum_class is not None and not models.exports(python.enum_class):
        problems.append(Problem(path, f"enum {python.name} is not importable from {models.name}"))
        return None
    # An optional field defaults to None: an item without the attribute reads back as
    # None (the generated readers leave the field to its default), as it was written.
    if python.optional == field.is_required() or (python.optional and field.default is not None):
        needed = "optional with a None default" if python.optional else "required"
        problems.append(Problem(path, f"model field {where} must be {needed}"))
        return None
    return m.AttributeSpec(name, dynamo_type, python.kind, python.name, python.optional, path)


def _check_every_field_stored(
    model_cls: type[BaseModel], written: Set[str], path: str, problems: list[Problem]
) -> None:
    for field_name in model_cls.model_fields:
        if field_name not in written:
            problems.append(
                Problem(
                    path,
                    f"model field {model_cls.__name__}.{field_name} has no attribute "
                    f'(add {field_name} = "S" | "N" | "B")',
                )
            )
