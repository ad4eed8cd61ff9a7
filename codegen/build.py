"""Stage 3: turn validated schema data into the frozen model in ``model.py``.

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

from . import model as m
from . import spec
from .build_attributes import AttributeLookup, build_attributes
from .build_checks import check_error_classes, check_unique_names
from .build_lifecycle import LifecycleFields, build_lifecycle
from .build_resources import build_bucket, build_queue, route_events
from .consumers import build_consumers
from .errors import Problem, SchemaError
from .layouts import check_layouts
from .model_catalog import ModelCatalog
from .names import check_names
from .pytypes import enum_values, python_type
from .runtime import DEFAULT_RUNTIME, DEFAULT_SHARED_RUNTIME
from .validate import check_fields, check_list_of_tables, check_named_tables

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
    attribute = _attribute_lookup(
        name, data.get("attributes"), model_cls, model_known, models, lifecycle_data, problems
    )
    hash_key, range_key, ttl = _table_keys(data, path, model_cls, attribute, problems)
    indexes = _build_indexes(data.get("indexes", []), path, attribute, problems)
    lifecycle = (
        build_lifecycle(lifecycle_data, f"{path}.lifecycle", model_cls, attribute, problems)
        if lifecycle_data is not None
        else None
    )
    key_names = {k.name for k in (hash_key, range_key) if k is not None}
    patterns = _build_patterns(
        data.get("access_patterns", []),
        path,
        name,
        raw,
        model_cls,
        range_key,
        key_names,
        {i.name: i for i in indexes},
        attribute,
        models,
        problems,
        lifecycle,
    )
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
    )


def _table_fields(raw: object, path: str, problems: list[Problem]) -> TableFields:
    data = check_fields(raw, spec.TABLE_FIELDS, path, problems, extra_keys=spec.TABLE_SECTIONS)
    return cast(TableFields, data)


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
    raw: object,
    model_cls: type[BaseModel] | None,
    model_known: bool,
    models: ModelCatalog,
    lifecycle: LifecycleFields | None,
    problems: list[Problem],
) -> AttributeLookup:
    """The table's attributes, built once; every reference to one resolves through the lookup."""
    derived = frozenset(
        [lifecycle["in_progress_attribute"]]
        if lifecycle and "in_progress_attribute" in lifecycle
        else []
    )
    attributes = build_attributes(
        raw, f"tables.{table}", model_cls, model_known, models, problems, derived
    )
    built = {a.name for a in attributes}
    # Declared but invalid (already reported): references to them are not new problems.
    invalid = frozenset(raw) - built if isinstance(raw, dict) else frozenset()
    return AttributeLookup(table, attributes, invalid, problems)


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


def _build_patterns(
    raw: object,
    table_path: str,
    table: str,
    table_raw: dict[str, Any],
    model_cls: type[BaseModel] | None,
    range_key: m.AttributeSpec | None,
    key_names: set[str],
    indexes: dict[str, m.IndexSpec],
    attribute: AttributeLookup,
    models: ModelCatalog,
    problems: list[Problem],
    lifecycle: m.LifecycleSpec | None,
) -> tuple[m.AccessPattern, ...]:
    path = f"{table_path}.access_patterns"
    raw_patterns = check_list_of_tables(raw, path, problems)
    if not raw_patterns:
        problems.append(Problem(path, "a table needs at least one access pattern"))
    patterns = (
        _build_pattern(
            raw_pattern,
            f"{path}[{i}]",
            table,
            table_raw,
            model_cls,
            range_key,
            key_names,
            indexes,
            attribute,
            models,
            problems,
            lifecycle,
        )
        for i, raw_pattern in enumerate(raw_patterns)
    )
    return tuple(pattern for pattern in patterns if pattern is not None)


def _build_pattern(
    raw: object,
    path: str,
    table: str,
    table_raw: dict[str, Any],
    model_cls: type[BaseModel] | None,
    range_key: m.AttributeSpec | None,
    key_names: set[str],
    indexes: dict[str, m.IndexSpec],
    attribute: AttributeLookup,
    models: ModelCatalog,
    problems: list[Problem],
    lifecycle: m.LifecycleSpec | None = None,
) -> m.AccessPattern | None:
    if not isinstance(raw, dict):
        problems.append(Problem(path, "expected a table"))
        return None
    kind = raw.get("kind")
    if kind not in spec.PATTERN_KIND_FIELDS:
        problems.append(
            Problem(f"{path}.kind", f"{kind!r} is not one of {', '.join(spec.PATTERN_KIND_FIELDS)}")
        )
        return None
    before = len(problems)
    data = check_fields(
        raw, {**spec.PATTERN_COMMON_FIELDS, **spec.PATTERN_KIND_FIELDS[kind]}, path, problems
    )
    if len(problems) > before:
        return None
    name = data["name"]
    needs_model = kind in (
        "get",
        "put",
        "delete",
        "batch_put",
        "delete_partition",
        "update",
        "query_partition",
        "query_index_page",
    )
    if needs_model and kind != "delete" and "model" not in table_raw:
        problems.append(Problem(f"{path}.kind", f"{kind!r} needs the table to name a model"))
        return None
    if needs_model and kind != "delete" and model_cls is None:
        return None  # the model itself is the problem, reported where it is named
    if kind in ("create_once", "lease") and "range_key" in table_raw:
        problems.append(Problem(f"{path}.kind", f"{kind!r} needs a table with a hash key only"))
        return None
    if kind == "create_once" and ("ttl_attribute" in table_raw) != ("default_ttl_seconds" in data):
        problems.append(
            Problem(
                f"{path}.default_ttl_seconds",
                "required when the table has a ttl_attribute"
                if "ttl_attribute" in table_raw
                else "only allowed when the table has a ttl_attribute (nothing would expire)",
            )
        )
        return None
    if kind in ("query_partition", "delete_partition") and "range_key" not in table_raw:
        problems.append(Problem(f"{path}.kind", f"{kind!r} needs a table with a range key"))
        return None

    if kind == "get":
        return m.GetPattern(name)
    if kind == "put":
        return m.PutPattern(name)
    if kind == "delete":
        return m.DeletePattern(name)
    if kind == "batch_put":
        return m.BatchPutPattern(name)
    if kind == "delete_partition":
        return m.DeletePartitionPattern(name)
    if kind == "query_partition":
        return m.QueryPartitionPattern(name, bool(data.get("descending", False)))
    if kind == "update":
        fields = []
        for i, ref in enumerate(data["fields"]):
            found = attribute(ref, f"{path}.fields[{i}]")
            if found is not None and ref in key_names:
                problems.append(
                    Problem(
                        f"{path}.fields[{i}]", f"{ref!r} is a key attribute and cannot be updated"
                    )
                )
            elif found is not None and found.derived:
                problems.append(
                    Problem(
                        f"{path}.fields[{i}]",
                        f"{ref!r} is the lifecycle marker; updates of the status set it",
                    )
                )
            elif found is not None:
                fields.append(found)
        guarded = lifecycle if lifecycle is not None and lifecycle.attribute in fields else None
        return m.UpdatePattern(name, tuple(fields), guarded) if len(problems) == before else None
    if kind == "query_index_page":
        index = indexes.get(data["index"])
        declared = {str(i.get("name")) for i in table_raw.get("indexes", []) if isinstance(i, dict)}
        if index is None and data["index"] in declared:
            return None  # the index itself is invalid, reported where it is declared
        if index is None:
            problems.append(
                Problem(
                    f"{path}.index",
                    f"table {table!r} has no index {data['index']!r} (indexes: {', '.join(sorted(indexes)) or 'none'})",
                )
            )
            return None
        item_model = models.model(data["item_model"], f"{path}.item_model", problems)
        if item_model is None:
            return None
        hash_value = data.get("hash_value")
        marker = lifecycle.in_progress_attribute if lifecycle else None
        if marker is not None and index.hash_key.name == marker.name:
            # The marker partition holds one value only: the one the generated code writes.
            if hash_value not in (None, m.IN_PROGRESS_MARKER):
                problems.append(
                    Problem(
                        f"{path}.hash_value",
                        f"{marker.name!r} only ever holds {m.IN_PROGRESS_MARKER!r}; omit hash_value",
                    )
                )
            hash_value = m.IN_PROGRESS_MARKER
        elif hash_value is not None:
            _check_fixed_value(
                index.hash_key, hash_value, model_cls, f"{path}.hash_value", problems
            )
        projected = _projected(index, key_names)
        item_attributes = []
        for field_name, field in item_model.model_fields.items():
            found = attribute(field_name, f"{path}.item_model")
            if found is None:
                continue
            if projected is not None and field_name not in projected:
                problems.append(
                    Problem(
                        f"{path}.item_model",
                        f"{item_model.__name__}.{field_name} is not projected into index {index.name!r}",
                    )
                )
            python = python_type(field.annotation)
            if python is None or python[1] != found.python_type:
                problems.append(
                    Problem(
                        f"{path}.item_model",
                        f"{item_model.__name__}.{field_name} does not have the table's type {found.python_type}",
                    )
                )
            item_attributes.append(
                m.AttributeSpec(
                    found.name,
                    found.dynamo_type,
                    found.python_kind,
                    found.python_type,
                    not field.is_required(),
                    found.schema_path,
                )
            )
        token_names = sorted(
            key_names
            | {index.hash_key.name}
            | ({index.range_key.name} if index.range_key else set())
        )
        # Page tokens are plain JSON: every key they carry must be a string or a number.
        token_lookups = [attribute(n, f"{path}.index", ("S", "N")) for n in token_names]
        token_attributes = tuple(a for a in token_lookups if a is not None)
        if len(problems) > before or len(token_attributes) < len(token_lookups):
            return None
        return m.QueryIndexPagePattern(
            name,
            index,
            hash_value,
            item_model.__name__,
            tuple(item_attributes),
            token_attributes,
            bool(data.get("descending", False)),
        )
    if kind == "create_once":
        stamp = attribute(data["timestamp_attribute"], f"{path}.timestamp_attribute", ("N",))
        return m.CreateOncePattern(name, stamp, data.get("default_ttl_seconds")) if stamp else None
    # lease
    started = attribute(data["started_attribute"], f"{path}.started_attribute", ("N",))
    owner = attribute(data["owner_attribute"], f"{path}.owner_attribute", ("S",))
    expires = attribute(data["expires_attribute"], f"{path}.expires_attribute", ("N",))
    if started is None or owner is None or expires is None or len(problems) > before:
        return None
    return m.LeasePattern(name, started, owner, expires, data["default_lease_seconds"])


def _projected(index: m.IndexSpec, table_keys: set[str]) -> set[str] | None:
    """Attribute names an index holds, or None for ALL."""
    if index.projection == "ALL":
        return None
    names = set(table_keys) | {index.hash_key.name}
    if index.range_key is not None:
        names.add(index.range_key.name)
    return names | set(index.non_key_attributes)


def _check_fixed_value(
    attribute: m.AttributeSpec,
    value: str,
    model_cls: type[BaseModel] | None,
    path: str,
    problems: list[Problem],
) -> None:
    if attribute.dynamo_type != "S":
        problems.append(
            Problem(
                path,
                f"a fixed hash_value needs a string index key; {attribute.name!r} is {attribute.dynamo_type}",
            )
        )
    elif attribute.python_kind == "enum" and model_cls is not None:
        members = enum_values(model_cls, attribute.name)
        if value not in members:
            problems.append(
                Problem(
                    path,
                    f"{value!r} is not a {attribute.python_type} (one of {', '.join(members)})",
                )
            )
