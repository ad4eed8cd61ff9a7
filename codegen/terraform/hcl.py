"""Read a Terraform directory into a small typed model, with file and line for everything.

python-hcl2 parses the files but reports no line numbers, so ``_scan_blocks``
finds them in the text: block headers and the first line of each attribute, in
the same order python-hcl2 returns blocks. Only what the drift check compares
is kept: outputs, DynamoDB tables (keys, attributes, indexes, TTL), SQS queues,
S3 buckets and their notifications to queues. ``read_outputs_json`` reads ``terraform output -json`` instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import hcl2

ResourceKind = Literal["table", "queue", "bucket"]

RESOURCE_KINDS: dict[str, ResourceKind] = {
    "aws_dynamodb_table": "table",
    "aws_sqs_queue": "queue",
    "aws_s3_bucket": "bucket",
}
"""The Terraform resource types the adapters' resources are, by kind."""

QUEUE_ARGUMENTS = ("max_message_size",)
"""The ``aws_sqs_queue`` arguments the drift check compares with the schema."""

SQS_DEFAULT_MAX_MESSAGE_SIZE = 262_144
"""What the AWS provider sets when ``max_message_size`` is left out (256 KiB)."""

NOTIFICATION_TYPE = "aws_s3_bucket_notification"


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
    # Top-level arguments the drift check compares (``max_message_size`` of a queue).
    arguments: dict[str, TfValue] = field(default_factory=dict, compare=False)

    def argument(self, name: str) -> TfValue | None:
        return self.arguments.get(name)

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
class TfQueue:
    """An ``aws_sqs_queue``: what the schema declares about it, variables resolved to defaults."""

    resource: TfResource
    visibility_timeout_seconds: TfValue | None
    dead_letter_target: TfValue | None  # redrive_policy deadLetterTargetArn, as written
    max_receive_count: TfValue | None  # redrive_policy maxReceiveCount


@dataclass(frozen=True)
class TfQueueNotification:
    """One ``queue { ... }`` block of an ``aws_s3_bucket_notification``."""

    queue: TfReference | None  # queue_arn, when it is one resource attribute
    queue_expression: str
    events: tuple[str, ...]
    filter_prefix: TfValue | None
    filter_suffix: TfValue | None
    line: int | None

    @property
    def prefix(self) -> str:
        return self.filter_prefix.value if self.filter_prefix else ""

    @property
    def suffix(self) -> str:
        return self.filter_suffix.value if self.filter_suffix else ""


@dataclass(frozen=True)
class TfBucketNotification:
    resource: TfResource
    bucket: TfReference | None  # the ``bucket`` argument, when it is one resource attribute
    queues: tuple[TfQueueNotification, ...]


@dataclass(frozen=True)
class TfFile:
    """One parsed ``*.tf`` file, for readers of blocks the model does not keep (policy documents)."""

    display: str  # how findings name it, e.g. "infra/main.tf"
    data: dict[str, object]  # the parsed HCL
    blocks: _BlockLines  # where its blocks start


@dataclass(frozen=True)
class TerraformModel:
    source: str  # how findings name the input, e.g. "infra/"
    outputs_file: str  # where a missing output would go
    outputs: tuple[TfOutput, ...]
    tables: tuple[TfTable, ...]
    queues: tuple[TfQueue, ...]
    buckets: tuple[TfResource, ...]
    notifications: tuple[TfBucketNotification, ...] = ()
    names_only: bool = False  # from `terraform output -json`: no resources to compare
    files: tuple[TfFile, ...] = ()  # every file, parsed once, in name order

    def output(self, name: str) -> TfOutput | None:
        return next((o for o in self.outputs if o.name == name), None)

    def target_name(self, output: str, resource_type: str, default: str) -> str:
        """The name of the ``resource_type`` resource ``output`` refers to, else ``default``."""
        found = self.output(output)
        reference = found.reference if found else None
        if reference is not None and reference.resource_type == resource_type:
            return reference.resource_name
        return default

    def table(self, name: str) -> TfTable | None:
        return next((t for t in self.tables if t.resource.name == name), None)

    def queue(self, name: str) -> TfQueue | None:
        return next((q for q in self.queues if q.resource.name == name), None)

    def resource(self, resource_type: str, name: str) -> TfResource | None:
        everything = (
            [t.resource for t in self.tables]
            + [q.resource for q in self.queues]
            + list(self.buckets)
        )
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


def _with_arguments(
    resource: TfResource, body: dict[str, object], lines: _BlockLines | None, names: Sequence[str]
) -> TfResource:
    found = {name: value for name in names if (value := _value(body, name, lines)) is not None}
    return replace(resource, arguments=found)


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


def _notification(
    resource: TfResource, body: dict[str, object], lines: _BlockLines | None
) -> TfBucketNotification:
    queues = []
    for i, raw in enumerate(_dicts(body.get("queue"))):
        block = lines.nth("queue", i) if lines else None
        arn = _expression(raw.get("queue_arn"))
        events = raw.get("events")
        queues.append(
            TfQueueNotification(
                queue=_reference(arn),
                queue_expression=arn,
                events=tuple(_expression(e) for e in events) if isinstance(events, list) else (),
                filter_prefix=_value(raw, "filter_prefix", block),
                filter_suffix=_value(raw, "filter_suffix", block),
                line=block.line if block else None,
            )
        )
    return TfBucketNotification(
        resource, _reference(_expression(body.get("bucket"))), tuple(queues)
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
    found = _Collected()
    for path in files:
        display = source + path.name
        parsed = _parse_file(path, display, problems)
        if parsed is not None:
            text, data = parsed
            found.add_file(display, text, data)
    if problems:
        raise TerraformError("\n".join(problems))
    return found.model(source)


def _parse_file(
    path: Path, display: str, problems: list[str]
) -> tuple[str, dict[str, object]] | None:
    """A ``.tf`` file's text and parsed HCL, or None with the reason appended to ``problems``."""
    if not path.is_file():  # a directory, a device or a pipe: reading could block or never end
        problems.append(f"{display}: not a regular file")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{display}: cannot read: {error}")
        return None
    try:
        return text, _dict(hcl2.loads(text))
    except Exception as error:  # python-hcl2 raises lark's errors, and others on odd input
        line, column = getattr(error, "line", None), getattr(error, "column", None)
        where = f"{display}:{line}:{column}" if line and column else display
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        problems.append(f"{where}: cannot parse HCL: {message}")
        return None


@dataclass
class _Collected:
    """What the files of one directory declare, gathered file by file."""

    outputs: list[TfOutput] = field(default_factory=list)
    tables: list[TfTable] = field(default_factory=list)
    queues: list[tuple[TfResource, dict[str, object], _BlockLines | None]] = field(
        default_factory=list
    )
    buckets: list[TfResource] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    notifications: list[TfBucketNotification] = field(default_factory=list)
    files: list[TfFile] = field(default_factory=list)

    def add_file(self, display: str, text: str, data: dict[str, object]) -> None:
        root = _scan_blocks(text)
        self.files.append(TfFile(display, data, root))
        for name, body in _labelled(data.get("variable")):
            if body.get("default") is not None:
                self.variables[name] = _expression(body["default"])
        for name, body in _labelled(data.get("output")):
            self.outputs.append(_output(name, body, display, root.child("output", name)))
        for resource_type, by_name in _labelled(data.get("resource")):
            for label, raw_body in by_name.items():
                name = _unquote(label)
                lines = root.child("resource", resource_type, name)
                resource = TfResource(resource_type, name, display, lines.line if lines else None)
                self.add_resource(resource, _dict(raw_body), lines)

    def add_resource(
        self, resource: TfResource, body: dict[str, object], lines: _BlockLines | None
    ) -> None:
        """Keep a resource the drift check compares; ignore every other type."""
        if resource.resource_type == NOTIFICATION_TYPE:
            self.notifications.append(_notification(resource, body, lines))
            return
        kind = RESOURCE_KINDS.get(resource.resource_type)
        if kind == "table":
            self.tables.append(_table(resource, body, lines))
        elif kind == "queue":
            queue = _with_arguments(resource, body, lines, QUEUE_ARGUMENTS)
            self.queues.append((queue, body, lines))
        elif kind == "bucket":
            self.buckets.append(resource)

    def model(self, source: str) -> TerraformModel:
        """The typed model; queues resolve ``var.x`` against every file's variables."""
        outputs = self.outputs
        files_with_outputs = sorted(
            {o.file for o in outputs}, key=lambda f: (-_count(outputs, f), f)
        )
        return TerraformModel(
            source=source,
            outputs_file=files_with_outputs[0] if files_with_outputs else source,
            outputs=tuple(outputs),
            tables=tuple(self.tables),
            queues=tuple(
                _queue(resource, body, lines, self.variables)
                for resource, body, lines in self.queues
            ),
            buckets=tuple(self.buckets),
            notifications=tuple(self.notifications),
            files=tuple(self.files),
        )


def _output(
    name: str, body: dict[str, object], display: str, lines: _BlockLines | None
) -> TfOutput:
    expression = _expression(body.get("value"))
    return TfOutput(
        name=name,
        expression=expression,
        reference=_reference(expression),
        file=display,
        line=lines.line if lines else None,
        value_line=lines.attributes.get("value") if lines else None,
    )


_REDRIVE_FIELD = r'"?{name}"?\s*[=:]\s*\\?"?([^,}}\s"\\]+)'


def _queue(
    resource: TfResource,
    body: dict[str, object],
    lines: _BlockLines | None,
    variables: dict[str, str],
) -> TfQueue:
    """A queue's settings; ``var.x`` is read as the variable's default (what an apply without overrides gets)."""

    def resolved(value: TfValue | None) -> TfValue | None:
        if value is not None and value.value.startswith("var."):
            default = variables.get(value.value.removeprefix("var."))
            return TfValue(default, value.line) if default is not None else value
        return value

    redrive = _value(body, "redrive_policy", lines)
    fields: dict[str, TfValue | None] = {"deadLetterTargetArn": None, "maxReceiveCount": None}
    if redrive is not None:
        for name in fields:
            found = re.search(_REDRIVE_FIELD.format(name=name), redrive.value)
            if found:
                fields[name] = resolved(TfValue(found.group(1), redrive.line))
    return TfQueue(
        resource=resource,
        visibility_timeout_seconds=resolved(_value(body, "visibility_timeout_seconds", lines)),
        dead_letter_target=fields["deadLetterTargetArn"],
        max_receive_count=fields["maxReceiveCount"],
    )


def _count(outputs: list[TfOutput], file: str) -> int:
    return sum(1 for o in outputs if o.file == file)


def read_outputs_json(path: Path) -> TerraformModel:
    """``terraform output -json``: ``{"name": {"value": ..., "type": ...}, ...}``.

    It holds values, not resource addresses, so only the output names can be compared.
    """
    display = path.as_posix()
    if path.exists() and not path.is_file():
        raise TerraformError(f"{display}: not a regular file")
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
