"""Object-key layouts: ``[buckets.<bucket>.layouts.<name>]`` into ``LayoutSpec``.

A layout owns its facts: the template is split into literal text and fields
here, each field gets its kind (text, number, enum) from its format spec or
from the model the layout parses into, and every rule that keeps keys
unambiguous is checked here, so the generated builder and parser of any
accepted layout round-trip.

The rules, and why:

- a text field is one path segment (no ``/``): a job id can never reach into
  another job's prefix, and the S3 prefix of one job is exactly ``.../{job_id}/``;
- a number is written ``{name}`` or ``{name:0Nd}`` (zero-padded to N digits so
  keys sort in order) and is never negative;
- two fields are always separated by literal text, and a path segment holds at
  most one text or enum field: otherwise two different values could build the
  same key.
"""

from __future__ import annotations

import enum
import re
import string
import types
import typing
from typing import Any, Protocol

from pydantic import BaseModel

from ..schema import Problem, spec
from ..schema import sections as s
from . import types as m

_NUMBER_SPEC = re.compile(r"^(?:0(?P<width>[1-9][0-9]?))?d$")


class ModelLookup(Protocol):
    """What the layouts need of ``model_catalog.ModelCatalog``."""

    def model(self, name: str, path: str, problems: list[Problem]) -> type[BaseModel] | None: ...

    def exports(self, cls: type) -> bool: ...


def build_layouts(
    bucket: str, section: s.Named[s.Fields], models: ModelLookup, problems: list[Problem]
) -> tuple[m.LayoutSpec, ...]:
    layouts = []
    problems += section.problems
    for name, fields in section.entries.items():
        layout = _build_layout(bucket, name, fields, models, problems)
        if layout is not None:
            layouts.append(layout)
    return tuple(layouts)


def check_layouts(schema: m.SchemaSpec, problems: list[Problem]) -> None:
    """Rules across the schema: unique names, queues that exist, a package to generate into."""
    queues = {q.name: q for q in schema.queues}
    seen: dict[str, str] = {}
    for layout in schema.layouts:
        if layout.name in seen:
            problems.append(
                Problem(
                    layout.schema_path,
                    f"layout name {layout.name!r} is also used by {seen[layout.name]} "
                    f"(it names the generated {layout.builder} and {layout.parser})",
                )
            )
        seen.setdefault(layout.name, layout.schema_path)
        if layout.notify_queue is None:
            continue
        queue = queues.get(layout.notify_queue)
        if queue is None:
            problems.append(
                Problem(
                    f"{layout.schema_path}.notify_queue",
                    f"no queue {layout.notify_queue!r} (queues: {', '.join(sorted(queues)) or 'none'})",
                )
            )
        elif not queue.carries_s3_events:
            problems.append(
                Problem(
                    f"{layout.schema_path}.notify_queue",
                    f'queue {queue.name!r} is not fed by S3 notifications (set event_source = "s3" on it)',
                )
            )
    if schema.generator.shared_package == schema.generator.package:
        problems.append(
            Problem(
                "generator.shared_package",
                "must differ from generator.package: each gets a generated/ package of its own",
            )
        )
    if schema.layouts and schema.generator.shared_package is None:
        problems.append(
            Problem(
                "generator.shared_package",
                "required when a bucket declares layouts: the package the key functions go into",
            )
        )


def _build_layout(
    bucket: str, name: str, fields: s.Fields, models: ModelLookup, problems: list[Problem]
) -> m.LayoutSpec | None:
    path, data = fields.path, fields.values
    before = len(problems)
    problems += fields.problems
    if "template" not in data:
        return None
    model_cls = models.model(data["model"], f"{path}.model", problems) if "model" in data else None
    if "model" in data and model_cls is None:
        return None
    uri_field = data.get("uri_field")
    if uri_field is not None and model_cls is None:
        problems.append(Problem(f"{path}.uri_field", "only allowed with a model"))
    parts = _parse_template(data["template"], f"{path}.template", model_cls, models, problems)
    if parts is not None and model_cls is not None:
        _check_model_coverage(parts, model_cls, uri_field, path, problems)
    if parts is None or len(problems) > before:
        return None
    return m.LayoutSpec(
        name=name,
        bucket=bucket,
        description=data["description"],
        template=data["template"],
        parts=parts,
        model=data.get("model"),
        uri_field=uri_field,
        notify_queue=data.get("notify_queue"),
        schema_path=path,
    )


def _parse_template(
    template: str,
    path: str,
    model_cls: type[BaseModel] | None,
    models: ModelLookup,
    problems: list[Problem],
) -> tuple[str | m.LayoutField, ...] | None:
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as error:
        problems.append(Problem(path, f"not a valid template: {error}"))
        return None
    parts: list[str | m.LayoutField] = []
    before = len(problems)
    for literal, name, format_spec, conversion in pieces:
        if literal:
            parts.append(literal)
        if name is None:
            continue
        if parts and not isinstance(parts[-1], str):
            problems.append(Problem(path, f"{{{name}}} follows another field with no text between"))
        if conversion is not None or not re.fullmatch(spec.IDENTIFIER, name):
            written = name + (f"!{conversion}" if conversion else "")
            problems.append(
                Problem(path, f"placeholder {{{written}}} must be {{field}} or {{field:0Nd}}")
            )
            continue
        field = _field(name, format_spec or "", path, model_cls, models, problems)
        if field is not None:
            parts.append(field)
    fields = [p for p in parts if isinstance(p, m.LayoutField)]
    if not pieces or not any(name is not None for _, name, _, _ in pieces):
        problems.append(Problem(path, "a layout needs at least one {field}"))
    names = [f.name for f in fields]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(path, f"field {{{name}}} appears twice"))
    _check_segments(parts, path, problems)
    return tuple(parts) if len(problems) == before else None


def _field(
    name: str,
    format_spec: str,
    path: str,
    model_cls: type[BaseModel] | None,
    models: ModelLookup,
    problems: list[Problem],
) -> m.LayoutField | None:
    number = _NUMBER_SPEC.match(format_spec)
    if format_spec and number is None:
        problems.append(
            Problem(path, f"{{{name}:{format_spec}}}: the only format is d or 0Nd (a number)")
        )
        return None
    width = int(number.group("width") or 0) if number else 0
    if model_cls is None:
        kind: m.LayoutFieldKind = "number" if number else "text"
        return m.LayoutField(name, kind, "int" if number else "str", width, ())
    field = model_cls.model_fields.get(name)
    if field is None:
        problems.append(Problem(path, f"model {model_cls.__name__} has no field {name!r}"))
        return None
    annotation = field.annotation
    found_kind = _field_kind(annotation)
    if found_kind is None:
        problems.append(
            Problem(
                path,
                f"model field {model_cls.__name__}.{name} must be a required str, int or enum "
                f"to be part of a key, not {_describe(annotation)}",
            )
        )
        return None
    kind = found_kind
    if (kind == "number") != bool(number):
        fix = (
            f"an int: write {{{name}:05d}} or {{{name}:d}}"
            if kind == "number"
            else "not a number: drop the format"
        )
        problems.append(Problem(path, f"model field {model_cls.__name__}.{name} is {fix}"))
        return None
    values: tuple[str, ...] = ()
    if kind == "enum":
        assert isinstance(annotation, type)
        enum_values = _enum_values(annotation, path, models, problems)
        if enum_values is None:
            return None
        values = enum_values
    return m.LayoutField(name, kind, getattr(annotation, "__name__", "str"), width, values)


def _field_kind(annotation: object) -> m.LayoutFieldKind | None:
    """How a model field's annotation goes into a key; None if it cannot."""
    if annotation is int:
        return "number"
    if annotation is str:
        return "text"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "enum"
    return None


def _enum_values(
    annotation: type, path: str, models: ModelLookup, problems: list[Problem]
) -> tuple[str, ...] | None:
    """An enum field's values (each a path piece), or None when the enum cannot be one."""
    if not models.exports(annotation):
        problems.append(
            Problem(path, f"enum {annotation.__name__} is not importable from the models module")
        )
        return None
    values = tuple(str(member.value) for member in typing.cast(type[enum.Enum], annotation))
    if not values or any(not value or "/" in value for value in values):
        problems.append(
            Problem(path, f"enum {annotation.__name__}: every value must be non-empty, without '/'")
        )
        return None
    return values


def _check_segments(parts: list[str | m.LayoutField], path: str, problems: list[Problem]) -> None:
    """At most one text or enum field per path segment, or two values could build one key."""
    in_segment: list[str] = []
    for part in parts:
        if isinstance(part, str):
            if "/" in part:
                in_segment = []
            continue
        if part.kind == "number":
            continue
        if in_segment:
            problems.append(
                Problem(
                    path,
                    f"{{{in_segment[0]}}} and {{{part.name}}} share a path segment; "
                    "separate text fields with '/'",
                )
            )
        in_segment.append(part.name)


def _check_model_coverage(
    parts: tuple[str | m.LayoutField, ...],
    model_cls: type[BaseModel],
    uri_field: str | None,
    path: str,
    problems: list[Problem],
) -> None:
    """The key (and the object URI) must give every required field of the model."""
    given = {p.name for p in parts if isinstance(p, m.LayoutField)}
    if uri_field is not None:
        field = model_cls.model_fields.get(uri_field)
        if field is None or field.annotation is not str:
            problems.append(
                Problem(
                    f"{path}.uri_field",
                    f"model {model_cls.__name__} has no str field {uri_field!r}",
                )
            )
        elif uri_field in given:
            problems.append(Problem(f"{path}.uri_field", f"{uri_field!r} is also in the template"))
        given.add(uri_field)
    missing = [n for n, f in model_cls.model_fields.items() if f.is_required() and n not in given]
    if missing:
        problems.append(
            Problem(
                f"{path}.template",
                f"a key does not give {model_cls.__name__}'s required field(s) {', '.join(missing)}",
            )
        )


def _describe(annotation: Any) -> str:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return f"{annotation} (optional)"
    return getattr(annotation, "__name__", repr(annotation))
