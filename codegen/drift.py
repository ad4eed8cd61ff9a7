"""``python -m codegen drift``: compare the schema with the Terraform that creates the resources.

    python -m codegen drift [--schema schema/stereo_spot.toml] [--terraform infra/]
    python -m codegen drift --outputs-json outputs.json   # `terraform output -json`; names only

Three stages, each its own part of this module:

1. Read every ``*.tf`` file of one directory with python-hcl2 into a small typed
   ``TerraformModel`` (outputs, tables, queues, buckets). python-hcl2 reports no
   line numbers, so ``_scan_blocks`` finds them in the text: block headers and the
   first line of each attribute, in the same order python-hcl2 returns blocks.
2. Compare that model with the ``SchemaSpec`` (``compare``): a pure function
   returning every ``Finding`` at once, each naming both sides.
3. Report: findings sorted by Terraform location; exit 0 in sync, 1 drift, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import hcl2

from . import model as m
from .cli import DEFAULT_SCHEMA, load_schema
from .errors import SchemaError

DEFAULT_TERRAFORM = Path("infra")

ResourceKind = Literal["table", "queue", "bucket"]
FindingKind = Literal[
    "missing-output",  # a schema resource has no Terraform output
    "extra-output",  # an output names a table/queue/bucket the schema does not know
    "wrong-target",  # an output is not <expected resource type>.<name>.<expected attribute>
    "missing-resource",  # an output refers to a resource that is not declared
    "shared-target",  # two schema resources' outputs refer to one Terraform resource
    "key-mismatch",  # a table's hash_key / range_key name differs
    "key-type-mismatch",  # a key attribute's S/N/B type differs
    "index-missing",  # a schema index is not a global_secondary_index
    "index-extra",  # a global_secondary_index is not in the schema
    "index-mismatch",  # an index's keys or projection differ
    "ttl-mismatch",  # TTL attribute (or whether TTL is on) differs
]


@dataclass(frozen=True)
class _Expected:
    resource_type: str
    attributes: tuple[str, ...]  # the attributes whose value is what the adapters need
    section: str  # the schema section: "tables", "queues", "buckets"
    noun: str

    def describe(self) -> str:
        first, *others = self.attributes
        alternatives = "".join(f" (or .{a})" for a in others)
        return f"{self.noun} must be {self.resource_type}.<name>.{first}{alternatives}"


EXPECTED: dict[ResourceKind, _Expected] = {
    "table": _Expected("aws_dynamodb_table", ("name",), "tables", "a table name"),
    "queue": _Expected("aws_sqs_queue", ("url", "id"), "queues", "a queue URL"),
    "bucket": _Expected("aws_s3_bucket", ("id", "bucket"), "buckets", "a bucket name"),
}
_KIND_OF_TYPE: dict[str, ResourceKind] = {e.resource_type: k for k, e in EXPECTED.items()}


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Location:
    """One side of a finding: a file, a line when known, and what is (or is not) there."""

    file: str
    line: int | None
    what: str

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.what}"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    message: str
    terraform: Location
    schema: Location

    def render(self) -> str:
        return (
            f"[{self.kind}] {self.message}\n"
            f"  terraform: {self.terraform.render()}\n"
            f"  schema:    {self.schema.render()}"
        )

    def sort_key(self) -> tuple[str, int, str, int, str, str]:
        return (
            self.terraform.file,
            self.terraform.line or 0,
            self.schema.file,
            self.schema.line or 0,
            self.kind,
            self.message,
        )


class TerraformError(Exception):
    """A Terraform input cannot be read or parsed; the message names the file."""


# --------------------------------------------------------------------------- terraform model


@dataclass(frozen=True)
class TfValue:
    """A literal attribute value (quotes removed) and the line it is on."""

    value: str
    line: int | None


@dataclass(frozen=True)
class TfReference:
    resource_type: str
    resource_name: str
    attribute: str

    def __str__(self) -> str:
        return f"{self.resource_type}.{self.resource_name}.{self.attribute}"


@dataclass(frozen=True)
class TfOutput:
    name: str
    expression: str  # the value as written, e.g. "aws_dynamodb_table.jobs.name"
    reference: TfReference | None  # set when the value is exactly one resource attribute
    file: str
    line: int | None  # the `output "name" {` line
    value_line: int | None


@dataclass(frozen=True)
class TfResource:
    resource_type: str
    name: str
    file: str
    line: int | None

    @property
    def address(self) -> str:
        return f"{self.resource_type}.{self.name}"


@dataclass(frozen=True)
class TfAttribute:
    """An ``attribute { name, type }`` block of a DynamoDB table."""

    name: str
    type: TfValue | None


@dataclass(frozen=True)
class TfIndex:
    """A ``global_secondary_index`` block."""

    name: TfValue
    hash_key: TfValue | None
    range_key: TfValue | None
    projection_type: TfValue | None
    non_key_attributes: tuple[str, ...]
    non_key_attributes_line: int | None
    line: int | None


@dataclass(frozen=True)
class TfTtl:
    attribute_name: TfValue | None
    enabled: bool | None  # None: not a literal (a variable), so assumed on
    line: int | None


@dataclass(frozen=True)
class TfTable:
    resource: TfResource
    hash_key: TfValue | None
    range_key: TfValue | None
    attributes: tuple[TfAttribute, ...]
    indexes: tuple[TfIndex, ...]
    ttl: TfTtl | None

    def attribute(self, name: str) -> TfAttribute | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True)
class TerraformModel:
    source: str  # how findings name the input, e.g. "infra/"
    outputs_file: str  # where a missing output would go
    outputs: tuple[TfOutput, ...]
    tables: tuple[TfTable, ...]
    queues: tuple[TfResource, ...]
    buckets: tuple[TfResource, ...]
    names_only: bool = False  # from `terraform output -json`: no resources to compare

    def output(self, name: str) -> TfOutput | None:
        return next((o for o in self.outputs if o.name == name), None)

    def table(self, name: str) -> TfTable | None:
        return next((t for t in self.tables if t.resource.name == name), None)

    def resource(self, resource_type: str, name: str) -> TfResource | None:
        everything = [t.resource for t in self.tables] + list(self.queues) + list(self.buckets)
        return next(
            (r for r in everything if r.resource_type == resource_type and r.name == name), None
        )


# --------------------------------------------------------------------------- line scanning

_HEADER_CODE = re.compile(r'^\s*[A-Za-z_][\w-]*(?:\s+(?:""|[A-Za-z_][\w-]*))*\s*\{')
_HEADER_RAW = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+(?:"(?:[^"\\]|\\.)*"|[A-Za-z_][\w-]*))*)')
_LABEL = re.compile(r'"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w-]*)')
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=(?!=)")
_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_]\w*)\s*$")


@dataclass
class _BlockLines:
    """Where a block and its attributes are in the text (mutable while scanning)."""

    type: str
    labels: tuple[str, ...]
    line: int
    attributes: dict[str, int] = field(default_factory=dict)
    children: list[_BlockLines] = field(default_factory=list)

    def child(self, block_type: str, *labels: str) -> _BlockLines | None:
        return next((c for c in self.children if c.type == block_type and c.labels == labels), None)

    def nth(self, block_type: str, index: int) -> _BlockLines | None:
        found = [c for c in self.children if c.type == block_type]
        return found[index] if index < len(found) else None


def _code_of(line: str, in_comment: bool) -> tuple[str, bool]:
    """The line without comments and with every string emptied to ``""``.

    What is left shows the structure: block braces, ``=`` and brackets.
    """
    out: list[str] = []
    modes: list[int] = []  # -1: inside a string; n >= 0: inside ${...} with n open braces
    i = 0
    while i < len(line):
        char, pair = line[i], line[i : i + 2]
        if in_comment:
            in_comment, i = (False, i + 2) if pair == "*/" else (True, i + 1)
            continue
        if modes and modes[-1] == -1:
            if char == "\\":
                i += 2
            elif line[i : i + 3] in ("$${", "%%{"):
                i += 3
            elif pair in ("${", "%{"):
                modes.append(0)
                i += 2
            else:
                if char == '"':
                    modes.pop()
                    if not modes:
                        out.append('"')
                i += 1
            continue
        if pair == "/*":
            in_comment = True
            i += 2
            continue
        if char == "#" or pair == "//":
            break
        if char == '"':
            if not modes:
                out.append('"')
            modes.append(-1)
        elif modes:
            if char == "{":
                modes[-1] += 1
            elif char == "}":
                if modes[-1] == 0:
                    modes.pop()
                else:
                    modes[-1] -= 1
        else:
            out.append(char)
        i += 1
    return "".join(out), in_comment


def _scan_blocks(text: str) -> _BlockLines:
    """Every block header and attribute line of one HCL file, as a tree."""
    root = _BlockLines("", (), 0)
    stack = [root]
    depth = 0  # brackets left open by a multi-line expression (jsonencode({...}), lists)
    in_comment = False
    heredoc: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        code, in_comment = _code_of(line, in_comment)
        rest = code
        if depth == 0:
            header = _HEADER_CODE.match(code)
            assignment = _ASSIGNMENT.match(code)
            if header:
                raw = _HEADER_RAW.match(line)
                labels = tuple(q or bare for q, bare in _LABEL.findall(raw.group(2))) if raw else ()
                block = _BlockLines(raw.group(1) if raw else "", labels, number)
                stack[-1].children.append(block)
                stack.append(block)
                rest = code[header.end() :]
                for inline in re.finditer(r"([A-Za-z_][\w-]*)\s*=(?!=)", rest):
                    block.attributes.setdefault(inline.group(1), number)
            elif assignment:
                stack[-1].attributes.setdefault(assignment.group(1), number)
                rest = code[assignment.end() :]
        for char in rest:
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth > 0:
                    depth -= 1
                elif len(stack) > 1:
                    stack.pop()
        if (marker := _HEREDOC.search(code)) is not None:
            heredoc = marker.group(1)
    return root


# --------------------------------------------------------------------------- hcl2 boundary

_REFERENCE = re.compile(r"^([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_]\w*)$")


def _unquote(text: str) -> str:
    """python-hcl2 8 keeps the quotes of string literals and labels; older versions do not."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def _expression(value: object) -> str:
    """A value as Terraform source: ``"${aws_s3_bucket.x.id}"`` becomes ``aws_s3_bucket.x.id``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return json.dumps(value, sort_keys=True)
    text = _unquote(value)
    if text.startswith("${") and text.endswith("}") and text.count("${") == 1:
        return text[2:-1].strip()
    return text


def _dict(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if not str(k).startswith("__")}


def _dicts(value: object) -> list[dict[str, object]]:
    """Repeated blocks come back as a list of dicts (one dict when written once, in old versions)."""
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [_dict(item) for item in items if isinstance(item, dict)]


def _labelled(value: object) -> Iterator[tuple[str, dict[str, object]]]:
    """``{"\\"label\\"": {body}}`` entries of a block list, labels unquoted."""
    for entry in _dicts(value):
        for label, body in entry.items():
            yield _unquote(label), _dict(body)


def _value(body: dict[str, object], key: str, lines: _BlockLines | None) -> TfValue | None:
    if key not in body or body[key] is None:
        return None
    return TfValue(_expression(body[key]), lines.attributes.get(key) if lines else None)


def _reference(expression: str) -> TfReference | None:
    found = _REFERENCE.match(expression)
    return TfReference(*found.groups()) if found else None


def _table(resource: TfResource, body: dict[str, object], lines: _BlockLines | None) -> TfTable:
    def nth(block_type: str, index: int) -> _BlockLines | None:
        return lines.nth(block_type, index) if lines else None

    attributes = tuple(
        TfAttribute(_expression(raw.get("name")), _value(raw, "type", nth("attribute", i)))
        for i, raw in enumerate(_dicts(body.get("attribute")))
    )
    indexes: list[TfIndex] = []
    for i, raw in enumerate(_dicts(body.get("global_secondary_index"))):
        index_lines = nth("global_secondary_index", i)
        name = _value(raw, "name", index_lines) or TfValue("", None)
        non_key = raw.get("non_key_attributes")
        indexes.append(
            TfIndex(
                name=name,
                hash_key=_value(raw, "hash_key", index_lines),
                range_key=_value(raw, "range_key", index_lines),
                projection_type=_value(raw, "projection_type", index_lines),
                non_key_attributes=tuple(
                    sorted(_expression(v) for v in non_key) if isinstance(non_key, list) else ()
                ),
                non_key_attributes_line=(
                    index_lines.attributes.get("non_key_attributes") if index_lines else None
                ),
                line=index_lines.line if index_lines else None,
            )
        )
    ttl: TfTtl | None = None
    ttl_blocks = _dicts(body.get("ttl"))
    if ttl_blocks:
        raw_ttl, ttl_lines = ttl_blocks[0], nth("ttl", 0)
        enabled = raw_ttl.get("enabled", False)
        ttl = TfTtl(
            attribute_name=_value(raw_ttl, "attribute_name", ttl_lines),
            enabled=enabled if isinstance(enabled, bool) else None,
            line=ttl_lines.line if ttl_lines else None,
        )
    return TfTable(
        resource=resource,
        hash_key=_value(body, "hash_key", lines),
        range_key=_value(body, "range_key", lines),
        attributes=attributes,
        indexes=tuple(indexes),
        ttl=ttl,
    )


def read_terraform(directory: Path) -> TerraformModel:
    """Every ``*.tf`` file of ``directory`` (not its subdirectories: those are other modules)."""
    source = directory.as_posix().rstrip("/") + "/"
    if not directory.is_dir():
        raise TerraformError(f"{source}: no such directory")
    files = sorted(directory.glob("*.tf"))
    if not files:
        raise TerraformError(f"{source}: no *.tf files")
    problems: list[str] = []
    outputs: list[TfOutput] = []
    tables: list[TfTable] = []
    queues: list[TfResource] = []
    buckets: list[TfResource] = []
    for path in files:
        display = source + path.name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{display}: cannot read: {error}")
            continue
        try:
            data = _dict(hcl2.loads(text))
        except Exception as error:  # python-hcl2 raises lark's errors, and others on odd input
            line, column = getattr(error, "line", None), getattr(error, "column", None)
            where = f"{display}:{line}:{column}" if line and column else display
            message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            problems.append(f"{where}: cannot parse HCL: {message}")
            continue
        root = _scan_blocks(text)
        for name, body in _labelled(data.get("output")):
            lines = root.child("output", name)
            expression = _expression(body.get("value"))
            outputs.append(
                TfOutput(
                    name=name,
                    expression=expression,
                    reference=_reference(expression),
                    file=display,
                    line=lines.line if lines else None,
                    value_line=lines.attributes.get("value") if lines else None,
                )
            )
        for resource_type, by_name in _labelled(data.get("resource")):
            kind = _KIND_OF_TYPE.get(resource_type)
            if kind is None:
                continue
            for label, raw_body in by_name.items():
                name = _unquote(label)
                lines = root.child("resource", resource_type, name)
                resource = TfResource(resource_type, name, display, lines.line if lines else None)
                if kind == "table":
                    tables.append(_table(resource, _dict(raw_body), lines))
                elif kind == "queue":
                    queues.append(resource)
                else:
                    buckets.append(resource)
    if problems:
        raise TerraformError("\n".join(problems))
    files_with_outputs = sorted({o.file for o in outputs}, key=lambda f: (-_count(outputs, f), f))
    return TerraformModel(
        source=source,
        outputs_file=files_with_outputs[0] if files_with_outputs else source,
        outputs=tuple(outputs),
        tables=tuple(tables),
        queues=tuple(queues),
        buckets=tuple(buckets),
    )


def _count(outputs: list[TfOutput], file: str) -> int:
    return sum(1 for o in outputs if o.file == file)


def read_outputs_json(path: Path) -> TerraformModel:
    """``terraform output -json``: ``{"name": {"value": ..., "type": ...}, ...}``.

    It holds values, not resource addresses, so only the output names can be compared.
    """
    display = path.as_posix()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TerraformError(f"{display}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TerraformError(f"{display}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise TerraformError(
            f"{display}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
    if not isinstance(data, dict):
        raise TerraformError(
            f"{display}: expected the object `terraform output -json` prints, got {type(data).__name__}"
        )
    outputs = tuple(TfOutput(str(name), "", None, display, None, None) for name in data)
    return TerraformModel(display, display, outputs, (), (), (), names_only=True)


# --------------------------------------------------------------------------- schema lines

_TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_PATH_PART = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")


class SchemaLines:
    """Best-effort line numbers for schema paths such as ``tables.jobs.indexes[0].range_key``."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[str, bool, int]] = []  # (dotted name, is [[array]], line)
        for number, line in enumerate(self.lines, start=1):
            found = _TOML_HEADER.match(line)
            if found:
                name = ".".join(p.strip().strip("\"'") for p in found.group(2).split("."))
                self.headers.append((name, found.group(1) == "[[", number))

    def line(self, path: str) -> int | None:
        parts = [(name, int(i) if i else None) for name, i in _PATH_PART.findall(path)]
        for cut in range(len(parts), 0, -1):
            header_line = self._header(parts[:cut])
            if header_line is None:
                continue
            if cut == len(parts):
                return header_line
            return self._key(header_line, parts[cut][0]) or header_line
        return None

    def _header(self, parts: list[tuple[str, int | None]]) -> int | None:
        name = ".".join(p for p, _ in parts)
        index = parts[-1][1]
        matches = [
            line for n, array, line in self.headers if n == name and array == (index is not None)
        ]
        position = index or 0
        return matches[position] if position < len(matches) else None

    def _key(self, header_line: int, key: str) -> int | None:
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(header_line + 1, len(self.lines) + 1):
            text = self.lines[number - 1]
            if _TOML_HEADER.match(text):
                return None
            if pattern.match(text):
                return number
        return None


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class _SchemaResource:
    kind: ResourceKind
    name: str
    terraform_output: str
    schema_path: str


def _schema_resources(schema: m.SchemaSpec) -> list[_SchemaResource]:
    return (
        [_SchemaResource("table", t.name, t.terraform_output, t.schema_path) for t in schema.tables]
        + [
            _SchemaResource("queue", q.name, q.terraform_output, q.schema_path)
            for q in schema.queues
        ]
        + [
            _SchemaResource("bucket", b.name, b.terraform_output, b.schema_path)
            for b in schema.buckets
        ]
    )


def _quoted(value: str | None) -> str:
    return "(none)" if value is None else json.dumps(value)


class _Comparison:
    """Collects findings; knows how to name a place on either side."""

    def __init__(self, schema: m.SchemaSpec, terraform: TerraformModel, lines: SchemaLines) -> None:
        self.schema = schema
        self.terraform = terraform
        self.lines = lines
        self.findings: list[Finding] = []
        self.known_outputs = {r.terraform_output for r in _schema_resources(schema)}

    def add(self, kind: FindingKind, message: str, terraform: Location, schema: Location) -> None:
        self.findings.append(Finding(kind, message, terraform, schema))

    def at_schema(self, path: str, value: str | None = None, absent: bool = False) -> Location:
        if absent:
            return Location(self.schema.display_name, self.lines.line(path), f"{path} (not set)")
        what = path if value is None else f"{path} = {_quoted(value)}"
        return Location(self.schema.display_name, self.lines.line(path), what)

    def at_terraform(self, resource: TfResource, what: str, line: int | None) -> Location:
        return Location(resource.file, line, f"{resource.address}: {what}")

    def at_resource(self, resource: TfResource) -> Location:
        return Location(
            resource.file, resource.line, f'resource "{resource.resource_type}" "{resource.name}"'
        )


def compare(schema: m.SchemaSpec, terraform: TerraformModel, lines: SchemaLines) -> list[Finding]:
    """Every difference between the schema and the Terraform, sorted by Terraform location."""
    run = _Comparison(schema, terraform, lines)
    targets: dict[tuple[str, str], _SchemaResource] = {}
    for resource in _schema_resources(schema):
        target = _check_output(run, resource)
        if target is None:
            continue
        first = targets.setdefault((target.resource_type, target.name), resource)
        if first is not resource:
            output = terraform.output(resource.terraform_output)
            assert output is not None  # a target is only found through an output
            run.add(
                "shared-target",
                f'outputs "{first.terraform_output}" and "{resource.terraform_output}" both refer '
                f"to {target.address}; each schema resource needs its own",
                Location(
                    output.file,
                    output.value_line,
                    f'output "{output.name}" value = {output.expression}',
                ),
                run.at_schema(
                    f"{resource.schema_path}.terraform_output", resource.terraform_output
                ),
            )
    for table in schema.tables:
        tf_table = _table_for(terraform, table)
        if tf_table is not None:
            _compare_table(run, table, tf_table)
    if not terraform.names_only:
        _check_extra_outputs(run)
    return sorted(run.findings, key=Finding.sort_key)


def _table_for(terraform: TerraformModel, table: m.TableSpec) -> TfTable | None:
    """The table the output points at, else the one of the same name, so one run shows all drift."""
    output = terraform.output(table.terraform_output)
    reference = output.reference if output else None
    if reference is not None and reference.resource_type == EXPECTED["table"].resource_type:
        return terraform.table(reference.resource_name)
    return terraform.table(table.name)


def _check_output(run: _Comparison, resource: _SchemaResource) -> TfResource | None:
    """Check one schema resource's output; return the Terraform resource it points at."""
    expected = EXPECTED[resource.kind]
    schema_at = run.at_schema(f"{resource.schema_path}.terraform_output", resource.terraform_output)
    output = run.terraform.output(resource.terraform_output)
    if output is None:
        hint = "" if run.terraform.names_only else f" ({expected.describe()})"
        renamed = [
            o.name
            for o in run.terraform.outputs
            if o.name not in run.known_outputs
            and o.reference is not None
            and (o.reference.resource_type, o.reference.resource_name)
            == (expected.resource_type, resource.name)
        ]
        if renamed:
            hint = (
                f' (renamed? output "{renamed[0]}" gives {expected.resource_type}.{resource.name})'
            )
        run.add(
            "missing-output",
            f'no output "{resource.terraform_output}" in {run.terraform.source}{hint}',
            Location(
                run.terraform.outputs_file, None, f'(no output "{resource.terraform_output}")'
            ),
            schema_at,
        )
        return None
    if run.terraform.names_only:
        return None
    terraform_at = Location(
        output.file,
        output.value_line or output.line,
        f'output "{output.name}" value = {output.expression}',
    )
    reference = output.reference
    if reference is None or reference.resource_type != expected.resource_type:
        what = f"is {reference}" if reference else "is not a resource attribute"
        run.add(
            "wrong-target",
            f'output "{output.name}" {what}; {expected.describe()}',
            terraform_at,
            schema_at,
        )
        return None
    target = run.terraform.resource(reference.resource_type, reference.resource_name)
    if target is None:
        run.add(
            "missing-resource",
            f'output "{output.name}" refers to {reference.resource_type}.{reference.resource_name}, '
            f"which {run.terraform.source} does not declare",
            terraform_at,
            schema_at,
        )
        return None
    if reference.attribute not in expected.attributes:
        run.add(
            "wrong-target",
            f'output "{output.name}" is {reference}; {expected.describe()}',
            terraform_at,
            schema_at,
        )
    return target


def _check_extra_outputs(run: _Comparison) -> None:
    """Outputs giving a table name, queue URL or bucket name that no schema resource declares.

    Outputs of other attributes (an ``.arn`` for IAM policies elsewhere) are not the
    adapters' business and are left alone.
    """
    for output in run.terraform.outputs:
        reference = output.reference
        if output.name in run.known_outputs or reference is None:
            continue
        kind = _KIND_OF_TYPE.get(reference.resource_type)
        if kind is None or reference.attribute not in EXPECTED[kind].attributes:
            continue
        section = EXPECTED[kind].section
        run.add(
            "extra-output",
            f'output "{output.name}" ({reference}) is not in the schema: add '
            f'[{section}.<name>] with terraform_output = "{output.name}", or remove the output',
            Location(output.file, output.line, f'output "{output.name}"'),
            Location(
                run.schema.display_name,
                None,
                f'(no resource has terraform_output = "{output.name}")',
            ),
        )


def _compare_table(run: _Comparison, table: m.TableSpec, tf: TfTable) -> None:
    resource = tf.resource
    for role, spec_key, tf_key in (
        ("hash_key", table.hash_key, tf.hash_key),
        ("range_key", table.range_key, tf.range_key),
    ):
        wanted = spec_key.name if spec_key else None
        found = tf_key.value if tf_key else None
        if wanted == found:
            continue
        run.add(
            "key-mismatch",
            f"{resource.address} {role} is {_quoted(found)}; the schema says {_quoted(wanted)}",
            run.at_terraform(
                resource, f"{role} = {_quoted(found)}", tf_key.line if tf_key else resource.line
            ),
            run.at_schema(f"{table.schema_path}.{role}", wanted, absent=wanted is None),
        )

    # Types only for names Terraform also uses as keys: a renamed key is reported once, above.
    terraform_keys = {v.value for v in (tf.hash_key, tf.range_key) if v}
    terraform_keys |= {v.value for i in tf.indexes for v in (i.hash_key, i.range_key) if v}
    schema_keys = {a.name: a for a in table.key_attributes}
    for index in table.indexes:
        for key in (index.hash_key, index.range_key):
            if key is not None:
                schema_keys.setdefault(key.name, key)
    for name, attribute in sorted(schema_keys.items()):
        if name not in terraform_keys:
            continue
        block = tf.attribute(name)
        found = block.type.value if block and block.type else None
        if found == attribute.dynamo_type:
            continue
        run.add(
            "key-type-mismatch",
            f'{resource.address} attribute "{name}" has type {_quoted(found)}; '
            f"the schema says {_quoted(attribute.dynamo_type)}",
            run.at_terraform(
                resource,
                f'attribute "{name}" type = {_quoted(found)}',
                block.type.line if block and block.type else resource.line,
            ),
            run.at_schema(attribute.schema_path, attribute.dynamo_type),
        )

    _compare_indexes(run, table, tf)
    _compare_ttl(run, table, tf)


def _compare_indexes(run: _Comparison, table: m.TableSpec, tf: TfTable) -> None:
    resource = tf.resource
    by_name = {i.name.value: i for i in tf.indexes}
    schema_names = {i.name for i in table.indexes}
    extras = [i for i in tf.indexes if i.name.value not in schema_names]
    for index in table.indexes:
        tf_index = by_name.get(index.name)
        if tf_index is None:
            same_keys = [
                i.name.value
                for i in extras
                if (i.hash_key.value if i.hash_key else None) == index.hash_key.name
                and (i.range_key.value if i.range_key else None)
                == (index.range_key.name if index.range_key else None)
            ]
            hint = (
                f" (renamed? {' and '.join(map(_quoted, same_keys))} has the same keys)"
                if same_keys
                else ""
            )
            run.add(
                "index-missing",
                f"{resource.address} has no global_secondary_index {_quoted(index.name)}{hint}",
                run.at_resource(resource),
                run.at_schema(f"{index.schema_path}.name", index.name),
            )
            continue
        wanted_projection = index.projection
        for role, wanted, found_value in (
            ("hash_key", index.hash_key.name, tf_index.hash_key),
            ("range_key", index.range_key.name if index.range_key else None, tf_index.range_key),
            ("projection_type", wanted_projection, tf_index.projection_type),
        ):
            found = found_value.value if found_value else None
            if found == wanted:
                continue
            schema_role = "projection" if role == "projection_type" else role
            run.add(
                "index-mismatch",
                f"{resource.address} index {_quoted(index.name)} {role} is {_quoted(found)}; "
                f"the schema says {_quoted(wanted)}",
                run.at_terraform(
                    resource,
                    f"global_secondary_index {_quoted(index.name)} {role} = {_quoted(found)}",
                    found_value.line if found_value else tf_index.line,
                ),
                run.at_schema(f"{index.schema_path}.{schema_role}", wanted, absent=wanted is None),
            )
        wanted_non_key = tuple(sorted(index.non_key_attributes))
        if wanted_non_key != tf_index.non_key_attributes:
            run.add(
                "index-mismatch",
                f"{resource.address} index {_quoted(index.name)} non_key_attributes are "
                f"{list(tf_index.non_key_attributes)}; the schema says {list(wanted_non_key)}",
                run.at_terraform(
                    resource,
                    f"global_secondary_index {_quoted(index.name)} non_key_attributes",
                    tf_index.non_key_attributes_line or tf_index.line,
                ),
                run.at_schema(f"{index.schema_path}.non_key_attributes", absent=not wanted_non_key),
            )
    for extra in extras:
        run.add(
            "index-extra",
            f"{resource.address} has global_secondary_index {_quoted(extra.name.value)}, "
            f"which {table.schema_path}.indexes does not declare",
            run.at_terraform(
                resource,
                f"global_secondary_index name = {_quoted(extra.name.value)}",
                extra.name.line or extra.line,
            ),
            Location(
                run.schema.display_name,
                run.lines.line(table.schema_path),
                f"{table.schema_path} (no index {_quoted(extra.name.value)})",
            ),
        )


def _compare_ttl(run: _Comparison, table: m.TableSpec, tf: TfTable) -> None:
    resource = tf.resource
    wanted = table.ttl_attribute.name if table.ttl_attribute else None
    ttl = tf.ttl
    named = ttl.attribute_name if ttl else None
    found = named.value if named and ttl and ttl.enabled is not False else None
    if found == wanted:
        return
    if ttl is None:
        problem = "has no ttl block"
    elif ttl.enabled is False:
        problem = f"has TTL on {_quoted(named.value if named else None)} switched off (enabled is not true)"
    else:
        problem = f"expires items on {_quoted(found)}"
    run.add(
        "ttl-mismatch",
        f"{resource.address} {problem}; the schema's ttl_attribute is {_quoted(wanted)}",
        run.at_terraform(
            resource,
            f"ttl attribute_name = {_quoted(named.value if named else None)}",
            (named.line if named else None) or (ttl.line if ttl else resource.line),
        ),
        run.at_schema(f"{table.schema_path}.ttl_attribute", wanted, absent=wanted is None),
    )


# --------------------------------------------------------------------------- command line


def _counts(schema: m.SchemaSpec) -> str:
    return (
        f"{len(schema.tables)} tables, {len(schema.queues)} queues, {len(schema.buckets)} buckets"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codegen drift",
        description="Compare the resource schema with the Terraform that creates the resources.",
        epilog="Exit codes: 0 in sync, 1 drift found, 2 an input cannot be read or parsed.",
    )
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="schema TOML file")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--terraform",
        type=Path,
        default=DEFAULT_TERRAFORM,
        help="directory of *.tf files to compare (default: infra/)",
    )
    source.add_argument(
        "--outputs-json",
        type=Path,
        default=None,
        help="a `terraform output -json` file; only output names are compared",
    )
    options = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        schema = load_schema(options.schema)
    except SchemaError as error:
        print(error.render(), file=sys.stderr)
        return 2
    try:
        if options.outputs_json is not None:
            terraform = read_outputs_json(options.outputs_json)
        else:
            terraform = read_terraform(options.terraform)
    except TerraformError as error:
        print(error, file=sys.stderr)
        print("nothing was compared", file=sys.stderr)
        return 2
    lines = SchemaLines(schema.source.read_text(encoding="utf-8"))
    findings = compare(schema, terraform, lines)
    scope = " (output names only)" if terraform.names_only else ""
    if not findings:
        print(f"in sync: {_counts(schema)} checked against {terraform.source}{scope}")
        return 0
    print("\n\n".join(f.render() for f in findings))
    print(
        f"\ndrift: {len(findings)} finding(s) between {schema.display_name} and "
        f"{terraform.source}{scope}",
        file=sys.stderr,
    )
    return 1
