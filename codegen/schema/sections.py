"""Stage 1's output: the schema file as typed sections, each with its shape problems.

``parse`` builds these from the loaded TOML in one pass. A section holds only
what is valid (``values``), the keys the file writes whether valid or not
(``written``: a reference to a declared but invalid name is not a new
problem), and the problems of its own shape (``problems``), in the order they
are written. Stage 2 builds the model from these objects alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .errors import Problem

_T = TypeVar("_T")


@dataclass(frozen=True)
class Fields:
    """One TOML table checked against its declared fields (its subsections apart)."""

    path: str
    values: Mapping[str, Any]  # the valid keys only
    written: frozenset[str]  # every key the file writes, subsections included
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Named(Generic[_T]):
    """A section of named entries (``[tables.<name>]``); a bad name is a problem, not a skip."""

    path: str
    entries: Mapping[str, _T]
    problems: tuple[Problem, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.entries)


@dataclass(frozen=True)
class Listed(Generic[_T]):
    """An array of tables (``[[...indexes]]``)."""

    path: str
    items: tuple[_T, ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class AttributeEntry:
    """``name = "S"``: ``dynamo_type`` is None when the type is not one of the declared ones."""

    name: str
    path: str
    dynamo_type: str | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Attributes:
    path: str
    entries: tuple[AttributeEntry, ...]
    problems: tuple[Problem, ...]  # missing, or not a table of name = type

    @property
    def written(self) -> frozenset[str]:
        return frozenset(entry.name for entry in self.entries)


@dataclass(frozen=True)
class Pattern:
    """One access pattern: ``kind`` is None when it is unknown (then nothing else is checked)."""

    path: str
    kind: str | None
    values: Mapping[str, Any]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Transition:
    """``source = [targets]``; ``targets`` None when it is not an array."""

    source: str
    path: str
    targets: tuple[object, ...] | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Moves:
    """A lifecycle section of ``status = [statuses]`` (``transitions``, ``retries``, ``removals``)."""

    path: str
    entries: tuple[Transition, ...]
    problems: tuple[Problem, ...] = ()  # not a table

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(entry.source for entry in self.entries)


@dataclass(frozen=True)
class Lifecycle:
    fields: Fields
    moves: Mapping[str, Moves]  # each of spec.LIFECYCLE_SECTIONS, by name


@dataclass(frozen=True)
class Table:
    """``[tables.<name>]``; ``fields`` is None when it is not a TOML table at all."""

    name: str
    path: str
    fields: Fields | None
    attributes: Attributes | None = None
    indexes: Listed[Fields] = field(default_factory=lambda: Listed("", ()))
    declared_indexes: frozenset[str] = frozenset()  # every index name written, valid or not
    patterns: Listed[Pattern] = field(default_factory=lambda: Listed("", ()))
    lifecycle: Lifecycle | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Bucket:
    fields: Fields
    layouts: Named[Fields]


@dataclass(frozen=True)
class TableGrant:
    """``[consumers.<name>.tables] table = [patterns]``; ``patterns`` None when invalid."""

    path: str
    patterns: tuple[str, ...] | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Consumer:
    fields: Fields
    tables: Named[TableGrant]


@dataclass(frozen=True)
class ParsedSchema:
    """The whole file: ``generator`` is None when the section is missing (reported)."""

    root_problems: tuple[Problem, ...]  # unknown sections, a missing generator
    generator: Fields | None
    tables: Named[Table]
    queues: Named[Fields]
    buckets: Named[Bucket]
    consumers: Named[Consumer]
    services: Mapping[str, Named[Fields]] = field(default_factory=dict)  # by service kind

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every shape problem of the file, section by section."""
        return tuple(_walk(self))


def _walk(node: object) -> list[Problem]:
    found: list[Problem] = []
    if isinstance(node, ParsedSchema):
        found += node.root_problems
        sections: tuple[object, ...] = (
            node.generator,
            node.tables,
            node.queues,
            node.buckets,
            node.consumers,
            *node.services.values(),
        )
        for section in sections:
            found += _walk(section)
    elif isinstance(node, Named):
        found += node.problems
        for entry in node.entries.values():
            found += _walk(entry)
    elif isinstance(node, Listed):
        found += node.problems
        for item in node.items:
            found += _walk(item)
    elif isinstance(node, Table):
        found += node.problems
        parts: tuple[object, ...] = (
            node.fields,
            node.lifecycle,
            node.attributes,
            node.indexes,
            node.patterns,
        )
        for part in parts:
            found += _walk(part)
    elif isinstance(node, Lifecycle):
        found += node.fields.problems
        for moves in node.moves.values():
            found += moves.problems
            for transition in moves.entries:
                found += transition.problems
    elif isinstance(node, Attributes):
        found += node.problems
        for entry in node.entries:
            found += entry.problems
    elif isinstance(node, (Bucket, Consumer)):
        found += node.fields.problems
        found += _walk(node.layouts if isinstance(node, Bucket) else node.tables)
    elif isinstance(node, (Fields, Pattern, TableGrant)):
        found += node.problems
    return found
