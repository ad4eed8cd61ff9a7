"""Stage 2: turn validated schema data into the frozen model in ``types.py``.

All semantic checks live in this stage: references between sections, key
types, and agreement with the pydantic models the generated code marshals.
Every problem is collected; ``SchemaError`` lists them all. This module holds
the entry point and the tables; the other parts are ``build_attributes``,
``build_lifecycle``, ``build_resources`` (queues, buckets), ``build_checks``
(rules across resources) and ``model_catalog`` (the user's Python modules).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypedDict, TypeVar, cast

from pydantic import BaseModel

from ..schema import (
    Problem,
    SchemaError,
    check_fields,
    check_list_of_tables,
    check_named_tables,
    spec,
)
from . import types as m
from .build_attributes import AttributeLookup, StorageOnly, build_attributes
from .build_checks import check_error_classes, check_unique_names
from .build_lifecycle import LifecycleFields, build_lifecycle
from .build_resources import build_bucket, build_queue, route_events
from .consumers import build_consumers
from .kinds import KINDS, AccessPattern, TableContext
from .layouts import check_layouts
from .model_catalog import ModelCatalog
from .names import check_names
from .runtime import DEFAULT_RUNTIME, DEFAULT_SHARED_RUNTIME

_Built = TypeVar("_Built")


class TableFields(TypedDict, total=False):
    """``[tables.<name>]`` after ``check_fields``: each key present is valid."""

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
    # Sections, each checked where it is built.
    attributes: object
    indexes: object
    access_patterns: object
    lifecycle: object


def build(raw: dict[str, Any], source: Path, display_name: str) -> m.SchemaSpec:
    """The model of a loaded schema; raises ``SchemaError`` listing every problem."""
    problems: list[Problem] = []
    for key in raw:
        if key not in spec.TOP_LEVEL_SECTIONS:
            allowed = ", ".join(spec.TOP_LEVEL_SECTIONS)
            problems.append(Problem(key, f"unknown section (allowed: {allowed})"))
    generator = _build_generator(raw.get("generator"), source, problems)
    if generator is None:
        # Without the package and the models nothing else can be checked.
        raise SchemaError(display_name, problems)
    models = ModelCatalog(generator, problems)
    declared = {"tables": check_named_tables(raw.get("tables", {}), "tables", problems)}
    tables = _present(_build_table(n, v, models, problems) for n, v in declared["tables"].items())
    declared["queues"] = check_named_tables(raw.get("queues", {}), "queues", problems)
    queues = _present(build_queue(n, v, models, problems) for n, v in declared["queues"].items())
    declared["buckets"] = check_named_tables(raw.get("buckets", {}), "buckets", problems)
    buckets = _present(build_bucket(n, v, models, problems) for n, v in declared["buckets"].items())
    check_error_classes(generator, tables, problems)
    schema = m.SchemaSpec(
        source=source,
        display_name=display_name,
        generator=generator,
        tables=tables,
        queues=tuple(route_events(q, buckets) for q in queues),
        buckets=buckets,
    )
    names = {section: frozenset(resources) for section, resources in declared.items()}
    schema = replace(
        schema, consumers=build_consumers(raw.get("consumers", {}), schema, names, problems)
    )
    if not problems:
        check_unique_names(schema, problems)
        check_layouts(schema, problems)
    if not problems:
        problems += check_names(schema)
    if problems:
        raise SchemaError(display_name, problems)
    return schema


def _present(built: Iterable[_Built | None]) -> tuple[_Built, ...]:
    """The resources that were built; the others' problems are already reported."""
    return tuple(resource for resource in built if resource is not None)


def _build_generator(raw: object, source: Path, problems: list[Problem]) -> m.GeneratorSpec | None:
    if raw is None:
        problems.append(Problem("generator", "required section is missing"))
        return None
    data = check_fields(raw, spec.GENERATOR_FIELDS, "generator", problems)
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
    name: str, raw: object, models: ModelCatalog, problems: list[Problem]
) -> m.TableSpec | None:
    path = f"tables.{name}"
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(Problem(path, "expected a table"))
        return None
    data = _table_fields(raw, path, problems)
    model_cls = models.model(data["model"], f"{path}.model", problems) if "model" in data else None
    model_known = "model" not in raw or model_cls is not None
    lifecycle_data = _lifecycle_fields(data.get("lifecycle"), path, problems)
    storage = _storage_only(data, path, lifecycle_data)
    attribute = _attribute_lookup(name, data, model_cls, model_known, models, storage, problems)
    hash_key, range_key, ttl = _table_keys(data, path, model_cls, attribute, problems)
    indexes = _build_indexes(data.get("indexes", []), path, attribute, problems)
    lifecycle = (
        build_lifecycle(lifecycle_data, f"{path}.lifecycle", model_cls, attribute, problems)
        if lifecycle_data is not None
        else None
    )
    context = TableContext(
        name=name,
        model_cls=model_cls,
        names_model="model" in raw,
        names_range_key="range_key" in raw,
        names_ttl="ttl_attribute" in raw,
        key_names=frozenset(k.name for k in (hash_key, range_key) if k is not None),
        indexes={index.name: index for index in indexes},
        declared_indexes=_declared_index_names(data.get("indexes")),
        lifecycle=lifecycle,
        attribute=attribute,
        models=models,
    )
    patterns = _build_patterns(data.get("access_patterns", []), path, context, problems)
    if hash_key is None or len(problems) > before:
        return None
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
        storage_only=storage.of(tuple(attribute.by_name.values()), has_model=model_cls is not None),
    )


def _table_fields(raw: object, path: str, problems: list[Problem]) -> TableFields:
    data = check_fields(raw, spec.TABLE_FIELDS, path, problems, extra_keys=spec.TABLE_SECTIONS)
    return cast(TableFields, data)


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
    raw: object, table_path: str, problems: list[Problem]
) -> LifecycleFields | None:
    if raw is None:
        return None
    data = check_fields(
        raw,
        spec.LIFECYCLE_FIELDS,
        f"{table_path}.lifecycle",
        problems,
        extra_keys=spec.LIFECYCLE_SECTIONS,
    )
    return cast(LifecycleFields, data)


def _attribute_lookup(
    table: str,
    data: TableFields,
    model_cls: type[BaseModel] | None,
    model_known: bool,
    models: ModelCatalog,
    storage: StorageOnly,
    problems: list[Problem],
) -> AttributeLookup:
    """The table's attributes, built once; every reference to one resolves through the lookup."""
    raw = data.get("attributes")
    attributes = build_attributes(
        raw, f"tables.{table}", model_cls, model_known, models, problems, storage
    )
    built = {a.name for a in attributes}
    # Declared but invalid (already reported): references to them are not new problems.
    invalid = frozenset(raw) - built if isinstance(raw, dict) else frozenset()
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
    raw: object, table_path: str, attribute: AttributeLookup, problems: list[Problem]
) -> tuple[m.IndexSpec, ...]:
    path = f"{table_path}.indexes"
    indexes = tuple(
        index
        for i, raw_index in enumerate(check_list_of_tables(raw, path, problems))
        if (index := _build_index(raw_index, f"{path}[{i}]", attribute, problems)) is not None
    )
    index_names = Counter(index.name for index in indexes)
    for index in indexes:
        if index_names[index.name] > 1:
            problems.append(
                Problem(index.schema_path + ".name", f"index name {index.name!r} is used twice")
            )
    return indexes


def _build_index(
    raw: object, path: str, attribute: AttributeLookup, problems: list[Problem]
) -> m.IndexSpec | None:
    before = len(problems)
    data = check_fields(raw, spec.INDEX_FIELDS, path, problems)
    if len(problems) > before:
        return None
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


def _declared_index_names(raw: object) -> frozenset[str]:
    """Every index name the schema declares, valid or not."""
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(str(i.get("name")) for i in raw if isinstance(i, dict))


def _build_patterns(
    raw: object, table_path: str, table: TableContext, problems: list[Problem]
) -> tuple[AccessPattern, ...]:
    path = f"{table_path}.access_patterns"
    raw_patterns = check_list_of_tables(raw, path, problems)
    if not raw_patterns:
        problems.append(Problem(path, "a table needs at least one access pattern"))
    built = (
        _build_pattern(raw_pattern, f"{path}[{i}]", table, problems)
        for i, raw_pattern in enumerate(raw_patterns)
    )
    return tuple(pattern for pattern in built if pattern is not None)


def _build_pattern(
    raw: object, path: str, table: TableContext, problems: list[Problem]
) -> AccessPattern | None:
    """One access pattern: its kind checks its fields and the table, then builds it."""
    if not isinstance(raw, dict):
        problems.append(Problem(path, "expected a table"))
        return None
    kind_name = raw.get("kind")
    kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        problems.append(Problem(f"{path}.kind", f"{kind_name!r} is not one of {', '.join(KINDS)}"))
        return None
    before = len(problems)
    data = check_fields(raw, {**spec.PATTERN_COMMON_FIELDS, **kind.schema_fields}, path, problems)
    if len(problems) > before or not kind.admits(table, path, problems):
        return None
    return kind.build(data["name"], data, path, table, problems)
