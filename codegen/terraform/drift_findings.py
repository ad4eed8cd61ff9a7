"""What the drift check reports: findings, each naming a place on both sides."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from .hcl_eval import UnverifiableKind

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
    "stream-mismatch",  # a table's stream (stream_enabled, stream_view_type) differs
    "stream-output",  # a stream's ARN output is missing or not the table's stream_arn
    "policy-missing",  # a schema consumer has no IAM policy document
    "policy-extra",  # a consumer_* policy document names no schema consumer
    "grant-missing",  # the schema grants a consumer an action on a resource; Terraform does not
    "grant-extra",  # Terraform grants a consumer an action on a resource the schema does not
    "visibility-mismatch",  # a queue's visibility_timeout_seconds differs
    "redrive-mismatch",  # a queue's redrive_policy (dead-letter queue, maxReceiveCount) differs
    "queue-size-mismatch",  # a queue's max_message_size differs from max_message_bytes
    "notification-missing",  # a layout's notify_queue has no matching bucket notification
    "notification-extra",  # a bucket notification to a schema queue matches no layout
    "notification-filter-mismatch",  # a notification's filter_prefix / filter_suffix differs
    "notification-events",  # a notification's events miss a way objects are written, or add others
    "pipe-missing",  # a queue's stream_sources table has no aws_pipes_pipe into the queue
    "pipe-extra",  # a pipe into a schema queue carries a stream its stream_sources do not list
    "pipe-role",  # a pipe's role does not carry the policy of the consumer that reads its stream
    "policy-detached",  # a consumer's aws_iam_policy does not use its checked policy document
    "role-extra-policy",  # a consumer's role has another policy: its grant is not the schema's
    "unverifiable",  # an expression drift cannot evaluate: nothing was compared there
]


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
    unverifiable: UnverifiableKind | None = None  # why, for kind "unverifiable"

    def render(self) -> str:
        kind = f"{self.kind}: {self.unverifiable}" if self.unverifiable else self.kind
        return (
            f"[{kind}] {self.message}\n"
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


def quoted(value: str | None) -> str:
    """A value as findings show it: a JSON string, or ``(none)``."""
    return "(none)" if value is None else json.dumps(value)
