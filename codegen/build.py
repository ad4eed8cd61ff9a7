"""Stage 3: turn validated schema data into the frozen model in ``model.py``.

All semantic checks live here: references between sections, key types, and
agreement with the pydantic models the generated code marshals. Every problem
is collected; ``SchemaError`` lists them all.
"""

from __future__ import annotations

import enum
import importlib
import sys
import types
import typing
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel

from . import model as m
from . import spec
from .consumers import build_consumers
from .errors import Problem, SchemaError
from .layouts import build_layouts, check_layouts
from .names import PATTERN_ERRORS, TRANSITION_ERROR, check_names
from .validate import check_fields, check_list_of_tables, check_named_tables, check_value

_PYTHON_KINDS: dict[str, tuple[str, ...]] = {"S": ("str", "enum"), "N": ("int",), "B": ("bytes",)}


def build(raw: dict[str, Any], source: Path, display_name: str) -> m.SchemaSpec:
    problems: list[Problem] = []
    for key in raw:
        if key not in spec.TOP_LEVEL_SECTIONS:
            allowed = ", ".join(spec.TOP_LEVEL_SECTIONS)
            problems.append(Problem(key, f"unknown section (allowed: {allowed})"))
    if "generator" in raw:
        generator_raw = check_fields(raw["generator"], spec.GENERATOR_FIELDS, "generator", problems)
    else:
        generator_raw = {}
        problems.append(Problem("generator", "required section is missing"))
    if "package" not in generator_raw or "models_module" not in generator_raw:
        # Without these nothing else can be checked against the models.
        raise SchemaError(display_name, problems)

    generator = m.GeneratorSpec(
        package=generator_raw["package"],
        models_module=generator_raw["models_module"],
        errors_module=generator_raw.get("errors_module", "stereo_spot_shared.errors"),
        python_path=(source.parent / generator_raw.get("python_path", ".")).resolve(),
        shared_package=generator_raw.get("shared_package"),
    )
    models = _ModelCatalog(generator, problems)
    tables = tuple(
        _build_table(name, value, models, problems)
        for name, value in check_named_tables(raw.get("tables", {}), "tables", problems).items()
    )
    queues = tuple(
        _build_queue(name, value, models, problems)
        for name, value in check_named_tables(raw.get("queues", {}), "queues", problems).items()
    )
    buckets = tuple(
        _build_bucket(name, value, models, problems)
        for name, value in check_named_tables(raw.get("buckets", {}), "buckets", problems).items()
    )
    _check_error_classes(generator, [t for t in tables if t is not None], problems)
    declared_buckets = tuple(b for b in buckets if b is not None)
    schema = m.SchemaSpec(
        source=source,
        display_name=display_name,
        generator=generator,
        tables=tuple(t for t in tables if t is not None),
        queues=tuple(_route_events(q, declared_buckets) for q in queues if q is not None),
        buckets=declared_buckets,
    )
    schema = replace(
        schema, consumers=build_consumers(raw.get("consumers", {}), schema, raw, problems)
    )
    if not problems:
        _check_unique_names(schema, problems)
        check_layouts(schema, problems)
    if not problems:
        problems += check_names(schema)
    if problems:
        raise SchemaError(display_name, problems)
    return schema


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


def _check_error_classes(
    generator: m.GeneratorSpec, tables: list[m.TableSpec], problems: list[Problem]
) -> None:
    """Every error class a generated module imports must be an exception of the errors module."""
    module = import_module(
        generator.errors_module, generator.python_path, "generator.errors_module", problems
    )
    if module is None:
        return
    for table in tables:
        needed = [
            (PATTERN_ERRORS[p.kind], f"{table.schema_path}.access_patterns[{i}].kind")
            for i, p in enumerate(table.patterns)
            if p.kind in PATTERN_ERRORS
        ]
        if table.has("update"):
            needed.append((table.not_found_error, f"{table.schema_path}.not_found_error"))
        if table.lifecycle is not None:
            needed.append((TRANSITION_ERROR, f"{table.lifecycle.schema_path}"))
        for class_name, path in needed:
            found = getattr(module, class_name, None)
            if not (isinstance(found, type) and issubclass(found, Exception)):
                problems.append(
                    Problem(
                        path, f"{generator.errors_module} has no exception class {class_name!r}"
                    )
                )


class _ModelCatalog:
    """Imports the models module once and answers questions about its classes."""

    def __init__(self, generator: m.GeneratorSpec, problems: list[Problem]) -> None:
        self.module: types.ModuleType | None = None
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


def _build_table(
    name: str, raw: object, models: _ModelCatalog, problems: list[Problem]
) -> m.TableSpec | None:
    path = f"tables.{name}"
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(Problem(path, "expected a table"))
        return None
    data = check_fields(raw, spec.TABLE_FIELDS, path, problems, extra_keys=spec.TABLE_SECTIONS)

    model_cls = models.model(data["model"], f"{path}.model", problems) if "model" in data else None
    model_known = "model" not in raw or model_cls is not None
    raw_attributes = raw.get("attributes")
    raw_lifecycle = raw.get("lifecycle")
    lifecycle_data = (
        check_fields(
            raw_lifecycle,
            spec.LIFECYCLE_FIELDS,
            f"{path}.lifecycle",
            problems,
            extra_keys=spec.LIFECYCLE_SECTIONS,
        )
        if raw_lifecycle is not None
        else None
    )
    derived = (
        {lifecycle_data["in_progress_attribute"]}
        if lifecycle_data and "in_progress_attribute" in lifecycle_data
        else set()
    )
    attributes = _build_attributes(
        raw_attributes, path, model_cls, model_known, models, problems, derived
    )
    by_name = {a.name: a for a in attributes}
    # Declared but invalid (already reported): references to them are not new problems.
    invalid = set(raw_attributes) - set(by_name) if isinstance(raw_attributes, dict) else set()

    def attribute(
        ref: str, ref_path: str, types_allowed: tuple[str, ...] = ("S", "N", "B")
    ) -> m.AttributeSpec | None:
        found = by_name.get(ref)
        if found is None and ref in invalid:
            return None  # already reported where it is declared
        if found is None:
            problems.append(
                Problem(
                    ref_path,
                    f"{ref!r} is not an attribute of table {name!r} (attributes: {', '.join(sorted(by_name)) or 'none'})",
                )
            )
            return None
        if found.dynamo_type not in types_allowed:
            problems.append(
                Problem(
                    ref_path,
                    f"{ref!r} has type {found.dynamo_type}; expected {' or '.join(types_allowed)}",
                )
            )
        return found

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

    indexes = tuple(
        index
        for i, raw_index in enumerate(
            check_list_of_tables(data.get("indexes", []), f"{path}.indexes", problems)
        )
        if (index := _build_index(raw_index, f"{path}.indexes[{i}]", attribute, problems))
        is not None
    )
    index_names = Counter(index.name for index in indexes)
    for index in indexes:
        if index_names[index.name] > 1:
            problems.append(
                Problem(index.schema_path + ".name", f"index name {index.name!r} is used twice")
            )

    lifecycle = (
        _build_lifecycle(lifecycle_data, f"{path}.lifecycle", model_cls, attribute, problems)
        if lifecycle_data is not None
        else None
    )
    key_names = {k.name for k in (hash_key, range_key) if k is not None}
    patterns: list[m.AccessPattern] = []
    raw_patterns = check_list_of_tables(
        data.get("access_patterns", []), f"{path}.access_patterns", problems
    )
    if not raw_patterns:
        problems.append(
            Problem(f"{path}.access_patterns", "a table needs at least one access pattern")
        )
    for i, raw_pattern in enumerate(raw_patterns):
        pattern = _build_pattern(
            raw_pattern,
            f"{path}.access_patterns[{i}]",
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
        if pattern is not None:
            patterns.append(pattern)

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
        attributes=attributes,
        indexes=indexes,
        ttl_attribute=ttl,
        patterns=tuple(patterns),
        not_found_error=data.get("not_found_error", "ItemNotFoundError"),
        schema_path=path,
        lifecycle=lifecycle,
    )


def _build_attributes(
    raw: object,
    table_path: str,
    model_cls: type[BaseModel] | None,
    model_known: bool,
    models: _ModelCatalog,
    problems: list[Problem],
    derived: set[str],
) -> tuple[m.AttributeSpec, ...]:
    path = f"{table_path}.attributes"
    if raw is None:
        problems.append(Problem(path, "required section is missing"))
        return ()
    if not isinstance(raw, dict) or not raw:
        problems.append(Problem(path, 'expected a table of attribute = "S" | "N" | "B"'))
        return ()
    if not model_known:
        return ()  # the model could not be loaded (reported): nothing to check against
    fields = model_cls.model_fields if model_cls is not None else {}
    attributes: list[m.AttributeSpec] = []
    for attr_name, dynamo_type in raw.items():
        attr_path = f"{path}.{attr_name}"
        if dynamo_type not in spec.ATTRIBUTE_TYPES:
            problems.append(
                Problem(
                    attr_path,
                    f"type must be one of {', '.join(spec.ATTRIBUTE_TYPES)}, got {dynamo_type!r}",
                )
            )
            continue
        if model_cls is None:
            # Without a model the table stores bookkeeping attributes the
            # generated methods set themselves; none is read into a model.
            kind = {"S": "str", "N": "int", "B": "bytes"}[dynamo_type]
            attributes.append(
                m.AttributeSpec(
                    attr_name, dynamo_type, cast(m.PythonKind, kind), kind, False, attr_path
                )
            )
            continue
        if attr_name in derived:
            if dynamo_type != "S":
                problems.append(
                    Problem(attr_path, f"the lifecycle marker must have type S, got {dynamo_type}")
                )
            elif attr_name in fields:
                problems.append(
                    Problem(
                        attr_path,
                        f"the lifecycle marker is set by the generated code; "
                        f"{model_cls.__name__}.{attr_name} must not be a model field",
                    )
                )
            else:
                attributes.append(
                    m.AttributeSpec(attr_name, "S", "str", "str", True, attr_path, derived=True)
                )
            continue
        field = fields.get(attr_name)
        if field is None:
            problems.append(
                Problem(attr_path, f"model {model_cls.__name__} has no field {attr_name!r}")
            )
            continue
        python = _python_type(field.annotation)
        if python is None:
            problems.append(
                Problem(
                    attr_path,
                    f"model field {model_cls.__name__}.{attr_name} has an unsupported type {field.annotation!r}",
                )
            )
            continue
        kind, python_type, optional = python
        if kind not in _PYTHON_KINDS[dynamo_type]:
            problems.append(
                Problem(
                    attr_path,
                    f"type {dynamo_type} does not match model field {model_cls.__name__}.{attr_name}: {python_type}",
                )
            )
            continue
        if kind == "enum" and not models.exports(cast(type, _unwrap_optional(field.annotation)[0])):
            problems.append(
                Problem(attr_path, f"enum {python_type} is not importable from {models.name}")
            )
            continue
        if optional == field.is_required():
            problems.append(
                Problem(
                    attr_path,
                    f"model field {model_cls.__name__}.{attr_name} must be {'optional with a None default' if optional else 'required'}",
                )
            )
            continue
        attributes.append(
            m.AttributeSpec(attr_name, dynamo_type, kind, python_type, optional, attr_path)
        )
    if model_cls is not None:
        for field_name in fields:
            if field_name not in raw:
                problems.append(
                    Problem(
                        path,
                        f'model field {model_cls.__name__}.{field_name} has no attribute (add {field_name} = "S" | "N" | "B")',
                    )
                )
    return tuple(attributes)


def _build_index(
    raw: object, path: str, attribute: Any, problems: list[Problem]
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


def _build_pattern(
    raw: object,
    path: str,
    table: str,
    table_raw: dict[str, Any],
    model_cls: type[BaseModel] | None,
    range_key: m.AttributeSpec | None,
    key_names: set[str],
    indexes: dict[str, m.IndexSpec],
    attribute: Any,
    models: _ModelCatalog,
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
            python = _python_type(field.annotation)
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
        token_attributes = tuple(attribute(n, f"{path}.index", ("S", "N")) for n in token_names)
        if len(problems) > before:
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


def _build_lifecycle(
    data: dict[str, Any],
    path: str,
    model_cls: type[BaseModel] | None,
    attribute: Any,
    problems: list[Problem],
) -> m.LifecycleSpec | None:
    """The status attribute's enum, its allowed moves, and the in-progress marker."""
    before = len(problems)
    if "attribute" not in data or "failure_status" not in data:
        return None  # reported by check_fields
    if model_cls is None:
        problems.append(Problem(path, "a lifecycle needs the table to name a model"))
        return None
    status = attribute(data["attribute"], f"{path}.attribute", ("S",))
    if status is None:
        return None
    if status.python_kind != "enum" or status.optional:
        problems.append(
            Problem(
                f"{path}.attribute", f"{status.name!r} must be a required enum field of the model"
            )
        )
        return None
    enum_cls = _unwrap_optional(model_cls.model_fields[status.name].annotation)[0]
    statuses = tuple(str(member.value) for member in cast(type[enum.Enum], enum_cls))

    def known(value: object, where: str) -> bool:
        if value in statuses:
            return True
        problems.append(
            Problem(
                where, f"{value!r} is not a {status.python_type} (one of {', '.join(statuses)})"
            )
        )
        return False

    failure = data["failure_status"]
    known(failure, f"{path}.failure_status")
    raw_transitions = data.get("transitions", {})
    moves: list[tuple[str, str]] = []
    if not isinstance(raw_transitions, dict):
        problems.append(Problem(f"{path}.transitions", "expected a table of status = [statuses]"))
        raw_transitions = {}
    for source, targets in raw_transitions.items():
        where = f"{path}.transitions.{source}"
        known(source, where)
        check_value(targets, spec.Field("string_list", ""), where, problems)
        if not isinstance(targets, list):
            continue
        for i, target in enumerate(targets):
            if known(target, f"{where}[{i}]") and target == source:
                problems.append(Problem(f"{where}[{i}]", "re-setting a status needs no transition"))
            moves.append((source, str(target)))
    if failure in raw_transitions:
        problems.append(
            Problem(
                f"{path}.transitions.{failure}", "the failure status is final: no moves from it"
            )
        )
    sources = {source for source, _ in moves}
    for source in statuses:
        if source in sources and (source, failure) not in moves:
            moves.append((source, failure))
    marker = None
    if "in_progress_attribute" in data:
        marker = attribute(data["in_progress_attribute"], f"{path}.in_progress_attribute", ("S",))
    if len(problems) > before:
        return None
    order = {value: i for i, value in enumerate(statuses)}
    return m.LifecycleSpec(
        attribute=status,
        statuses=statuses,
        transitions=tuple(sorted(set(moves), key=lambda move: (order[move[0]], order[move[1]]))),
        failure_status=failure,
        in_progress_attribute=marker,
        schema_path=path,
    )


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
        enum_cls = _unwrap_optional(model_cls.model_fields[attribute.name].annotation)[0]
        members = [member.value for member in cast(type[enum.Enum], enum_cls)]
        if value not in members:
            problems.append(
                Problem(
                    path,
                    f"{value!r} is not a {attribute.python_type} (one of {', '.join(members)})",
                )
            )


def _build_queue(
    name: str, raw: object, models: _ModelCatalog, problems: list[Problem]
) -> m.QueueSpec | None:
    path = f"queues.{name}"
    before = len(problems)
    data = check_fields(raw, spec.QUEUE_FIELDS, path, problems)
    if "payload_model" in data:
        models.model(data["payload_model"], f"{path}.payload_model", problems)
        if "event_source" in data:
            problems.append(
                Problem(
                    f"{path}.payload_model", "a queue has either an event_source or a payload_model"
                )
            )
    if ("max_receive_count" in data) != ("dead_letter_queue" in data):
        present, missing = (
            ("max_receive_count", "dead_letter_queue")
            if "max_receive_count" in data
            else ("dead_letter_queue", "max_receive_count")
        )
        problems.append(
            Problem(f"{path}.{missing}", f"a redrive policy needs both; {present} is set")
        )
    if len(problems) > before:
        return None
    output = data["terraform_output"]
    return m.QueueSpec(
        name,
        data["description"],
        output,
        data.get("env_var", output.upper()),
        data.get("wait_time_seconds", 20),
        data.get("event_source"),
        data.get("payload_model"),
        path,
        visibility_timeout_seconds=data.get("visibility_timeout_seconds", 30),
        max_receive_count=data.get("max_receive_count"),
        dead_letter_queue=data.get("dead_letter_queue"),
        max_message_bytes=data.get("max_message_bytes", spec.DEFAULT_MAX_MESSAGE_BYTES),
        max_message_bytes_declared="max_message_bytes" in data,
    )


def _route_events(queue: m.QueueSpec, buckets: tuple[m.BucketSpec, ...]) -> m.QueueSpec:
    """Which buckets' S3 notifications the queue's parser accepts: those a layout routes here.

    The routing is the layouts' ``notify_queue``, the fact the notification drift
    check also reads. An S3-fed queue that no layout names accepts events of
    every bucket in the schema.
    """
    if queue.event_source != "s3":
        return queue
    routed = tuple(
        b for b in buckets if any(layout.notify_queue == queue.name for layout in b.layouts)
    )
    return replace(queue, event_buckets=routed or buckets)


def _build_bucket(
    name: str, raw: object, models: _ModelCatalog, problems: list[Problem]
) -> m.BucketSpec | None:
    path = f"buckets.{name}"
    before = len(problems)
    data = check_fields(raw, spec.BUCKET_FIELDS, path, problems, extra_keys=spec.BUCKET_SECTIONS)
    layouts = build_layouts(name, data.get("layouts", {}), f"{path}.layouts", models, problems)
    if len(problems) > before:
        return None
    output = data["terraform_output"]
    return m.BucketSpec(
        name, data["description"], output, data.get("env_var", output.upper()), path, layouts
    )


def _check_unique_names(schema: m.SchemaSpec, problems: list[Problem]) -> None:
    """Two resources must not share a Terraform output or an environment variable."""
    resources: list[m.TableSpec | m.QueueSpec | m.BucketSpec] = [
        *schema.tables,
        *schema.queues,
        *schema.buckets,
    ]
    for label in ("terraform_output", "env_var"):
        seen: dict[str, str] = {}
        for resource in resources:
            value = getattr(resource, label)
            if value in seen:
                problems.append(
                    Problem(
                        resource.schema_path, f"{label} {value!r} is also used by {seen[value]}"
                    )
                )
            else:
                seen[value] = resource.schema_path


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
        return annotation, False
    return annotation, False


def _python_type(annotation: Any) -> tuple[m.PythonKind, str, bool] | None:
    inner, optional = _unwrap_optional(annotation)
    if inner is str:
        return "str", "str", optional
    if inner is int:
        return "int", "int", optional
    if inner is bytes:
        return "bytes", "bytes", optional
    if isinstance(inner, type) and issubclass(inner, enum.Enum) and issubclass(inner, str):
        return "enum", inner.__name__, optional
    return None
