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
    derived: bool = (
        False  # set by the generated code itself (a lifecycle marker), not a model field
    )


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
class DeletePartitionPattern:
    name: str
    kind: Literal["delete_partition"] = "delete_partition"


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

    @property
    def final(self) -> tuple[str, ...]:
        """Statuses nothing moves on from."""
        sources = {source for source, _ in self.transitions}
        return tuple(s for s in self.statuses if s not in sources)

    @property
    def initial(self) -> tuple[str, ...]:
        """Statuses nothing moves to: where an item starts."""
        targets = {target for _, target in self.transitions}
        return tuple(s for s in self.statuses if s not in targets)

    @property
    def allowed_sources(self) -> dict[str, tuple[str, ...]]:
        """For each status: the statuses an update may find when setting it (itself included)."""
        return {
            target: tuple(
                s for s in self.statuses if s == target or (s, target) in self.transitions
            )
            for target in self.statuses
        }


@dataclass(frozen=True)
class UpdatePattern:
    name: str
    fields: tuple[AttributeSpec, ...]
    lifecycle: LifecycleSpec | None = None  # set when the update may change the status
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
    | DeletePartitionPattern
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
    lifecycle: LifecycleSpec | None = None

    @property
    def key_attributes(self) -> tuple[AttributeSpec, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    @property
    def model_attributes(self) -> tuple[AttributeSpec, ...]:
        """Attributes that are fields of the model (a lock table has none)."""
        return tuple(a for a in self.attributes if not a.derived) if self.model else ()

    @property
    def writes_in_batches(self) -> bool:
        """The class has a ``batch_retry`` policy: some pattern uses BatchWriteItem."""
        return self.has("batch_put") or self.has("delete_partition")

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
    visibility_timeout_seconds: int = 30
    max_receive_count: int | None = None  # with dead_letter_queue: the redrive policy
    dead_letter_queue: str | None = None


@dataclass(frozen=True)
class BucketSpec:
    name: str
    description: str
    terraform_output: str
    env_var: str
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
