"""What a schema file may contain, declared once.

``validate.py`` checks a loaded schema against these declarations, and
``jsonschema.py`` renders them as the JSON Schema editors use, so the two can
never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["string", "integer", "boolean", "string_list"]

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
CLASS_NAME = r"^[A-Z][A-Za-z0-9]*$"
ENV_VAR = r"^[A-Z][A-Z0-9_]*$"
DOTTED_NAME = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
ATTRIBUTE_NAME = r"^[A-Za-z_][A-Za-z0-9_.-]*$"
INDEX_NAME = r"^[A-Za-z0-9_.-]{3,255}$"
# Prose that reaches generated docstrings: one line, no control or line-break characters.
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
# CloudWatch's rule: printable ASCII without a colon, at most 255; "AWS/" is AWS's own.
CLOUDWATCH_NAMESPACE = r"^(?!AWS/)[A-Za-z0-9./#_ -]{1,255}$"
# What a pattern means, for error messages that say what to fix rather than quote a regex.
PATTERN_MEANINGS = {
    ONE_LINE: "must be one line without control characters",
    CLOUDWATCH_NAMESPACE: (
        "must be a CloudWatch namespace: 1-255 letters, digits, spaces and . / # _ -, "
        "not starting with AWS/"
    ),
}


@dataclass(frozen=True)
class Field:
    type: FieldType
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None


GENERATOR_FIELDS: dict[str, Field] = {
    "package": Field(
        "string", "Import package the code is generated into.", True, pattern=DOTTED_NAME
    ),
    "models_module": Field(
        "string", "Module holding the pydantic models and enums.", True, pattern=DOTTED_NAME
    ),
    "errors_module": Field(
        "string",
        "Module holding the error classes (default stereo_spot_shared.errors).",
        pattern=DOTTED_NAME,
    ),
    "python_path": Field(
        "string", "Directory, relative to the schema file, from which models_module is importable."
    ),
    "shared_package": Field(
        "string",
        "Cloud-agnostic package the key layouts, the adapter bundle and the in-memory backend "
        "are generated into (needed when a bucket has layouts).",
        pattern=DOTTED_NAME,
    ),
    "runtime": Field(
        "string",
        "Top-level package of the hand-written AWS runtime the generated code imports "
        "(default stereo_spot_aws_adapters; what it must provide: codegen/runtime.py).",
        pattern=IDENTIFIER,
    ),
    "shared_runtime": Field(
        "string",
        "Top-level package of the cloud-agnostic runtime the generated code imports "
        "(default stereo_spot_shared; what it must provide: codegen/runtime.py).",
        pattern=IDENTIFIER,
    ),
}

STREAM_VIEW_TYPES = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")

TABLE_FIELDS: dict[str, Field] = {
    "description": Field(
        "string", "One line for the generated class docstring.", True, pattern=ONE_LINE
    ),
    "class_name": Field("string", "Name of the generated adapter class.", True, pattern=CLASS_NAME),
    "protocol": Field(
        "string",
        "Dotted path of the Protocol the class satisfies (checked by mypy).",
        pattern=DOTTED_NAME,
    ),
    "model": Field(
        "string",
        "Pydantic model stored as one item; its fields must match `attributes`.",
        pattern=CLASS_NAME,
    ),
    "factory": Field("string", "Name of the env_config factory.", True, pattern=IDENTIFIER),
    "terraform_output": Field(
        "string", "Terraform output holding the table name.", True, pattern=IDENTIFIER
    ),
    "env_var": Field(
        "string", "Environment variable (default: terraform_output in upper case).", pattern=ENV_VAR
    ),
    "hash_key": Field("string", "Partition key attribute.", True, pattern=ATTRIBUTE_NAME),
    "range_key": Field("string", "Sort key attribute.", pattern=ATTRIBUTE_NAME),
    "ttl_attribute": Field(
        "string", "Attribute DynamoDB TTL reads (type N, Unix seconds).", pattern=ATTRIBUTE_NAME
    ),
    "not_found_error": Field(
        "string", "Error class raised when an update addresses a missing item.", pattern=CLASS_NAME
    ),
    "optional": Field(
        "boolean",
        "A deployment may leave the table out: its variable is not in VARIABLES, its factory "
        "returns None when the variable is unset (as the original's inference-invocations "
        "factory does) and the bundle's field may be None.",
    ),
    "stream_view_type": Field(
        "string",
        "The table has a DynamoDB stream with this view (Terraform stream_enabled and "
        "stream_view_type; its ARN is the output <table output without _name>_stream_arn, "
        "variable in upper case). Queues name it in stream_sources, consumers in reads_streams.",
        enum=STREAM_VIEW_TYPES,
    ),
    "storage_only": Field(
        "string_list",
        "Attributes the generated code stores for its own use (index keys, leases, markers), "
        "never model fields: the shared models ignore them in a raw item, and refuse any "
        "other unknown attribute. With a model, every attribute that is neither a key nor a "
        "model field must be listed; without one, all but the keys are storage-only, and a "
        "list, once given, must name them all.",
    ),
}
TABLE_SECTIONS = ("attributes", "indexes", "access_patterns", "lifecycle")

LIFECYCLE_FIELDS: dict[str, Field] = {
    "attribute": Field(
        "string",
        "The model's enum field holding the status; update() guards every change of it.",
        True,
        pattern=ATTRIBUTE_NAME,
    ),
    "failure_status": Field(
        "string", "Status every non-final status may move to; it is final itself.", True
    ),
    "in_progress_attribute": Field(
        "string",
        "Attribute (not a model field) set on every item whose status is not final and "
        "removed otherwise: the key of a sparse index listing the work in progress.",
        pattern=ATTRIBUTE_NAME,
    ),
}
LIFECYCLE_SECTIONS = ("transitions", "retries", "removals")
"""``transitions``: status = [statuses it may move to]; a status with none is final.

``retries``: status = [earlier statuses it may move back to, so a step runs again].
A retry neither starts nor ends the lifecycle: it is allowed, and drawn, beside it.

``removals``: final status = [tombstone statuses it may move to] (``completed =
["deleted"]``): a move out of a final status into another final status that no
transition reaches and that is not the failure status. The tombstone stays final:
no moves from it (not even to the failure status), never in progress.
"""

ATTRIBUTE_TYPES = ("S", "N", "B")

INDEX_FIELDS: dict[str, Field] = {
    "name": Field("string", "Global secondary index name.", True, pattern=INDEX_NAME),
    "hash_key": Field("string", "Index partition key attribute.", True, pattern=ATTRIBUTE_NAME),
    "range_key": Field("string", "Index sort key attribute.", pattern=ATTRIBUTE_NAME),
    "projection": Field(
        "string", "Attributes copied into the index.", True, enum=("ALL", "KEYS_ONLY", "INCLUDE")
    ),
    "non_key_attributes": Field(
        "string_list", "With projection INCLUDE: the projected attributes."
    ),
}

PATTERN_COMMON_FIELDS: dict[str, Field] = {
    "name": Field("string", "Name of the generated method.", True, pattern=IDENTIFIER),
    "kind": Field("string", "Which access pattern to generate.", True),
}

# Each kind's own fields and description live with the kind: codegen/model/kinds/<kind>.py.

DEFAULT_MAX_MESSAGE_BYTES = 262_144
"""A queue's size limit when the schema leaves it out: what Terraform's AWS provider sets."""

QUEUE_FIELDS: dict[str, Field] = {
    "description": Field("string", "One line describing the queue.", True, pattern=ONE_LINE),
    "terraform_output": Field(
        "string", "Terraform output holding the queue URL.", True, pattern=IDENTIFIER
    ),
    "env_var": Field(
        "string", "Environment variable (default: terraform_output in upper case).", pattern=ENV_VAR
    ),
    "wait_time_seconds": Field(
        "integer",
        "Long-polling wait of the generated receiver (default 20).",
        minimum=0,
        maximum=20,
    ),
    "event_source": Field("string", "The queue is fed by S3 event notifications.", enum=("s3",)),
    "payload_model": Field("string", "Model every message body is (JSON).", pattern=CLASS_NAME),
    "stream_sources": Field(
        "string_list",
        "Tables (with stream_view_type) whose stream records the queue is fed, one record per "
        "message body as EventBridge Pipes sends them; the in-memory backend delivers them itself.",
    ),
    "optional": Field(
        "boolean",
        "A deployment may leave the queue out: its variable is not in VARIABLES, the factories "
        "get _or_none forms (None when the variable is unset) and the bundle's fields may be None.",
    ),
    "visibility_timeout_seconds": Field(
        "integer",
        "How long a received message stays hidden (default 30, SQS's); processing() heartbeats "
        "extend it. Drift-checked against Terraform's visibility_timeout_seconds.",
        minimum=1,
        maximum=43200,
    ),
    "heartbeat_margin_seconds": Field(
        "integer",
        "processing() counts a message lost this many seconds before its visibility deadline, "
        "on the worker's monotonic clock (default: a tenth of the timeout, at most 30); at most "
        "a third of visibility_timeout_seconds.",
        minimum=1,
    ),
    "max_receive_count": Field(
        "integer",
        "Receives before a message moves to dead_letter_queue (Terraform's redrive_policy maxReceiveCount).",
        minimum=1,
        maximum=1000,
    ),
    "dead_letter_queue": Field(
        "string",
        "Name of the queue's dead-letter queue (the Terraform aws_sqs_queue resource; needs max_receive_count).",
        pattern=IDENTIFIER,
    ),
    "max_message_bytes": Field(
        "integer",
        "Largest message the queue accepts (SQS MaximumMessageSize; Terraform max_message_size). "
        "Default 262144, the AWS provider's default.",
        minimum=1024,
        maximum=1_048_576,
    ),
}

BUCKET_FIELDS: dict[str, Field] = {
    "description": Field("string", "One line describing the bucket.", True, pattern=ONE_LINE),
    "terraform_output": Field(
        "string", "Terraform output holding the bucket name.", True, pattern=IDENTIFIER
    ),
    "env_var": Field(
        "string", "Environment variable (default: terraform_output in upper case).", pattern=ENV_VAR
    ),
}

BUCKET_SECTIONS = ("layouts",)

LAYOUT_FIELDS: dict[str, Field] = {
    "template": Field(
        "string",
        "The key layout: literal text and {field} or {field:05d} placeholders, e.g. "
        '"segments/{job_id}/{segment_index:05d}.mp4".',
        True,
    ),
    "description": Field(
        "string",
        "One line describing the objects stored under this layout.",
        True,
        pattern=ONE_LINE,
    ),
    "model": Field(
        "string",
        "Model a key parses into; every placeholder is one of its fields.",
        pattern=CLASS_NAME,
    ),
    "uri_field": Field(
        "string",
        "With model: the model field set to the object's s3://bucket/key (the parser takes the bucket).",
        pattern=IDENTIFIER,
    ),
    "notify_queue": Field(
        "string",
        'Queue (event_source = "s3") receiving this layout\'s ObjectCreated notifications.',
        pattern=IDENTIFIER,
    ),
}

CONSUMER_FIELDS: dict[str, Field] = {
    "description": Field("string", "One line: which service this is and what it does.", True),
    "sends_to": Field("string_list", "Queues it sends messages to."),
    "receives_from": Field(
        "string_list", "Queues it receives, deletes and extends the visibility of messages from."
    ),
    "reads": Field(
        "string_list",
        "Key layouts (<bucket>.<layout>) it reads, downloads or presigns downloads of.",
    ),
    "writes": Field(
        "string_list",
        "Key layouts (<bucket>.<layout>) it uploads itself (managed transfers, multipart included).",
    ),
    "reads_streams": Field(
        "string_list",
        "Tables whose DynamoDB stream it reads (a pipe's role): DescribeStream, GetRecords, "
        "GetShardIterator on the stream, ListStreams.",
    ),
    "presigned_uploads": Field(
        "string_list",
        "Key layouts (<bucket>.<layout>) it only hands out presigned upload URLs for "
        "(one PUT each, signed with its credentials): PutObject and nothing else.",
    ),
}
CONSUMER_SECTIONS = ("tables",)

TOP_LEVEL_SECTIONS = ("generator", "tables", "queues", "buckets", "consumers")
