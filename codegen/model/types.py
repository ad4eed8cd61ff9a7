"""The typed, frozen intermediate model the templates read.

Every decision is made while building this model (``build.py``); templates
only read it. Names here are the names the generated code uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal, Protocol

from pydantic import BaseModel

from ..schema import Field, Problem, sections
from .binding import Name
from .literals import python_literal

FAST_NUMBER_BOUND = "1e38"
"""Below this magnitude an int has at most 38 digits, all a DynamoDB number holds
(``stereo_spot_shared._checks.MAX_NUMBER_DIGITS``)."""

MAX_NUMBER_BYTES = (38 + 1) // 2 + 1
"""The most a DynamoDB number counts towards its item's size: 38 significant digits."""

DynamoType = Literal["S", "N", "B"]
PythonKind = Literal["str", "int", "bytes", "enum"]


@dataclass(frozen=True)
class AttributeSpec:
    """One item attribute and how it maps to a model field."""

    name: str
    dynamo_type: DynamoType
    python_kind: PythonKind
    python_type: str  # as written in generated annotations: "str", "int", "JobStatus"
    optional: bool
    schema_path: str
    derived: bool = (
        False  # set by the generated code itself (a lifecycle marker), not a model field
    )

    @property
    def key_annotation(self) -> str:
        """The parameter type of a key value: the plain type DynamoDB keys on (an enum key is a str)."""
        return _KEY_ANNOTATIONS[self.dynamo_type]

    @property
    def argument_annotation(self) -> str:
        """The parameter type of a value to store: an enum also accepts its value's string."""
        return f"{self.python_type} | str" if self.python_kind == "enum" else self.python_type

    @property
    def key_check(self) -> str:
        """The runtime check a key value passes before it is sent (``_dynamo``/``_checks`` share it)."""
        return _KEY_CHECKS[self.dynamo_type]

    # How generated code converts the attribute: small fragments, so the templates hold no
    # type decisions. ``value`` is a Python expression of the generated code.

    def to_attribute_value(self, value: str) -> str:
        """``value`` (the model field's type) as a DynamoDB AttributeValue (``_dynamo`` runtime)."""
        if self.python_kind == "enum":
            # ``_value_`` (the enum module's documented slot) is what ``.value`` returns,
            # read without the property call ``.value`` costs on every write.
            return f'{{"S": {value}._value_}}'
        if self.python_kind == "int":
            return f'{{"N": _dynamo.to_number({python_literal(self.name)}, {value})}}'
        return f'{{"{self.dynamo_type}": {value}}}'

    def field_to_attribute_value(self, value: str) -> str:
        """``to_attribute_value`` of a model field's read; ``value`` may be evaluated more than once.

        Every write marshals its model's ints: an int of magnitude below ``1e38``
        has at most 38 digits, so it always fits a DynamoDB number and is turned
        into text inline; only a larger one pays the call to ``to_number``'s digit
        check. (A float literal: Python folds it into a constant, and compares it
        with an int exactly; ``10**38`` would be computed on every write.)
        """
        if self.python_kind == "int":
            return (
                f'{{"N": str({value}) if -{FAST_NUMBER_BOUND} < {value} < {FAST_NUMBER_BOUND} '
                f"else _dynamo.to_number({python_literal(self.name)}, {value})}}"
            )
        return self.to_attribute_value(value)

    def measured_value(self, model_var: str) -> str:
        """The text or bytes this attribute adds to an item, for ``fits_uncounted`` (``None`` if absent).

        Read from the item ``to_item`` built (an enum: its value's string there).
        """
        if self.python_kind == "enum":
            read = f'item[{python_literal(self.name)}]["S"]'
            if self.optional:
                return f"{read} if {python_literal(self.name)} in item else None"
            return read
        return f"{model_var}.{self.name}"

    def from_attribute_value(self, value: str) -> str:
        """The model field's value from the AttributeValue ``value`` (an enum: the model parses it)."""
        if self.python_kind == "int":
            return f'int({value}["N"])'
        if self.python_kind == "bytes":
            return f'bytes({value}["B"])'
        return f'{value}["S"]'

    @property
    def key_attribute_value(self) -> str:
        """The key parameter named like the attribute, checked, as an AttributeValue."""
        checked = f"_dynamo.{self.key_check}({python_literal(self.name)}, {self.name})"
        if self.dynamo_type == "N":
            checked = f"str({checked})"  # DynamoDB numbers travel as strings
        return f'{{"{self.dynamo_type}": {checked}}}'

    def to_record_value(self, value: str) -> str:
        """``value`` as the in-memory backend stores it (``_checks`` runtime): plain values."""
        if self.python_kind == "enum":
            return f"{value}.value"
        if self.python_kind == "int":
            return f"_checks.storable_int({python_literal(self.name)}, {value})"
        return value


_KEY_ANNOTATIONS: dict[DynamoType, str] = {"S": "str", "N": "int", "B": "bytes"}
_KEY_CHECKS: dict[DynamoType, str] = {
    "S": "require_str_key",
    "N": "require_int",
    "B": "require_bytes_key",
}


@dataclass(frozen=True)
class KeySpec:
    attribute: AttributeSpec
    role: Literal["HASH", "RANGE"]


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: AttributeSpec
    range_key: AttributeSpec | None
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"]
    non_key_attributes: tuple[str, ...]
    schema_path: str


IN_PROGRESS_MARKER = "1"
"""The value a lifecycle's in_progress_attribute holds while the status is not final."""


@dataclass(frozen=True)
class LifecycleSpec:
    """The statuses an item moves through and which moves are allowed."""

    attribute: AttributeSpec  # the enum attribute holding the status
    statuses: tuple[str, ...]  # every status, in the enum's order
    transitions: tuple[tuple[str, str], ...]  # (from, to), failure moves included
    failure_status: str
    in_progress_attribute: AttributeSpec | None
    schema_path: str
    # (from, to): moves back to an earlier status so a step runs again. Allowed like
    # transitions, but they neither start nor end the lifecycle.
    retries: tuple[tuple[str, str], ...] = ()
    # (from, to): moves out of a final status into a tombstone (a final status only
    # removals reach, e.g. deleted). Allowed like transitions; both ends stay final.
    removals: tuple[tuple[str, str], ...] = ()

    @property
    def moves(self) -> tuple[tuple[str, str], ...]:
        """Every (from, to) ``update`` allows besides re-setting a status.

        Transitions, then retries, then removals.
        """
        return self.transitions + self.retries + self.removals

    @property
    def final(self) -> tuple[str, ...]:
        """Statuses nothing moves on from."""
        sources = {source for source, _ in self.transitions}
        return tuple(s for s in self.statuses if s not in sources)

    @property
    def diagram_states(self) -> tuple[tuple[str, str, bool], ...]:
        """(diagram id, quoted label, needs a declaration) per status: Mermaid ids are plain words."""
        states = []
        for position, status in enumerate(self.statuses):
            plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", status) is not None
            # Quoted for Mermaid: no double quote or line break can end the label early.
            label = '"' + status.replace('"', "'").replace("\n", " ") + '"'
            states.append((status if plain else f"s{position}", label, not plain))
        return tuple(states)

    def diagram_id(self, status: str) -> str:
        return self.diagram_states[self.statuses.index(status)][0]

    @property
    def initial(self) -> tuple[str, ...]:
        """Statuses neither a transition nor a removal moves to: where an item starts."""
        targets = {target for _, target in self.transitions + self.removals}
        return tuple(s for s in self.statuses if s not in targets)

    @property
    def allowed_sources(self) -> dict[str, tuple[str, ...]]:
        """For each status: the statuses an update may find when setting it (itself included)."""
        return {
            target: tuple(s for s in self.statuses if s == target or (s, target) in self.moves)
            for target in self.statuses
        }


@dataclass(frozen=True)
class TableSpec:
    name: str  # schema key, e.g. "segment_completions"; also the generated module name
    description: str
    class_name: str
    protocol: str | None  # dotted path, e.g. "stereo_spot_shared.interfaces.JobStore"
    model: str | None  # model class name in the generator's models_module
    factory: str
    terraform_output: str
    env_var: str
    hash_key: AttributeSpec
    range_key: AttributeSpec | None
    attributes: tuple[AttributeSpec, ...]
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: AttributeSpec | None
    patterns: tuple[AccessPattern, ...]
    not_found_error: str
    schema_path: str
    lifecycle: LifecycleSpec | None = None
    # Attributes the generated code stores for its own use, in declaration order: never
    # model fields; the shared models ignore them when they validate a raw item.
    storage_only: tuple[str, ...] = ()
    # The table's DynamoDB stream, when the schema declares stream_view_type.
    stream: TableStream | None = None
    # A deployment may leave it out: not in VARIABLES, its factory returns None when
    # the variable is unset, and the bundle's field may be None.
    optional: bool = False

    @property
    def key_attributes(self) -> tuple[AttributeSpec, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    @property
    def model_attributes(self) -> tuple[AttributeSpec, ...]:
        """Attributes that are fields of the model (a lock table has none)."""
        return tuple(a for a in self.attributes if not a.derived) if self.model else ()

    @property
    def measured_key_attributes(self) -> tuple[AttributeSpec, ...]:
        """Key attributes whose size a write measures (text and binary; a number is bounded)."""
        return tuple(a for a in self.key_attributes if a.dynamo_type != "N")

    @property
    def measured_attributes(self) -> tuple[AttributeSpec, ...]:
        """Other model attributes whose size a write measures (text, enum values, binary)."""
        keys = {a.name for a in self.key_attributes}
        return tuple(
            a for a in self.model_attributes if a.dynamo_type != "N" and a.name not in keys
        )

    @property
    def item_size_bound(self) -> int:
        """Bytes of a model item that the schema bounds, as DynamoDB counts them.

        Every attribute name ``to_item`` may write, each number at its largest
        (38 significant digits: ``(38 + 1) // 2 + 1`` bytes) and the lifecycle
        marker's value; the text and binary values are measured by the write
        (``fits_uncounted``).
        """
        size = sum(len(a.name.encode()) for a in self.model_attributes)
        size += sum(MAX_NUMBER_BYTES for a in self.model_attributes if a.dynamo_type == "N")
        marker = self.lifecycle.in_progress_attribute if self.lifecycle else None
        if marker is not None:
            size += len(marker.name.encode()) + len(IN_PROGRESS_MARKER.encode())
        return size

    @property
    def writes_in_batches(self) -> bool:
        """The class has a ``batch_retry`` policy: some pattern uses BatchWriteItem."""
        return any(p.writes_in_batches for p in self.patterns)

    @property
    def uses_clock(self) -> bool:
        """The class has a ``clock`` (some pattern writes the time)."""
        return any(p.uses_clock for p in self.patterns)

    @property
    def uses_query_input(self) -> bool:
        """The DynamoDB module builds Query requests (``QueryInputTypeDef``)."""
        return any(p.uses_query_input for p in self.patterns)

    @property
    def uses_page_token(self) -> bool:
        return any(p.uses_page_token for p in self.patterns)

    @property
    def abc_imports(self) -> tuple[str, ...]:
        """``collections.abc`` names both backends' modules import."""
        return tuple(sorted({name for p in self.patterns for name in p.abc_imports}))

    @property
    def errors(self) -> tuple[str, ...]:
        """Error classes the DynamoDB module imports from the errors module."""
        return tuple(sorted({name for p in self.patterns for name in p.errors(self)}))

    @property
    def memory_errors(self) -> tuple[str, ...]:
        """Error classes the in-memory module imports from the errors module."""
        return tuple(sorted({name for p in self.patterns for name in p.memory_errors(self)}))

    @property
    def protocol_name(self) -> str:
        """The generated Protocol every backend's class for this table satisfies: ``JobsTable``."""
        return pascal(self.name) + "Table"

    @property
    def memory_class_name(self) -> str:
        """The in-memory backend's class for this table: ``MemoryJobsTable``."""
        return "Memory" + self.protocol_name

    @property
    def declared_protocol(self) -> tuple[str, str] | None:
        """``(module, class)`` of the schema's ``protocol``, which the generated Protocol extends."""
        if self.protocol is None:
            return None
        module, _, name = self.protocol.rpartition(".")
        return module, name

    @property
    def holds_leases(self) -> bool:
        """The class names an ``owner_id`` and hands out ``HeldLease`` contexts (a lease pattern)."""
        return any(p.holds_leases for p in self.patterns)

    @property
    def lease(self) -> AccessPattern | None:
        """The table's lease pattern (``kinds.lease.LeasePattern``), or ``None``: one per lock table."""
        return next((p for p in self.patterns if p.holds_leases), None)

    @property
    def fenced_writes(self) -> bool:
        """Some method takes ``fence=`` (a write conditioned on a lease's token)."""
        return any(p.fenced for p in self.patterns)


@dataclass(frozen=True)
class TableStream:
    """A table's DynamoDB stream: its view type, and where its ARN comes from."""

    table: str
    view_type: str  # NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY
    terraform_output: str  # jobs_table_name -> jobs_table_stream_arn
    env_var: str
    schema_path: str  # of stream_view_type
    table_terraform_output: str  # the table's own output (its name)

    @property
    def bundle_field(self) -> str:
        """The bundle's field holding the stream's ARN: ``jobs_stream_arn``."""
        return f"{self.table}_stream_arn"

    @property
    def function(self) -> str:
        """The env_config function reading the ARN: ``jobs_table_stream_arn``."""
        return self.terraform_output

    @property
    def memory_arn(self) -> str:
        """The ARN the in-memory backend's records carry (``eventSourceARN``)."""
        return f"arn:aws:dynamodb:memory:000000000000:table/{self.table}/stream/memory"


@dataclass(frozen=True)
class QueueSpec:
    name: str
    description: str
    terraform_output: str
    env_var: str
    wait_time_seconds: int
    event_source: Literal["s3"] | None
    payload_model: str | None
    schema_path: str
    visibility_timeout_seconds: int = 30
    heartbeat_margin_seconds: int | None = None  # None: the receiver's default
    max_receive_count: int | None = None  # with dead_letter_queue: the redrive policy
    dead_letter_queue: str | None = None
    # SQS MaximumMessageSize; the sender checks it before any request.
    max_message_bytes: int = 262_144
    max_message_bytes_declared: bool = False
    # The buckets whose S3 notifications the queue's parser accepts: the buckets of the
    # layouts whose notify_queue is this queue (event_source = "s3").
    event_buckets: tuple[BucketSpec, ...] = ()
    # A deployment may leave it out: not in VARIABLES, _or_none factories, a bundle field
    # that may be None.
    optional: bool = False
    # Tables whose stream records feed the queue (EventBridge Pipes on AWS).
    stream_sources: tuple[TableStream, ...] = ()

    @property
    def carries_s3_events(self) -> bool:
        """Its messages are S3 event notifications: it gets a generated event parser."""
        return self.event_source == "s3"

    @property
    def sender_field(self) -> str:
        """The bundle's field holding this queue's sender: ``chunking_sender``."""
        return f"{self.name}_sender"

    @property
    def receiver_field(self) -> str:
        return f"{self.name}_receiver"


LayoutFieldKind = Literal["text", "number", "enum"]

# One path segment: a text value can never reach into another job's prefix.
TEXT_PATTERN = "[^/]+"
# ASCII digits only: a \d class would also match other scripts' digits, which int() accepts.
NUMBER_PATTERN = "[0-9]+"


@dataclass(frozen=True)
class LayoutField:
    """One ``{placeholder}`` of a key layout and how its value is written and read."""

    name: str
    kind: LayoutFieldKind
    annotation: str  # as in generated code: "str", "int", "StereoMode"
    width: int  # numbers: zero-padded to at least this many digits (0: no padding)
    enum_values: tuple[str, ...]  # enums: every member's value

    @property
    def parameter_annotation(self) -> str:
        """Builders take an enum member or its value, like the models do."""
        return f"{self.annotation} | str" if self.kind == "enum" else self.annotation

    @property
    def pattern(self) -> str:
        """The named regular-expression group that matches this field in a key."""
        if self.kind == "enum":
            body = "|".join(re.escape(value) for value in self.enum_values)
        else:
            body = NUMBER_PATTERN if self.kind == "number" else TEXT_PATTERN
        return f"(?P<{self.name}>{body})"

    @property
    def to_key(self) -> str:
        """Expression turning the builder's parameter into its text in the key (checked)."""
        if self.kind == "number":
            return f"key_number({self.name!r}, {self.name}, {self.width})"
        if self.kind == "enum":
            return f"key_enum({self.name!r}, {self.name}, {self.annotation})"
        return f"key_text({self.name!r}, {self.name})"

    @property
    def from_match(self) -> str:
        """Expression reading this field's value from a match named ``found``."""
        group = f"found[{self.name!r}]"
        if self.kind == "number":
            return f"int({group})"
        if self.kind == "enum":
            return f"{self.annotation}({group})"
        return group


@dataclass(frozen=True)
class LayoutSpec:
    """One object-key layout of a bucket: its template, fields, and what its keys parse into."""

    name: str  # schema key, e.g. "segment"; names the generated functions
    bucket: str
    description: str
    template: str  # as written in the schema
    parts: tuple[str | LayoutField, ...]  # literal text and fields, in template order
    model: str | None  # model class a key parses into, if any
    uri_field: str | None  # the model field set to s3://{bucket}/{key}
    notify_queue: str | None  # queue receiving this layout's ObjectCreated notifications
    schema_path: str

    @property
    def fields(self) -> tuple[LayoutField, ...]:
        return tuple(part for part in self.parts if isinstance(part, LayoutField))

    @property
    def prefix(self) -> str:
        """The literal text every key starts with: an S3 notification's filter prefix."""
        first = self.parts[0]
        return first if isinstance(first, str) else ""

    @property
    def suffix(self) -> str:
        """The literal text every key ends with: an S3 notification's filter suffix."""
        last = self.parts[-1]
        return last if isinstance(last, str) else ""

    @property
    def constant(self) -> str:
        """The generated ``KeyLayout`` constant: ``SEGMENT_LAYOUT``."""
        return f"{self.name.upper()}_LAYOUT"

    @property
    def formatter(self) -> str:
        """The private function both the builder and the parser spell a key with."""
        return f"_{self.name}_key"

    @property
    def builder(self) -> str:
        return f"build_{self.name}_key"

    @property
    def parser(self) -> str:
        return f"parse_{self.name}_key"

    @property
    def key_class(self) -> str | None:
        """A NamedTuple of the fields, for a layout of several fields and no model."""
        if self.model or len(self.fields) == 1:
            return None
        return "".join(word.capitalize() for word in self.name.split("_")) + "Key"

    @property
    def parsed_type(self) -> str:
        """What the parser returns for a key of this layout (besides None)."""
        return self.model or self.key_class or self.fields[0].annotation

    @property
    def regex(self) -> str:
        """The whole layout as a regular expression, for ``re.fullmatch``."""
        return "".join(
            part.pattern if isinstance(part, LayoutField) else re.escape(part)
            for part in self.parts
        )

    @property
    def has_numbers(self) -> bool:
        """``{i:05d}`` matches ``000001`` too: the parser must check it has the one spelling."""
        return any(f.kind == "number" for f in self.fields)

    @property
    def enums(self) -> tuple[str, ...]:
        return tuple(f.annotation for f in self.fields if f.kind == "enum")


@dataclass(frozen=True)
class BucketSpec:
    name: str
    description: str
    terraform_output: str
    env_var: str
    schema_path: str
    layouts: tuple[LayoutSpec, ...] = ()

    @property
    def bundle_field(self) -> str:
        """The bundle's field holding this bucket's name: ``input_bucket``."""
        return f"{self.name}_bucket"

    def layout(self, name: str) -> LayoutSpec | None:
        return next((layout for layout in self.layouts if layout.name == name), None)


@dataclass(frozen=True)
class TableAccess:
    """The access patterns one consumer calls on one table."""

    table: TableSpec
    patterns: tuple[AccessPattern, ...]


@dataclass(frozen=True)
class LayoutAccess:
    """A key layout one consumer reads or writes."""

    bucket: BucketSpec
    layout: LayoutSpec


POLICY_PREFIX = "consumer_"  # Terraform labels: data.aws_iam_policy_document.consumer_<name>


def policy_output_name(consumer: str) -> str:
    """The Terraform output giving the ARN of ``consumer``'s policy."""
    return f"{POLICY_PREFIX}{consumer}_policy_arn"


@dataclass(frozen=True)
class ServiceResource:
    """A resource of an AWS service beyond DynamoDB, SQS and S3: one kind per module of ``services/``.

    The class is the kind (its schema section, fields, the consumer key that grants
    it, the runtime adapters its factory may build, the API operations those call
    and how IAM names what they touch); an instance is one declared resource.
    """

    name: str
    description: str
    schema_path: str
    factory: str  # the env_config function that builds the adapter
    adapter: str  # the runtime class it builds (one of ``adapters``)
    env_var: str

    kind: ClassVar[str]  # the schema section: [<kind>.<name>]
    noun: ClassVar[str]  # "CloudWatch namespace", for messages
    description_of_kind: ClassVar[str]
    schema_fields: ClassVar[Mapping[str, Field]]
    consumer_key: ClassVar[str]  # the consumer's list granting it: publishes_metrics
    consumer_description: ClassVar[str]
    adapters: ClassVar[Mapping[str, str]]  # runtime class -> the runtime module defining it
    aws_service: ClassVar[str]  # botocore's service name: "cloudwatch"
    operations: ClassVar[tuple[str, ...]]  # the API operations its adapters call
    statement_verb: ClassVar[str]  # the IAM statement's Sid: <verb><Name><Noun>
    statement_noun: ClassVar[str]
    arn_kind: ClassVar[Literal["any", "secret"]]  # "any": the action takes no resource ARN

    @property
    def adapter_module(self) -> str:
        return self.adapters[self.adapter]

    @property
    def terraform_output(self) -> str | None:
        """The Terraform output the resource's ARN comes from (None: Terraform creates nothing)."""
        return None

    @property
    def required_variable(self) -> bool:
        """Its variable carries a Terraform output every deployment sets (it is in VARIABLES)."""
        return False

    @property
    def optional_variable(self) -> bool:
        """Its variable carries a Terraform output a deployment may leave out."""
        return False

    @property
    def iam_conditions(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """(test, variable, values) limiting the grant when the action takes no resource ARN."""
        return ()

    @classmethod
    def build(
        cls, name: str, fields: sections.Fields, problems: list[Problem]
    ) -> ServiceResource | None:
        """One declared resource of this kind; None (its problems added) when it is invalid."""
        raise NotImplementedError(f"{cls.__name__}.build")


@dataclass(frozen=True)
class ConsumerSpec:
    """A service and everything it may touch; its IAM policy is derived from this alone."""

    name: str  # schema key, e.g. "web_ui"
    description: str
    tables: tuple[TableAccess, ...]
    sends_to: tuple[QueueSpec, ...]
    receives_from: tuple[QueueSpec, ...]
    reads: tuple[LayoutAccess, ...]
    writes: tuple[LayoutAccess, ...]
    presigned_uploads: tuple[LayoutAccess, ...]
    schema_path: str
    reads_streams: tuple[TableStream, ...] = ()
    services: tuple[ServiceResource, ...] = ()  # metrics it publishes, secrets it reads


@dataclass(frozen=True)
class NotificationRoute:
    """Objects created in ``bucket`` under ``prefix``/``suffix`` notify ``queue`` (S3 events)."""

    bucket: str
    queue: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class GeneratorSpec:
    package: str
    models_module: str
    errors_module: str
    python_path: Path
    # The cloud-agnostic package the key layouts, the adapter bundle and the in-memory
    # backend are generated into (None: the schema has none, so neither is generated).
    shared_package: str | None = None
    # The hand-written runtime packages generated code imports (``runtime.py`` lists what).
    runtime: str = "stereo_spot_aws_adapters"
    shared_runtime: str = "stereo_spot_shared"

    @property
    def output_packages(self) -> tuple[str, ...]:
        """Every package the generator writes into; stale generated files are looked for in each."""
        return tuple(p for p in (self.package, self.shared_package) if p is not None)


@dataclass(frozen=True)
class SchemaSpec:
    source: Path  # the schema file
    display_name: str  # how generated headers name it, e.g. "schema/stereo_spot.toml"
    generator: GeneratorSpec
    tables: tuple[TableSpec, ...]
    queues: tuple[QueueSpec, ...]
    buckets: tuple[BucketSpec, ...]
    consumers: tuple[ConsumerSpec, ...] = ()
    services: tuple[ServiceResource, ...] = ()  # every [metrics.*], [secrets.*], ... by kind

    def services_of(self, kind: str) -> tuple[ServiceResource, ...]:
        return tuple(service for service in self.services if service.kind == kind)

    @property
    def resources(self) -> tuple[TableSpec | QueueSpec | BucketSpec, ...]:
        """Every table, queue and bucket: what has a Terraform output and an env var."""
        return (*self.tables, *self.queues, *self.buckets)

    @property
    def streams(self) -> tuple[TableStream, ...]:
        """Every table's stream, in schema order."""
        return tuple(t.stream for t in self.tables if t.stream is not None)

    @property
    def uses_optional_env(self) -> bool:
        """env_config reads a variable a deployment may leave unset."""
        return (
            bool(self.streams)
            or any(t.optional for t in self.tables)
            or any(q.optional for q in self.queues)
            or any(s.optional_variable for s in self.services)
        )

    @property
    def layouts(self) -> tuple[LayoutSpec, ...]:
        return tuple(layout for bucket in self.buckets for layout in bucket.layouts)

    @property
    def notification_routes(self) -> tuple[NotificationRoute, ...]:
        """Which uploads notify which queue: every layout with a ``notify_queue``.

        The in-memory backend delivers these S3 events as the bucket
        notifications in Terraform (checked by the drift command) do on AWS.
        """
        return tuple(
            NotificationRoute(layout.bucket, layout.notify_queue, layout.prefix, layout.suffix)
            for layout in self.layouts
            if layout.notify_queue is not None
        )


def pascal(name: str) -> str:
    """``segment_completions`` -> ``SegmentCompletions``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


# --------------------------------------------------------------------------- access patterns
# What every access-pattern kind declares, and the typed table facts its builder reads.
#
# A kind is one module of ``kinds/`` holding one frozen dataclass that subclasses
# ``AccessPattern``. The class is both the kind (its class-level facts: schema fields,
# the DynamoDB operations it calls, what its rendered code imports) and the built pattern
# (an instance: one method of one table). Its templates are found by its name:
# ``templates/patterns/<kind>.py.jinja`` (AWS) and
# ``templates/memory_patterns/<kind>.py.jinja`` (in memory). It lives here, beside
# ``TableSpec``, because each names the other.


TableKeys = Literal["any", "hash_only", "with_range"]

KEY_LOCALS = ("self", "str", "int", "bytes")
"""Names every method taking key parameters uses: ``self`` and the key annotations."""


class AttributeLookup(Protocol):
    """Finds a table attribute a pattern refers to; a bad reference is reported, and None."""

    def __call__(
        self, ref: str, ref_path: str, types_allowed: tuple[str, ...] = ("S", "N", "B")
    ) -> AttributeSpec | None: ...


class ModelLookup(Protocol):
    """Finds a pydantic model of the schema's models module; a missing one is reported."""

    def model(self, name: str, path: str, problems: list[Problem]) -> type[BaseModel] | None: ...


@dataclass(frozen=True)
class TableContext:
    """The validated facts of the table a pattern belongs to, as its builder sees them."""

    name: str
    model_cls: type[BaseModel] | None  # None: no model, or it failed to load (reported)
    names_model: bool  # the schema names a model (it may have failed to load)
    names_range_key: bool  # the schema names a range key (it may be invalid)
    names_ttl: bool  # the schema names a ttl_attribute (it may be invalid)
    key_names: frozenset[str]
    indexes: Mapping[str, IndexSpec]  # the valid indexes, by name
    declared_indexes: frozenset[str]  # every index name the schema declares, valid or not
    lifecycle: LifecycleSpec | None
    attribute: AttributeLookup
    models: ModelLookup


def key_params(table: TableSpec) -> str:
    """``job_id: str`` or ``job_id: str, segment_index: int``: a method's key parameters."""
    return ", ".join(f"{key.name}: {key.key_annotation}" for key in table.key_attributes)


@dataclass(frozen=True)
class AccessPattern:
    """One access pattern of a table: the method (or methods) it generates.

    Subclasses override the class-level facts and, where their schema fields
    or generated code need it, the methods.
    """

    name: str

    kind: ClassVar[str]  # the schema's ``kind``; also the module and template names
    description: ClassVar[str]  # one line for the JSON Schema
    schema_fields: ClassVar[Mapping[str, Field]] = {}  # schema fields besides name and kind
    needs_model: ClassVar[bool] = True  # the table must name a model
    table_keys: ClassVar[TableKeys] = "any"
    operations: ClassVar[tuple[str, ...]] = ()  # DynamoDB operations: its IAM actions
    extra_methods: ClassVar[tuple[str, ...]] = ()  # public methods it adds besides ``name``
    private_methods: ClassVar[tuple[str, ...]] = ()  # helpers only its DynamoDB class has
    # What its rendered code needs from the table module.
    abc_imports: ClassVar[tuple[str, ...]] = ()  # collections.abc names, both backends
    signature_abc_imports: ClassVar[tuple[str, ...]] = ()  # ...its Protocol signature names
    uses_query_input: ClassVar[bool] = False
    uses_page_token: ClassVar[bool] = False
    uses_clock: ClassVar[bool] = False
    holds_leases: ClassVar[bool] = False  # the class gets an owner_id; HeldLease is imported
    fenced: ClassVar[bool] = False  # its write takes ``fence=`` (FenceSource is imported)
    writes_in_batches: ClassVar[bool] = False  # the class gets a ``batch_retry`` policy
    # Locals and builtins its method bodies use (checked by tests/codegen/test_generated_names).
    method_locals: ClassVar[tuple[str, ...]] = ()
    memory_method_locals: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def build(
        cls,
        name: str,
        data: Mapping[str, object],
        path: str,
        table: TableContext,
        problems: list[Problem],
    ) -> AccessPattern | None:
        """The pattern from its checked schema fields; a problem is reported, and None."""
        return cls(name)

    @classmethod
    def admits(cls, table: TableContext, path: str, problems: list[Problem]) -> bool:
        """Whether the table has what this kind needs (a model, its key shape)."""
        if cls.needs_model and not table.names_model:
            problems.append(
                Problem(f"{path}.kind", f"{cls.kind!r} needs the table to name a model")
            )
            return False
        if cls.needs_model and table.model_cls is None:
            return False  # the model itself is the problem, reported where it is named
        if cls.table_keys == "hash_only" and table.names_range_key:
            problems.append(
                Problem(f"{path}.kind", f"{cls.kind!r} needs a table with a hash key only")
            )
            return False
        if cls.table_keys == "with_range" and not table.names_range_key:
            problems.append(Problem(f"{path}.kind", f"{cls.kind!r} needs a table with a range key"))
            return False
        return True

    @property
    def queried_index(self) -> str | None:
        """The index its operations address (its IAM resource), or None for the table."""
        return None

    def signature(self, table: TableSpec, method: str | None = None) -> str:
        """The ``def`` line of ``method`` (default: the pattern's own), as the Protocol has it."""
        return f"    def {self.name}(self, {key_params(table)}) -> None:"

    def parameters(
        self, table: TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        """The schema-named parameters of its methods (``keys``/``model``: the table's)."""
        return keys

    def errors(self, table: TableSpec) -> tuple[str, ...]:
        """Error classes of the errors module its DynamoDB code raises."""
        return ()

    def memory_errors(self, table: TableSpec) -> tuple[str, ...]:
        """Error classes of the errors module its in-memory code raises."""
        return ()

    def models(self) -> frozenset[str]:
        """Model classes and enums its code names, besides the table's model."""
        return frozenset()

    def error_globals(self, table: TableSpec, generator: GeneratorSpec) -> list[Name]:
        """The error classes its DynamoDB code imports, as module-level names."""
        return error_names(generator, self.errors(table))

    def module_globals(self, table: TableSpec, path: str, generator: GeneratorSpec) -> list[Name]:
        """Other module-level names its code binds or imports (``path``: the pattern's)."""
        return []


def named_fields(
    data: Mapping[str, object], path: str, table: TableContext, problems: list[Problem]
) -> tuple[AttributeSpec, ...]:
    """The named attributes, each once and none of them a key."""
    found: list[AttributeSpec] = []
    refs = data["fields"]
    assert isinstance(refs, list)  # a string_list, checked against the declaration
    for i, ref in enumerate(refs):
        where = f"{path}.fields[{i}]"
        if ref in table.key_names:
            problems.append(Problem(where, f"{ref!r} is a key attribute: the key comes first"))
            continue
        if ref in (f.name for f in found):
            problems.append(Problem(where, f"{ref!r} is named twice"))
            continue
        attribute = table.attribute(str(ref), where, ("S", "N"))
        if attribute is not None:
            found.append(attribute)
    return tuple(found)


def hash_param(table: TableSpec) -> str:
    """The hash-key parameter of a partition method: ``job_id: str``."""
    return f"{table.hash_key.name}: {table.hash_key.key_annotation}"


def error_names(generator: GeneratorSpec, classes: tuple[str, ...]) -> list[Name]:
    """The error classes a table module imports from the errors module, as bound names."""
    module = generator.errors_module
    return [Name(c, f"an error class of {module}", origin=f"{module}.{c}") for c in classes]
