"""Stage 1: the loaded TOML into typed sections (``sections.py``), in one pass.

Every shape problem is found here, against ``spec.py``: unknown keys, missing
required ones, types, patterns, ranges, names. The access-pattern kinds'
own fields are handed in (``kind_fields``), so this stage needs nothing of
the model. What needs the model or the whole schema (references, the user's
pydantic models, name clashes) is stage 2's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from . import sections as s
from . import spec
from .errors import Problem
from .validate import check_fields, check_list_of_tables, check_named_tables, check_value

KindFields = Mapping[str, Mapping[str, spec.Field]]
"""Each kind's schema fields besides ``name`` and ``kind``, by the kind's name."""


@dataclass(frozen=True)
class ServiceSection:
    """A top-level section of a resource kind beyond tables, queues and buckets
    (``[metrics.<name>]``): its fields, and the consumer key that grants its resources."""

    fields: Mapping[str, spec.Field]
    consumer_key: str
    consumer_description: str


ServiceSections = Mapping[str, ServiceSection]
"""Each service kind's section, by its name (the model's ``SERVICE_KINDS`` hands them in)."""

_STRING_LIST = spec.Field("string_list", "")
_T = TypeVar("_T")


def parse(
    data: Mapping[str, Any], kind_fields: KindFields, services: ServiceSections | None = None
) -> s.ParsedSchema:
    """The typed sections of a loaded schema; each carries the problems of its own shape."""
    services = services or {}
    root: list[Problem] = []
    sections = (*spec.TOP_LEVEL_SECTIONS, *services)
    for key in data:
        if key not in sections:
            allowed = ", ".join(sections)
            root.append(Problem(key, f"unknown section (allowed: {allowed})"))
    generator = None
    if data.get("generator") is None:
        root.append(Problem("generator", "required section is missing"))
    else:
        generator = _fields(data["generator"], spec.GENERATOR_FIELDS, "generator")
    return s.ParsedSchema(
        root_problems=tuple(root),
        generator=generator,
        tables=_named(
            data.get("tables", {}), "tables", lambda n, v, p: _table(n, v, p, kind_fields)
        ),
        queues=_named(
            data.get("queues", {}), "queues", lambda n, v, p: _fields(v, spec.QUEUE_FIELDS, p)
        ),
        buckets=_named(data.get("buckets", {}), "buckets", lambda n, v, p: _bucket(v, p)),
        consumers=_named(
            data.get("consumers", {}), "consumers", lambda n, v, p: _consumer(v, p, services)
        ),
        services={
            kind: _named(data.get(kind, {}), kind, _section_fields(section.fields))
            for kind, section in services.items()
        },
    )


def _section_fields(fields: Mapping[str, spec.Field]) -> Callable[[str, object, str], s.Fields]:
    """The parser of one named entry checked against ``fields`` alone."""

    def entry(name: str, raw: object, path: str) -> s.Fields:
        return _fields(raw, fields, path)

    return entry


def _fields(
    raw: object, fields: Mapping[str, spec.Field], path: str, sections: tuple[str, ...] = ()
) -> s.Fields:
    problems: list[Problem] = []
    valid = check_fields(raw, dict(fields), path, problems, extra_keys=sections)
    return s.Fields(
        path=path,
        values={k: v for k, v in valid.items() if k not in sections},
        written=frozenset(raw) if isinstance(raw, dict) else frozenset(),
        problems=tuple(problems),
    )


def _named(raw: object, path: str, entry: Callable[[str, object, str], _T]) -> s.Named[_T]:
    """``entry(name, value, path)`` parses each named entry."""
    problems: list[Problem] = []
    entries = check_named_tables(raw, path, problems)
    return s.Named(
        path,
        {name: entry(name, value, f"{path}.{name}") for name, value in entries.items()},
        tuple(problems),
    )


def _table(name: str, raw: object, path: str, kind_fields: KindFields) -> s.Table:
    if not isinstance(raw, dict):
        return s.Table(name, path, None, problems=(Problem(path, "expected a table"),))
    fields = _fields(raw, spec.TABLE_FIELDS, path, spec.TABLE_SECTIONS)
    indexes_path = f"{path}.indexes"
    problems: list[Problem] = []
    raw_indexes = check_list_of_tables(raw.get("indexes", []), indexes_path, problems)
    indexes = s.Listed(
        indexes_path,
        tuple(
            _fields(r, spec.INDEX_FIELDS, f"{indexes_path}[{i}]") for i, r in enumerate(raw_indexes)
        ),
        tuple(problems),
    )
    raw_declared = raw.get("indexes")
    declared = (
        frozenset(str(i.get("name")) for i in raw_declared if isinstance(i, dict))
        if isinstance(raw_declared, list)
        else frozenset()
    )
    return s.Table(
        name,
        path,
        fields,
        attributes=_attributes(raw.get("attributes"), f"{path}.attributes"),
        indexes=indexes,
        declared_indexes=declared,
        patterns=_patterns(raw.get("access_patterns", []), f"{path}.access_patterns", kind_fields),
        lifecycle=_lifecycle(raw["lifecycle"], f"{path}.lifecycle") if "lifecycle" in raw else None,
    )


def _attributes(raw: object, path: str) -> s.Attributes:
    if raw is None:
        return s.Attributes(path, (), (Problem(path, "required section is missing"),))
    if not isinstance(raw, dict) or not raw:
        return s.Attributes(
            path, (), (Problem(path, 'expected a table of attribute = "S" | "N" | "B"'),)
        )
    entries = []
    for name, dynamo_type in raw.items():
        where = f"{path}.{name}"
        if dynamo_type in spec.ATTRIBUTE_TYPES:
            entries.append(s.AttributeEntry(name, where, dynamo_type, ()))
        else:
            message = f"type must be one of {', '.join(spec.ATTRIBUTE_TYPES)}, got {dynamo_type!r}"
            entries.append(s.AttributeEntry(name, where, None, (Problem(where, message),)))
    return s.Attributes(path, tuple(entries), ())


def _patterns(raw: object, path: str, kind_fields: KindFields) -> s.Listed[s.Pattern]:
    problems: list[Problem] = []
    raw_patterns = check_list_of_tables(raw, path, problems)
    if not raw_patterns:
        problems.append(Problem(path, "a table needs at least one access pattern"))
    items = tuple(_pattern(r, f"{path}[{i}]", kind_fields) for i, r in enumerate(raw_patterns))
    return s.Listed(path, items, tuple(problems))


def _pattern(raw: object, path: str, kind_fields: KindFields) -> s.Pattern:
    if not isinstance(raw, dict):
        return s.Pattern(path, None, {}, (Problem(path, "expected a table"),))
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in kind_fields:
        problem = Problem(f"{path}.kind", f"{kind!r} is not one of {', '.join(kind_fields)}")
        return s.Pattern(path, None, {}, (problem,))
    fields = _fields(raw, {**spec.PATTERN_COMMON_FIELDS, **kind_fields[kind]}, path)
    return s.Pattern(path, kind, fields.values, fields.problems)


def _lifecycle(raw: object, path: str) -> s.Lifecycle:
    fields = _fields(raw, spec.LIFECYCLE_FIELDS, path, spec.LIFECYCLE_SECTIONS)
    sections = raw if isinstance(raw, dict) else {}
    return s.Lifecycle(
        fields,
        {
            name: _moves(sections.get(name, {}), f"{path}.{name}", _MOVES_SHAPE[name])
            for name in spec.LIFECYCLE_SECTIONS
        },
    )


_MOVES_SHAPE = {
    "transitions": "status = [statuses]",
    "retries": "status = [earlier statuses]",
    "removals": "final status = [tombstone statuses]",
}
"""What each lifecycle section holds, for the problem when it is not a table."""


def _moves(raw: object, path: str, shape: str) -> s.Moves:
    if not isinstance(raw, dict):
        return s.Moves(path, (), (Problem(path, f"expected a table of {shape}"),))
    entries = []
    for source, targets in raw.items():
        where = f"{path}.{source}"
        problems: list[Problem] = []
        check_value(targets, _STRING_LIST, where, problems)
        listed = tuple(targets) if isinstance(targets, list) else None
        entries.append(s.Transition(source, where, listed, tuple(problems)))
    return s.Moves(path, tuple(entries))


def _bucket(raw: object, path: str) -> s.Bucket:
    fields = _fields(raw, spec.BUCKET_FIELDS, path, spec.BUCKET_SECTIONS)
    layouts = raw.get("layouts", {}) if isinstance(raw, dict) else {}
    layouts_path = f"{path}.layouts"
    return s.Bucket(
        fields, _named(layouts, layouts_path, lambda n, v, p: _fields(v, spec.LAYOUT_FIELDS, p))
    )


def consumer_fields(services: ServiceSections) -> dict[str, spec.Field]:
    """A consumer's fields: the declared ones, and one list per service kind."""
    return {
        **spec.CONSUMER_FIELDS,
        **{
            section.consumer_key: spec.Field("string_list", section.consumer_description)
            for section in services.values()
        },
    }


def _consumer(raw: object, path: str, services: ServiceSections) -> s.Consumer:
    fields = _fields(raw, consumer_fields(services), path, spec.CONSUMER_SECTIONS)
    tables = raw.get("tables", {}) if isinstance(raw, dict) else {}
    return s.Consumer(fields, _named(tables, f"{path}.tables", lambda n, v, p: _grant(v, p)))


def _grant(raw: object, path: str) -> s.TableGrant:
    problems: list[Problem] = []
    check_value(raw, _STRING_LIST, path, problems)
    patterns = tuple(str(n) for n in raw) if isinstance(raw, list) and not problems else None
    return s.TableGrant(path, patterns, tuple(problems))
