"""Read a Terraform directory into a small typed model, with file and line for everything.

python-hcl2 parses the files but reports no line numbers, so ``_scan_blocks``
finds them in the text: block headers and the first line of each attribute, in
the same order python-hcl2 returns blocks. Only what the drift check compares
is kept: outputs, DynamoDB tables (keys, attributes, indexes, TTL), SQS queues,
S3 buckets and their notifications to queues. ``read_outputs_json`` reads ``terraform output -json`` instead.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal

import hcl2

from .hcl_eval import (
    Evaluator,
    FromEnvironment,
    JsonValue,
    Ref,
    Scope,
    UnverifiableError,
    UnverifiableKind,
    Value,
    canonical,
    from_python,
    source_text,
)

ResourceKind = Literal["table", "queue", "bucket", "secret"]

RESOURCE_KINDS: dict[str, ResourceKind] = {
    "aws_dynamodb_table": "table",
    "aws_sqs_queue": "queue",
    "aws_s3_bucket": "bucket",
    "aws_secretsmanager_secret": "secret",
}
"""The Terraform resource types the adapters' resources are, by kind."""

QUEUE_ARGUMENTS = ("max_message_size",)
"""The ``aws_sqs_queue`` arguments the drift check compares with the schema."""

SQS_DEFAULT_MAX_MESSAGE_SIZE = 262_144
"""What the AWS provider sets when ``max_message_size`` is left out (256 KiB)."""

NOTIFICATION_TYPE = "aws_s3_bucket_notification"
PIPE_TYPE = "aws_pipes_pipe"


class TerraformError(Exception):
    """A Terraform input cannot be read or parsed; the message names the file."""


# --------------------------------------------------------------------------- terraform model


@dataclass(frozen=True)
class TfValue:
    """An attribute's value (evaluated, see ``hcl_eval``) and the line it is on.

    ``known`` is False when the expression could not be evaluated: ``value`` is
    then the expression as written, already reported as ``unverifiable``, and
    comparisons leave it alone.
    """

    value: str
    line: int | None
    known: bool = True


@dataclass(frozen=True)
class Unread:
    """An expression drift could not evaluate, where it is, and why."""

    kind: UnverifiableKind
    file: str
    line: int | None
    where: str  # e.g. "aws_sqs_queue.chunking: visibility_timeout_seconds"
    expression: str
    reason: str


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
    enabled: bool | None  # None: not evaluable (reported as unverifiable)
    line: int | None


@dataclass(frozen=True)
class TfTable:
    resource: TfResource
    hash_key: TfValue | None
    range_key: TfValue | None
    attributes: tuple[TfAttribute, ...]
    indexes: tuple[TfIndex, ...]
    ttl: TfTtl | None
    stream_enabled: TfValue | None = None
    stream_view_type: TfValue | None = None

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
    events: tuple[str, ...] | None  # None: not evaluable (reported as unverifiable)
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
class TfPipe:
    """An ``aws_pipes_pipe``: ``source``, ``target`` and ``role_arn`` as written, with their lines.

    A value that is not evaluable is ``known=False`` (already reported as unverifiable).
    """

    resource: TfResource
    source: TfValue | None
    target: TfValue | None
    role_arn: TfValue | None

    @staticmethod
    def reference(value: TfValue | None) -> TfReference | None:
        """The resource attribute ``value`` is, when it is exactly one."""
        return _reference(value.value) if value is not None and value.known else None


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
    secrets: tuple[TfResource, ...] = ()
    pipes: tuple[TfPipe, ...] = ()
    names_only: bool = False  # from `terraform output -json`: no resources to compare
    files: tuple[TfFile, ...] = ()  # every file, parsed once, in name order
    unverifiable: tuple[Unread, ...] = ()  # what reading the compared values could not evaluate
    evaluator: Evaluator | None = field(default=None, compare=False)

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
            + list(self.secrets)
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


def _value(body: dict[str, object], key: str, lines: _BlockLines | None) -> TfValue | None:
    if key not in body or body[key] is None:
        return None
    return TfValue(_expression(body[key]), lines.attributes.get(key) if lines else None)


def _reference(expression: str) -> TfReference | None:
    found = _REFERENCE.match(expression)
    return TfReference(*found.groups()) if found else None


@dataclass(frozen=True)
class Block:
    """One block of a body, a ``dynamic`` one expanded: its body, lines and iterator scope."""

    body: dict[str, object]
    lines: _BlockLines | None
    scope: Scope


class Reader:
    """Evaluates the values drift compares; what it cannot evaluate is collected as ``Unread``."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self.unread: list[Unread] = []

    def note(
        self, error: UnverifiableError, file: str, line: int | None, where: str, raw: object
    ) -> None:
        self.unread.append(Unread(error.kind, file, line, where, source_text(raw), error.reason))

    def evaluate(
        self, raw: object, scope: Scope, file: str, line: int | None, where: str
    ) -> tuple[Value, bool]:
        """(value, True), or (None, False) with the reason noted."""
        try:
            return self.evaluator.value(raw, scope), True
        except UnverifiableError as error:
            self.note(error, file, line, where, raw)
            return None, False

    def value(
        self,
        owner: TfResource,
        block: Block,
        key: str,
        what: str | None = None,
        *,
        reference: bool = False,
    ) -> TfValue | None:
        """One argument as a string (``reference``: an address is a value too), or None if absent."""
        raw = block.body.get(key)
        if raw is None:
            return None
        line = block.lines.attributes.get(key) if block.lines else None
        if reference and _reference(source_text(raw)) is not None:
            return TfValue(source_text(raw), line)  # an address, whatever that argument holds
        where = f"{owner.address}: {what or key}"
        try:
            value = self.evaluator.value(raw, block.scope)
            if isinstance(value, Ref) and not reference:
                raise UnverifiableError("computed", f"{value.text} is known only after apply")
        except UnverifiableError as error:
            self.note(error, owner.file, line or owner.line, where, raw)
            return TfValue(source_text(raw), line, known=False)
        return TfValue(canonical(value), line)

    def strings(
        self, owner: TfResource, block: Block, key: str, what: str | None = None
    ) -> tuple[tuple[str, ...] | None, int | None]:
        """A list argument as strings (addresses kept); None when not evaluable."""
        raw = block.body.get(key)
        line = block.lines.attributes.get(key) if block.lines else None
        if raw is None:
            return (), line
        value, known = self.evaluate(
            raw, block.scope, owner.file, line or owner.line, f"{owner.address}: {what or key}"
        )
        if not known:
            return None, line
        if not isinstance(value, list):
            self.note(
                UnverifiableError("expression", f"{canonical(value)} is not a list"),
                owner.file,
                line or owner.line,
                f"{owner.address}: {what or key}",
                raw,
            )
            return None, line
        return tuple(canonical(v) for v in value), line

    def blocks(self, owner: TfResource, parent: Block, block_type: str) -> tuple[list[Block], bool]:
        """The ``block_type`` blocks of ``parent``, ``dynamic`` ones expanded; False if some could not be."""
        found = [
            Block(raw, parent.lines.nth(block_type, i) if parent.lines else None, parent.scope)
            for i, raw in enumerate(_dicts(parent.body.get(block_type)))
        ]
        complete = True
        dynamic_lines = (
            [c for c in parent.lines.children if c.type == "dynamic"] if parent.lines else []
        )
        for entry in _dicts(parent.body.get("dynamic")):
            for label, raw_body in entry.items():
                if _unquote(label) != block_type:
                    continue
                body = _dict(raw_body)
                lines = next(
                    (c for c in dynamic_lines if c.labels == (block_type,) and c.line >= 0), None
                )
                if lines is not None:
                    dynamic_lines.remove(lines)
                expanded = self._expand(owner, parent.scope, block_type, body, lines)
                if expanded is None:
                    complete = False
                else:
                    found.extend(expanded)
        return found, complete

    def _expand(
        self,
        owner: TfResource,
        scope: Scope,
        block_type: str,
        body: dict[str, object],
        lines: _BlockLines | None,
    ) -> list[Block] | None:
        line = lines.line if lines else owner.line
        where = f'{owner.address}: dynamic "{block_type}" for_each'
        iterator = _expression(body.get("iterator", block_type))
        contents = _dicts(body.get("content"))
        if not contents:
            self.note(
                UnverifiableError("dynamic", "a dynamic block without content"),
                owner.file,
                line,
                where,
                body.get("for_each"),
            )
            return None
        items, known = self.evaluate(body.get("for_each"), scope, owner.file, line, where)
        if not known:
            self.unread[-1] = replace(self.unread[-1], kind="dynamic")
            return None
        if isinstance(items, list):
            pairs: list[tuple[Value, Value]] = [(Fraction(i), item) for i, item in enumerate(items)]
        elif isinstance(items, dict):
            pairs = list(items.items())
        else:
            self.note(
                UnverifiableError("dynamic", f"for_each is {canonical(items)}, not a list or map"),
                owner.file,
                line,
                where,
                body.get("for_each"),
            )
            return None
        content_lines = lines.child("content") if lines else None
        return [
            Block(contents[0], content_lines, {**scope, iterator: {"key": key, "value": value}})
            for key, value in pairs
        ]


def _table(reader: Reader, resource: TfResource, top: Block) -> TfTable:
    attributes = tuple(
        TfAttribute(
            _expression(block.body.get("name")),
            reader.value(resource, block, "type", "attribute type"),
        )
        for block in reader.blocks(resource, top, "attribute")[0]
    )
    indexes: list[TfIndex] = []
    for block in reader.blocks(resource, top, "global_secondary_index")[0]:
        name = reader.value(resource, block, "name", "global_secondary_index name")
        non_key, non_key_line = reader.strings(
            resource, block, "non_key_attributes", "global_secondary_index non_key_attributes"
        )
        indexes.append(
            TfIndex(
                name=name or TfValue("", None),
                hash_key=reader.value(
                    resource, block, "hash_key", "global_secondary_index hash_key"
                ),
                range_key=reader.value(
                    resource, block, "range_key", "global_secondary_index range_key"
                ),
                projection_type=reader.value(
                    resource, block, "projection_type", "global_secondary_index projection_type"
                ),
                non_key_attributes=tuple(sorted(non_key or ())),
                non_key_attributes_line=non_key_line,
                line=block.lines.line if block.lines else None,
            )
        )
    ttl: TfTtl | None = None
    ttl_blocks = reader.blocks(resource, top, "ttl")[0]
    if ttl_blocks:
        block = ttl_blocks[0]
        enabled = reader.value(resource, block, "enabled", "ttl enabled")
        ttl = TfTtl(
            attribute_name=reader.value(resource, block, "attribute_name", "ttl attribute_name"),
            enabled=(enabled.value == "true")
            if enabled and enabled.known
            else (None if enabled else False),
            line=block.lines.line if block.lines else None,
        )
    return TfTable(
        resource=resource,
        hash_key=reader.value(resource, top, "hash_key"),
        range_key=reader.value(resource, top, "range_key"),
        attributes=attributes,
        indexes=tuple(indexes),
        ttl=ttl,
        stream_enabled=reader.value(resource, top, "stream_enabled"),
        stream_view_type=reader.value(resource, top, "stream_view_type"),
    )


def _notification(reader: Reader, resource: TfResource, top: Block) -> TfBucketNotification:
    queues = []
    for block in reader.blocks(resource, top, "queue")[0]:
        arn = reader.value(resource, block, "queue_arn", "queue queue_arn", reference=True)
        events, _ = reader.strings(resource, block, "events", "queue events")
        queues.append(
            TfQueueNotification(
                queue=_reference(arn.value) if arn and arn.known else None,
                queue_expression=arn.value if arn else "(none)",
                events=events,
                filter_prefix=reader.value(resource, block, "filter_prefix", "queue filter_prefix"),
                filter_suffix=reader.value(resource, block, "filter_suffix", "queue filter_suffix"),
                line=block.lines.line if block.lines else None,
            )
        )
    bucket = reader.value(resource, top, "bucket", reference=True)
    return TfBucketNotification(
        resource, _reference(bucket.value) if bucket and bucket.known else None, tuple(queues)
    )


def _pipe(reader: Reader, resource: TfResource, top: Block) -> TfPipe:
    return TfPipe(
        resource,
        source=reader.value(resource, top, "source", reference=True),
        target=reader.value(resource, top, "target", reference=True),
        role_arn=reader.value(resource, top, "role_arn", reference=True),
    )


TFVARS_FILES = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_TFVARS = ("*.auto.tfvars", "*.auto.tfvars.json")


def read_terraform(directory: Path, var_files: Sequence[Path] = ()) -> TerraformModel:
    """Every ``*.tf`` file of ``directory`` (not its subdirectories: those are other modules).

    Variables take their values as ``terraform plan`` would: the default, then
    ``terraform.tfvars``, ``*.auto.tfvars`` (in name order), then ``var_files``
    in the order given; ``TF_VAR_<name>`` in the environment makes a variable
    unverifiable. Override files (``override.tf``, ``*_override.tf``) and
    ``*.tf.json`` files, which Terraform reads too, are unverifiable.
    """
    source = directory.as_posix().rstrip("/") + "/"
    if not directory.is_dir():
        raise TerraformError(f"{source}: no such directory")
    files = sorted(directory.glob("*.tf"))
    if not files:
        raise TerraformError(f"{source}: no *.tf files")
    problems: list[str] = []
    found = _Collected()
    unread = [p for p in files if p.name == "override.tf" or p.name.endswith("_override.tf")]
    for path in sorted([*unread, *directory.glob("*.tf.json")]):
        found.notes.append(
            Unread(
                "expression",
                source + path.name,
                None,
                path.name,
                "(the whole file)",
                "Terraform reads it too (JSON syntax, or an override merged into the blocks "
                "it names); drift does not",
            )
        )
    for path in (p for p in files if p not in unread):
        display = source + path.name
        parsed = _parse_file(path, display, problems)
        if parsed is not None:
            text, data = parsed
            found.add_file(display, text, data)
    tfvars = [directory / name for name in TFVARS_FILES if (directory / name).exists()]
    tfvars += sorted(p for pattern in AUTO_TFVARS for p in directory.glob(pattern))
    for path in [*tfvars, *var_files]:
        display = path.as_posix() if path in var_files else source + path.name
        found.add_tfvars(path, display, problems)
    if problems:
        raise TerraformError("\n".join(problems))
    return found.model(source)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> dict[str, object]:
    """python-hcl2's parse of one file's text, cached: CI and tests read the same files again.

    The result is shared between calls, so nothing may change it (nothing does: every
    reader builds new values from it).
    """
    return _dict(hcl2.loads(text))


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
        return text, _parsed(text)
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
    resources: list[tuple[TfResource, dict[str, object], _BlockLines | None]] = field(
        default_factory=list
    )
    variables: dict[str, object] = field(default_factory=dict)
    locals_: dict[str, object] = field(default_factory=dict)
    files: list[TfFile] = field(default_factory=list)
    notes: list[Unread] = field(default_factory=list)  # files drift does not read

    def add_file(self, display: str, text: str, data: dict[str, object]) -> None:
        root = _scan_blocks(text)
        self.files.append(TfFile(display, data, root))
        for name, body in _labelled(data.get("variable")):
            self.variables[name] = body.get("default")
            if f"TF_VAR_{name}" in os.environ:
                self.variables[name] = FromEnvironment(name)
        for block in _dicts(data.get("locals")):
            self.locals_.update(block)
        for name, body in _labelled(data.get("output")):
            self.outputs.append(_output(name, body, display, root.child("output", name)))
        for resource_type, by_name in _labelled(data.get("resource")):
            for label, raw_body in by_name.items():
                name = _unquote(label)
                lines = root.child("resource", resource_type, name)
                resource = TfResource(resource_type, name, display, lines.line if lines else None)
                self.resources.append((resource, _dict(raw_body), lines))

    def add_tfvars(self, path: Path, display: str, problems: list[str]) -> None:
        """Values from a ``*.tfvars`` (HCL) or ``*.tfvars.json`` file, over earlier ones."""
        if not path.is_file():
            problems.append(f"{display}: no such file")
            return
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{display}: cannot read: {error}")
            return
        if path.name.endswith(".json"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                problems.append(
                    f"{display}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
                )
                return
            if not isinstance(data, dict):
                problems.append(f"{display}: expected an object of variable values")
                return
            values: dict[str, object] = {k: JsonValue(v) for k, v in data.items()}
        else:
            try:
                values = _dict(hcl2.loads(text))
            except Exception as error:  # python-hcl2 raises lark's errors
                problems.append(f"{display}: cannot parse HCL: {str(error).strip()[:200]}")
                return
        for name, value in values.items():
            if name in self.variables:
                self.variables[name] = value

    def model(self, source: str) -> TerraformModel:
        """The typed model, every compared value evaluated (``hcl_eval``)."""
        bodies = {(r.resource_type, r.name): body for r, body, _ in self.resources}

        def resolve(resource_type: str, name: str, attribute: str) -> Value | None:
            body = bodies.get((resource_type, name))
            if body is None or attribute in ("arn", "id", "url") or attribute not in body:
                return None
            return evaluator.value(body[attribute])

        evaluator = Evaluator(self.variables, self.locals_, resolve)
        reader = Reader(evaluator)
        tables: list[TfTable] = []
        queues: list[TfQueue] = []
        buckets: list[TfResource] = []
        secrets: list[TfResource] = []
        notifications: list[TfBucketNotification] = []
        pipes: list[TfPipe] = []
        for resource, body, lines in self.resources:
            top = Block(body, lines, {})
            kind = RESOURCE_KINDS.get(resource.resource_type)
            if kind is not None or resource.resource_type in (NOTIFICATION_TYPE, PIPE_TYPE):
                _check_single(reader, resource, top)
            if resource.resource_type == NOTIFICATION_TYPE:
                notifications.append(_notification(reader, resource, top))
            elif resource.resource_type == PIPE_TYPE:
                pipes.append(_pipe(reader, resource, top))
            elif kind == "table":
                tables.append(_table(reader, resource, top))
            elif kind == "queue":
                queues.append(_queue(reader, resource, top))
            elif kind == "bucket":
                buckets.append(resource)
            elif kind == "secret":
                secrets.append(resource)
        outputs = self.outputs
        files_with_outputs = sorted(
            {o.file for o in outputs}, key=lambda f: (-_count(outputs, f), f)
        )
        return TerraformModel(
            source=source,
            outputs_file=files_with_outputs[0] if files_with_outputs else source,
            outputs=tuple(outputs),
            tables=tuple(tables),
            queues=tuple(queues),
            buckets=tuple(buckets),
            notifications=tuple(notifications),
            secrets=tuple(secrets),
            pipes=tuple(pipes),
            files=tuple(self.files),
            unverifiable=tuple(self.notes + reader.unread),
            evaluator=evaluator,
        )


def _check_single(reader: Reader, resource: TfResource, top: Block) -> None:
    """A compared resource is one resource: ``count = 1`` or neither ``count`` nor ``for_each``."""
    count = reader.value(resource, top, "count")
    if count is not None and count.known and count.value != "1":
        reader.note(
            UnverifiableError(
                "expression", f"count = {count.value}: drift compares single resources"
            ),
            resource.file,
            count.line or resource.line,
            f"{resource.address}: count",
            top.body.get("count"),
        )
    if "for_each" in top.body:
        line = top.lines.attributes.get("for_each") if top.lines else None
        reader.note(
            UnverifiableError("expression", "for_each: drift compares single resources"),
            resource.file,
            line or resource.line,
            f"{resource.address}: for_each",
            top.body.get("for_each"),
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


def _queue(reader: Reader, resource: TfResource, top: Block) -> TfQueue:
    """A queue's settings, ``redrive_policy`` read from its ``jsonencode`` or JSON text."""
    resource = replace(
        resource,
        arguments={
            name: value
            for name in QUEUE_ARGUMENTS
            if (value := reader.value(resource, top, name)) is not None
        },
    )
    redrive = reader.value(resource, top, "redrive_policy", reference=True)
    fields: dict[str, TfValue | None] = {"deadLetterTargetArn": None, "maxReceiveCount": None}
    if redrive is not None and redrive.known:
        try:
            policy = json.loads(redrive.value)
        except json.JSONDecodeError:
            policy = None
        if not isinstance(policy, dict):
            reader.note(
                UnverifiableError("expression", "redrive_policy is not a JSON object"),
                resource.file,
                redrive.line or resource.line,
                f"{resource.address}: redrive_policy",
                top.body.get("redrive_policy"),
            )
            fields = {name: TfValue(redrive.value, redrive.line, known=False) for name in fields}
        else:
            for name in fields:
                if name in policy:
                    value = policy[name]
                    text = canonical(from_python(value))
                    if text.startswith("${") and text.endswith("}"):
                        text = text[2:-1]
                    fields[name] = TfValue(text, redrive.line)
    elif redrive is not None:
        fields = {name: TfValue(redrive.value, redrive.line, known=False) for name in fields}
    return TfQueue(
        resource=resource,
        visibility_timeout_seconds=reader.value(resource, top, "visibility_timeout_seconds"),
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
