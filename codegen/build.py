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
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel

from . import model as m
from . import spec
from .consumers import build_consumers
from .errors import Problem, SchemaError
from .kinds import KINDS, AccessPattern, AttributeLookup, TableContext
from .kinds.update import TRANSITION_ERROR
from .layouts import build_layouts, check_layouts
from .names import check_names
from .pytypes import python_type as _python_type
from .pytypes import unwrap_optional as _unwrap_optional
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
        needed: dict[tuple[str, str], None] = {}  # in order, once each
        for i, pattern in enumerate(table.patterns):
            for class_name in pattern.errors(table):
                if class_name == table.not_found_error:
                    path = f"{table.schema_path}.not_found_error"
                elif class_name == TRANSITION_ERROR and table.lifecycle is not None:
                    path = table.lifecycle.schema_path
                else:
                    path = f"{table.schema_path}.access_patterns[{i}].kind"
                needed[class_name, path] = None
        if table.lifecycle is not None:
            needed[TRANSITION_ERROR, table.lifecycle.schema_path] = None
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
        attributes=attributes,
        indexes=indexes,
        ttl_attribute=ttl,
        patterns=patterns,
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


def _build_lifecycle(
    data: dict[str, Any],
    path: str,
    model_cls: type[BaseModel] | None,
    attribute: AttributeLookup,
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
