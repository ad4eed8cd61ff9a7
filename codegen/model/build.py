"""Stage 2: turn stage 1's typed sections into the frozen model in ``types.py``.

Stage 1 (``codegen.schema.parse``, in ``parsing.py``) has checked every section's shape; this
stage never sees raw TOML and calls no validator. It reports each section's
shape problems where it reaches that section, so one run lists every problem
in the order the schema is read, and adds the problems only the model can
see: references between sections, key types, agreement with the pydantic
models the generated code marshals. The checks that need the whole schema
(name clashes, cross-references of layouts) run once, last
(``build_checks.check_whole_schema``). This module holds the entry point and
the tables; the other parts are ``build_attributes``, ``build_lifecycle``,
``build_resources`` (queues, buckets), ``build_checks`` and ``model_catalog``
(the user's Python modules).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TypedDict, TypeVar, cast

from pydantic import BaseModel

from ..schema import ParsedSchema, Problem, SchemaError
from ..schema import sections as s
from . import types as m
from .build_attributes import AttributeLookup, StorageOnly, build_attributes
from .build_checks import check_error_classes, check_whole_schema
from .build_lifecycle import LifecycleFields, build_lifecycle
from .build_resources import build_bucket, build_queue, feed_streams, route_events
from .consumers import build_consumers
from .kinds import KINDS, AccessPattern, TableContext
from .model_catalog import ModelCatalog
from .runtime import DEFAULT_RUNTIME, DEFAULT_SHARED_RUNTIME
from .services import SERVICE_KINDS

_Built = TypeVar("_Built")


class TableFields(TypedDict, total=False):
    """``[tables.<name>]``'s values from stage 1: each key present is valid."""

    description: str
    class_name: str
    protocol: str
    model: str
    factory: str
    terraform_output: str
    env_var: str
    hash_key: str
    range_key: str
    ttl_attribute: str
    not_found_error: str
    storage_only: list[str]
    optional: bool
    stream_view_type: str


def build(parsed: ParsedSchema, source: Path, display_name: str) -> m.SchemaSpec:
    """The model of a parsed schema; raises ``SchemaError`` listing every problem."""
    problems: list[Problem] = list(parsed.root_problems)
    generator = _build_generator(parsed.generator, source, problems)
    if generator is None:
        # Without the package and the models nothing else can be checked.
        raise SchemaError(display_name, problems)
    models = ModelCatalog(generator, problems)
    problems += parsed.tables.problems
    tables = _present(_build_table(t, models, problems) for t in parsed.tables.entries.values())
    problems += parsed.queues.problems
    queues = _present(build_queue(n, q, models, problems) for n, q in parsed.queues.entries.items())
    problems += parsed.buckets.problems
    buckets = _present(
        build_bucket(n, b, models, problems) for n, b in parsed.buckets.entries.items()
    )
    services: list[m.ServiceResource] = []
    for kind_name, kind in SERVICE_KINDS.items():
        section = parsed.services.get(kind_name)
        if section is None:
            continue
        problems += section.problems
        services += _present(kind.build(n, f, problems) for n, f in section.entries.items())
    check_error_classes(generator, tables, problems)
    names = {
        "tables": parsed.tables.names,
        "queues": parsed.queues.names,
        "buckets": parsed.buckets.names,
        **{kind: section.names for kind, section in parsed.services.items()},
    }
    queues = tuple(
        feed_streams(
            route_events(q, buckets), parsed.queues.entries[q.name], tables, names, problems
        )
        for q in queues
    )
    schema = m.SchemaSpec(
        source=source,
        display_name=display_name,
        generator=generator,
        tables=tables,
        queues=queues,
        buckets=buckets,
        services=tuple(services),
    )
    schema = replace(schema, consumers=build_consumers(parsed.consumers, schema, names, problems))
    check_whole_schema(schema, problems)
    if problems:
        raise SchemaError(display_name, problems)
    return schema


def _present(built: Iterable[_Built | None]) -> tuple[_Built, ...]:
    """The resources that were built; the others' problems are already reported."""
    return tuple(resource for resource in built if resource is not None)


def _build_generator(
    fields: s.Fields | None, source: Path, problems: list[Problem]
) -> m.GeneratorSpec | None:
    if fields is None:
        return None  # the missing section is one of stage 1's root problems
    problems += fields.problems
    data = fields.values
    if "package" not in data or "models_module" not in data:
        return None
    return m.GeneratorSpec(
        package=data["package"],
        models_module=data["models_module"],
        errors_module=data.get("errors_module", "stereo_spot_shared.errors"),
        python_path=(source.parent / data.get("python_path", ".")).resolve(),
        shared_package=data.get("shared_package"),
        runtime=data.get("runtime", DEFAULT_RUNTIME),
        shared_runtime=data.get("shared_runtime", DEFAULT_SHARED_RUNTIME),
    )


def _build_table(
    table: s.Table, models: ModelCatalog, problems: list[Problem]
) -> m.TableSpec | None:
    name, path = table.name, table.path
    before = len(problems)
    problems += table.problems
    if table.fields is None:
        return None
    problems += table.fields.problems
    data = cast(TableFields, table.fields.values)
    written = table.fields.written
    model_cls = models.model(data["model"], f"{path}.model", problems) if "model" in data else None
    model_known = "model" not in written or model_cls is not None
    lifecycle_data = _lifecycle_fields(table.lifecycle, problems)
    storage = _storage_only(data, path, lifecycle_data)
    attribute = _attribute_lookup(
        name, table.attributes, model_cls, model_known, models, storage, problems
    )
    hash_key, range_key, ttl = _table_keys(data, path, model_cls, attribute, problems)
    indexes = _build_indexes(table.indexes, attribute, problems)
    lifecycle = (
        build_lifecycle(table.lifecycle, model_cls, attribute, problems)
        if table.lifecycle is not None
        else None
    )
    context = TableContext(
        name=name,
        model_cls=model_cls,
        names_model="model" in written,
        names_range_key="range_key" in written,
        names_ttl="ttl_attribute" in written,
        key_names=frozenset(k.name for k in (hash_key, range_key) if k is not None),
        indexes={index.name: index for index in indexes},
        declared_indexes=table.declared_indexes,
        lifecycle=lifecycle,
        attribute=attribute,
        models=models,
    )
    patterns = _build_patterns(table.patterns, context, problems)
    if hash_key is None or len(problems) > before:
        return None
    built = _table_spec(
        name, path, data, attribute, (hash_key, range_key, ttl), indexes, patterns, lifecycle
    )
    attributes = tuple(attribute.by_name.values())
    return replace(built, storage_only=storage.of(attributes, has_model=model_cls is not None))


def _table_spec(
    name: str,
    path: str,
    data: TableFields,
    attribute: AttributeLookup,
    keys: tuple[m.AttributeSpec, m.AttributeSpec | None, m.AttributeSpec | None],
    indexes: tuple[m.IndexSpec, ...],
    patterns: tuple[AccessPattern, ...],
    lifecycle: m.LifecycleSpec | None,
) -> m.TableSpec:
    hash_key, range_key, ttl = keys
    output = data["terraform_output"]
    return m.TableSpec(
        name=name,
        # It becomes docstring text, where the formatter drops surrounding blanks anyway.
        description=data["description"].strip(),
        class_name=data["class_name"],
        protocol=data.get("protocol"),
        model=data.get("model"),
        factory=data["factory"],
        terraform_output=output,
        env_var=data.get("env_var", output.upper()),
        hash_key=hash_key,
        range_key=range_key,
        attributes=tuple(attribute.by_name.values()),
        indexes=indexes,
        ttl_attribute=ttl,
        patterns=patterns,
        not_found_error=data.get("not_found_error", "ItemNotFoundError"),
        schema_path=path,
        lifecycle=lifecycle,
        stream=_stream(name, path, data),
        optional=data.get("optional", False),
    )


def _stream(name: str, path: str, data: TableFields) -> m.TableStream | None:
    """The table's stream; its output is the table's, ``_name`` replaced by ``_stream_arn``."""
    if "stream_view_type" not in data:
        return None
    output = data["terraform_output"].removesuffix("_name") + "_stream_arn"
    return m.TableStream(
        name,
        data["stream_view_type"],
        output,
        output.upper(),
        f"{path}.stream_view_type",
        data["terraform_output"],
    )


def _storage_only(data: TableFields, path: str, lifecycle: LifecycleFields | None) -> StorageOnly:
    listed = data.get("storage_only")
    return StorageOnly(
        names=tuple(listed or ()),
        declared=listed is not None,
        keys=frozenset(data[k] for k in ("hash_key", "range_key") if k in data),
        marker=lifecycle.get("in_progress_attribute") if lifecycle else None,
        path=f"{path}.storage_only",
    )


def _lifecycle_fields(
    lifecycle: s.Lifecycle | None, problems: list[Problem]
) -> LifecycleFields | None:
    if lifecycle is None:
        return None
    problems += lifecycle.fields.problems
    return cast(LifecycleFields, lifecycle.fields.values)


def _attribute_lookup(
    table: str,
    section: s.Attributes | None,
    model_cls: type[BaseModel] | None,
    model_known: bool,
    models: ModelCatalog,
    storage: StorageOnly,
    problems: list[Problem],
) -> AttributeLookup:
    """The table's attributes, built once; every reference to one resolves through the lookup."""
    if section is None:
        return AttributeLookup(table, (), frozenset(), problems)
    attributes = build_attributes(section, model_cls, model_known, models, problems, storage)
    # Declared but invalid (already reported): references to them are not new problems.
    invalid = section.written - {a.name for a in attributes}
    lookup = AttributeLookup(table, attributes, invalid, problems)
    for i, listed in enumerate(storage.names):
        lookup(listed, f"{storage.path}[{i}]")
    return lookup


def _table_keys(
    data: TableFields,
    path: str,
    model_cls: type[BaseModel] | None,
    attribute: AttributeLookup,
    problems: list[Problem],
) -> tuple[m.AttributeSpec | None, m.AttributeSpec | None, m.AttributeSpec | None]:
    """The hash key, the range key and the TTL attribute, each if declared and valid."""
    hash_key = attribute(data["hash_key"], f"{path}.hash_key") if "hash_key" in data else None
    range_key = attribute(data["range_key"], f"{path}.range_key") if "range_key" in data else None
    for key in (hash_key, range_key):
        if key is not None and key.optional and model_cls is not None:
            problems.append(
                Problem(
                    key.schema_path, f"key attribute {key.name!r} must be a required model field"
                )
            )
    ttl = (
        attribute(data["ttl_attribute"], f"{path}.ttl_attribute", ("N",))
        if "ttl_attribute" in data
        else None
    )
    return hash_key, range_key, ttl


def _build_indexes(
    section: s.Listed[s.Fields], attribute: AttributeLookup, problems: list[Problem]
) -> tuple[m.IndexSpec, ...]:
    problems += section.problems
    indexes = tuple(
        index
        for fields in section.items
        if (index := _build_index(fields, attribute, problems)) is not None
    )
    index_names = Counter(index.name for index in indexes)
    for index in indexes:
        if index_names[index.name] > 1:
            problems.append(
                Problem(index.schema_path + ".name", f"index name {index.name!r} is used twice")
            )
    return indexes


def _build_index(
    fields: s.Fields, attribute: AttributeLookup, problems: list[Problem]
) -> m.IndexSpec | None:
    path, data = fields.path, fields.values
    problems += fields.problems
    if fields.problems:
        return None
    before = len(problems)
    hash_key = attribute(data["hash_key"], f"{path}.hash_key") if "hash_key" in data else None
    range_key = attribute(data["range_key"], f"{path}.range_key") if "range_key" in data else None
    projection = data["projection"]
    non_key = tuple(data.get("non_key_attributes", ()))
    if projection == "INCLUDE" and not non_key:
        problems.append(
            Problem(f"{path}.non_key_attributes", "projection INCLUDE needs non_key_attributes")
        )
    if projection != "INCLUDE" and non_key:
        problems.append(
            Problem(f"{path}.non_key_attributes", "only allowed with projection INCLUDE")
        )
    for i, ref in enumerate(non_key):
        attribute(ref, f"{path}.non_key_attributes[{i}]")
    if hash_key is None or len(problems) > before:
        return None
    return m.IndexSpec(data["name"], hash_key, range_key, projection, non_key, path)


def _build_patterns(
    section: s.Listed[s.Pattern], table: TableContext, problems: list[Problem]
) -> tuple[AccessPattern, ...]:
    problems += section.problems
    built = (_build_pattern(pattern, table, problems) for pattern in section.items)
    return tuple(pattern for pattern in built if pattern is not None)


def _build_pattern(
    pattern: s.Pattern, table: TableContext, problems: list[Problem]
) -> AccessPattern | None:
    """One access pattern: its kind checks the table, then builds it."""
    problems += pattern.problems
    if pattern.kind is None or pattern.problems:
        return None
    kind = KINDS[pattern.kind]
    if not kind.admits(table, pattern.path, problems):
        return None
    return kind.build(pattern.values["name"], pattern.values, pattern.path, table, problems)
