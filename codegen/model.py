"""The typed, frozen intermediate model the templates read.

Every decision is made while building this model (``build.py``); templates
only read it. Names here are the names the generated code uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

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


@dataclass(frozen=True)
class GetPattern:
    name: str
    kind: Literal["get"] = "get"


@dataclass(frozen=True)
class PutPattern:
    name: str
    kind: Literal["put"] = "put"


@dataclass(frozen=True)
class DeletePattern:
    name: str
    kind: Literal["delete"] = "delete"


@dataclass(frozen=True)
class BatchPutPattern:
    name: str
    kind: Literal["batch_put"] = "batch_put"


@dataclass(frozen=True)
class UpdatePattern:
    name: str
    fields: tuple[AttributeSpec, ...]
    kind: Literal["update"] = "update"


@dataclass(frozen=True)
class QueryPartitionPattern:
    name: str
    descending: bool
    kind: Literal["query_partition"] = "query_partition"


@dataclass(frozen=True)
class QueryIndexPagePattern:
    name: str
    index: IndexSpec
    hash_value: str | None  # a fixed partition ("completed"), or None: a parameter
    item_model: str
    item_attributes: tuple[AttributeSpec, ...]
    token_attributes: tuple[AttributeSpec, ...]  # table keys + index keys, sorted by name
    descending: bool
    kind: Literal["query_index_page"] = "query_index_page"


@dataclass(frozen=True)
class CreateOncePattern:
    name: str
    timestamp_attribute: AttributeSpec
    default_ttl_seconds: int | None  # None: the table has no TTL attribute
    kind: Literal["create_once"] = "create_once"


@dataclass(frozen=True)
class LeasePattern:
    name: str
    started_attribute: AttributeSpec
    owner_attribute: AttributeSpec
    expires_attribute: AttributeSpec
    default_lease_seconds: int
    kind: Literal["lease"] = "lease"


AccessPattern = (
    GetPattern
    | PutPattern
    | DeletePattern
    | BatchPutPattern
    | UpdatePattern
    | QueryPartitionPattern
    | QueryIndexPagePattern
    | CreateOncePattern
    | LeasePattern
)


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

    @property
    def key_attributes(self) -> tuple[AttributeSpec, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    @property
    def model_attributes(self) -> tuple[AttributeSpec, ...]:
        """Attributes that are fields of the model (a lock table has none)."""
        return self.attributes if self.model else ()

    @property
    def lease(self) -> LeasePattern | None:
        return next((p for p in self.patterns if isinstance(p, LeasePattern)), None)

    def has(self, kind: str) -> bool:
        return any(p.kind == kind for p in self.patterns)


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


@dataclass(frozen=True)
class LayoutSpec:
    """One kind of object in a bucket: its key template and the literal prefix before it varies."""

    name: str
    template: str  # e.g. "input/{job_id}/source.mp4"
    description: str
    notify_queue: str | None
    prefix: str  # "input/": the template up to its first placeholder
    schema_path: str


@dataclass(frozen=True)
class BucketSpec:
    name: str
    description: str
    terraform_output: str
    env_var: str
    schema_path: str
    layouts: tuple[LayoutSpec, ...] = ()

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
    schema_path: str


@dataclass(frozen=True)
class GeneratorSpec:
    package: str
    models_module: str
    errors_module: str
    python_path: Path


@dataclass(frozen=True)
class SchemaSpec:
    source: Path  # the schema file
    display_name: str  # how generated headers name it, e.g. "schema/stereo_spot.toml"
    generator: GeneratorSpec
    tables: tuple[TableSpec, ...]
    queues: tuple[QueueSpec, ...]
    buckets: tuple[BucketSpec, ...]
    consumers: tuple[ConsumerSpec, ...] = ()
