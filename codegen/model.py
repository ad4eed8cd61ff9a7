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

    @property
    def sender_field(self) -> str:
        """The bundle's field holding this queue's sender: ``chunking_sender``."""
        return f"{self.name}_sender"

    @property
    def receiver_field(self) -> str:
        return f"{self.name}_receiver"


@dataclass(frozen=True)
class BucketSpec:
    name: str
    description: str
    terraform_output: str
    env_var: str
    schema_path: str

    @property
    def bundle_field(self) -> str:
        """The bundle's field holding this bucket's name: ``input_bucket``."""
        return f"{self.name}_bucket"


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
    shared_package: str  # cloud-agnostic code: the adapter bundle, the in-memory backend


@dataclass(frozen=True)
class SchemaSpec:
    source: Path  # the schema file
    display_name: str  # how generated headers name it, e.g. "schema/stereo_spot.toml"
    generator: GeneratorSpec
    tables: tuple[TableSpec, ...]
    queues: tuple[QueueSpec, ...]
    buckets: tuple[BucketSpec, ...]

    @property
    def notification_routes(self) -> tuple[NotificationRoute, ...]:
        """Which uploads notify which queue; the in-memory backend delivers these events.

        The schema does not declare bucket notifications yet (Terraform holds
        them); until it does, callers add routes at run time.
        """
        return ()


def pascal(name: str) -> str:
    """``segment_completions`` -> ``SegmentCompletions``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
