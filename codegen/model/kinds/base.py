"""What every access-pattern kind declares, and the typed table facts its builder reads.

A kind is one module of this package holding one frozen dataclass that
subclasses ``AccessPattern``. The class is both the kind (its class-level
facts: schema fields, the DynamoDB operations it calls, what its rendered code
imports) and the built pattern (an instance: one method of one table). Its
templates are found by its name: ``templates/patterns/<kind>.py.jinja`` (AWS)
and ``templates/memory_patterns/<kind>.py.jinja`` (in memory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from pydantic import BaseModel

from ...schema.errors import Problem
from ...schema.spec import Field
from .. import types as m
from ..binding import Name

TableKeys = Literal["any", "hash_only", "with_range"]

KEY_LOCALS = ("self", "str", "int", "bytes")
"""Names every method taking key parameters uses: ``self`` and the key annotations."""


class AttributeLookup(Protocol):
    """Finds a table attribute a pattern refers to; a bad reference is reported, and None."""

    def __call__(
        self, ref: str, ref_path: str, types_allowed: tuple[str, ...] = ("S", "N", "B")
    ) -> m.AttributeSpec | None: ...


class ModelLookup(Protocol):
    """Finds a pydantic model of the schema's models module; a missing one is reported."""

    def model(self, name: str, path: str, problems: list[Problem]) -> type[BaseModel] | None: ...


@dataclass(frozen=True)
class TableContext:
    """The validated facts of the table a pattern belongs to, as its builder sees them."""

    name: str
    model_cls: type[BaseModel] | None  # None: no model, or it failed to load (reported)
    names_model: bool  # the schema names a model (it may have failed to load)
    names_range_key: bool  # the schema names a range key (it may be invalid)
    names_ttl: bool  # the schema names a ttl_attribute (it may be invalid)
    key_names: frozenset[str]
    indexes: Mapping[str, m.IndexSpec]  # the valid indexes, by name
    declared_indexes: frozenset[str]  # every index name the schema declares, valid or not
    lifecycle: m.LifecycleSpec | None
    attribute: AttributeLookup
    models: ModelLookup


def key_params(table: m.TableSpec) -> str:
    """``job_id: str`` or ``job_id: str, segment_index: int``: a method's key parameters."""
    return ", ".join(f"{key.name}: {key.key_annotation}" for key in table.key_attributes)


@dataclass(frozen=True)
class AccessPattern:
    """One access pattern of a table: the method (or methods) it generates.

    Subclasses override the class-level facts and, where their schema fields
    or generated code need it, the methods.
    """

    name: str

    kind: ClassVar[str]  # the schema's ``kind``; also the module and template names
    description: ClassVar[str]  # one line for the JSON Schema
    schema_fields: ClassVar[Mapping[str, Field]] = {}  # schema fields besides name and kind
    needs_model: ClassVar[bool] = True  # the table must name a model
    table_keys: ClassVar[TableKeys] = "any"
    operations: ClassVar[tuple[str, ...]] = ()  # DynamoDB operations: its IAM actions
    extra_methods: ClassVar[tuple[str, ...]] = ()  # public methods it adds besides ``name``
    private_methods: ClassVar[tuple[str, ...]] = ()  # helpers only its DynamoDB class has
    # What its rendered code needs from the table module.
    abc_imports: ClassVar[tuple[str, ...]] = ()  # collections.abc names, both backends
    signature_abc_imports: ClassVar[tuple[str, ...]] = ()  # ...its Protocol signature names
    uses_query_input: ClassVar[bool] = False
    uses_page_token: ClassVar[bool] = False
    uses_clock: ClassVar[bool] = False
    holds_leases: ClassVar[bool] = False  # the class gets an owner_id; HeldLease is imported
    writes_in_batches: ClassVar[bool] = False  # the class gets a ``batch_retry`` policy
    # Locals and builtins its method bodies use (checked by tests/codegen/test_generated_names).
    method_locals: ClassVar[tuple[str, ...]] = ()
    memory_method_locals: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def build(
        cls,
        name: str,
        data: Mapping[str, object],
        path: str,
        table: TableContext,
        problems: list[Problem],
    ) -> AccessPattern | None:
        """The pattern from its checked schema fields; a problem is reported, and None."""
        return cls(name)

    @classmethod
    def admits(cls, table: TableContext, path: str, problems: list[Problem]) -> bool:
        """Whether the table has what this kind needs (a model, its key shape)."""
        if cls.needs_model and not table.names_model:
            problems.append(
                Problem(f"{path}.kind", f"{cls.kind!r} needs the table to name a model")
            )
            return False
        if cls.needs_model and table.model_cls is None:
            return False  # the model itself is the problem, reported where it is named
        if cls.table_keys == "hash_only" and table.names_range_key:
            problems.append(
                Problem(f"{path}.kind", f"{cls.kind!r} needs a table with a hash key only")
            )
            return False
        if cls.table_keys == "with_range" and not table.names_range_key:
            problems.append(Problem(f"{path}.kind", f"{cls.kind!r} needs a table with a range key"))
            return False
        return True

    @property
    def queried_index(self) -> str | None:
        """The index its operations address (its IAM resource), or None for the table."""
        return None

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        """The ``def`` line of ``method`` (default: the pattern's own), as the Protocol has it."""
        return f"    def {self.name}(self, {key_params(table)}) -> None:"

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        """The schema-named parameters of its methods (``keys``/``model``: the table's)."""
        return keys

    def errors(self, table: m.TableSpec) -> tuple[str, ...]:
        """Error classes of the errors module its DynamoDB code raises."""
        return ()

    def memory_errors(self, table: m.TableSpec) -> tuple[str, ...]:
        """Error classes of the errors module its in-memory code raises."""
        return ()

    def models(self) -> frozenset[str]:
        """Model classes and enums its code names, besides the table's model."""
        return frozenset()

    def error_globals(self, table: m.TableSpec, generator: m.GeneratorSpec) -> list[Name]:
        """The error classes its DynamoDB code imports, as module-level names."""
        return error_names(generator, self.errors(table))

    def module_globals(
        self, table: m.TableSpec, path: str, generator: m.GeneratorSpec
    ) -> list[Name]:
        """Other module-level names its code binds or imports (``path``: the pattern's)."""
        return []


def hash_param(table: m.TableSpec) -> str:
    """The hash-key parameter of a partition method: ``job_id: str``."""
    return f"{table.hash_key.name}: {table.hash_key.key_annotation}"


def error_names(generator: m.GeneratorSpec, classes: tuple[str, ...]) -> list[Name]:
    """The error classes a table module imports from the errors module, as bound names."""
    module = generator.errors_module
    return [Name(c, f"an error class of {module}", origin=f"{module}.{c}") for c in classes]
