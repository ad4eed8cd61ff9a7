"""The two bundles the lockstep machine drives, and how to read each one's stored state.

``memory`` is the in-memory backend; ``aws`` is the AWS adapters against moto
in-process (or against ``$STEREO_SPOT_TEST_ENDPOINT`` when that is set). Both
share one ``Clock``: the memory state reads it, the AWS lock adapter reads it,
and moto's SQS model reads it for visibility timeouts and receive counts, so
advancing it moves time for both backends at once.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters.devtools.provision import provision, teardown
from stereo_spot_aws_adapters.sqs import SQSQueueReceiver
from stereo_spot_shared import Adapters, adapters_from_env
from stereo_spot_shared.interfaces import QueueReceiver
from stereo_spot_shared.memory import MemoryQueueReceiver, MemoryState

ENDPOINT_VARIABLE = "STEREO_SPOT_TEST_ENDPOINT"
REGION = "us-east-1"
OWNER = "owner-a"
START = 1_800_000_000.0

TABLES = ("jobs", "segment_completions", "reassembly_triggered")
QUEUES = ("chunking", "video_worker", "reassembly")
DEAD_LETTER_QUEUES = {queue: f"{queue}_dlq" for queue in QUEUES}
BUCKETS = ("input", "output")


class Clock:
    """Unix seconds that move only when the machine says so."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self._ticks = 0

    def __call__(self) -> float:
        return self.now

    def millis(self) -> float:
        """For moto: ``now`` plus a microsecond per reading.

        moto makes a message visible once its clock is strictly past the
        message's ``visible_at``; a frozen clock never is, so a visibility of 0
        would never expire there. Real time always moves on a little.
        """
        self._ticks += 1
        return self.now * 1000 + self._ticks / 1000


@dataclass
class Side:
    """One backend: its bundle, its dead-letter receivers, and its names for every resource."""

    name: str
    adapters: Adapters
    dead_letters: dict[str, QueueReceiver]
    names: dict[str, str]  # schema name -> this backend's name (table name, queue URL, bucket)
    read_tables: Callable[[], dict[str, list[dict[str, Any]]]]
    read_queues: Callable[[], dict[str, tuple[int, int]]]  # queue -> (visible, in flight)
    read_buckets: Callable[[], dict[str, dict[str, bytes]]]
    close: Callable[[], None] = lambda: None
    reset: Callable[[], None] = lambda: None

    def neutral(self, text: str, memory: Side) -> str:
        """``text`` with this backend's resource names spelled as the memory backend spells them."""
        if self is memory:
            return text
        # Longest first: a queue URL contains its name, and "chunking_dlq" contains "chunking".
        for key, value in sorted(self.names.items(), key=lambda kv: -len(kv[1])):
            text = text.replace(value, memory.names[key])
        return text


def memory_side(clock: Clock) -> Side:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("STORAGE_ADAPTER", "memory")
        adapters = adapters_from_env(wait_time_seconds=0)
    state = adapters.objects.state  # type: ignore[attr-defined]
    assert isinstance(state, MemoryState)
    state.clock = clock
    lock = adapters.reassembly_triggered
    lock.clock = lambda: int(clock())  # type: ignore[attr-defined]
    lock.owner_id = OWNER  # type: ignore[attr-defined]
    names = {table: table for table in TABLES}
    names.update(
        {q: f"memory://{state.id}/queues/{q}" for q in (*QUEUES, *DEAD_LETTER_QUEUES.values())}
    )
    names.update({bucket: bucket for bucket in BUCKETS})

    def read_tables() -> dict[str, list[dict[str, Any]]]:
        with state.lock:
            return {t: _sorted_records(state.table(t).values()) for t in TABLES}

    def read_queues() -> dict[str, tuple[int, int]]:
        with state.lock:
            now = clock()
            counts = {}
            for queue in (*QUEUES, *DEAD_LETTER_QUEUES.values()):
                messages = state.queue(queue).values()
                visible = sum(1 for m in messages if m.visible_at <= now)
                counts[queue] = (visible, len(messages) - visible)
            return counts

    def read_buckets() -> dict[str, dict[str, bytes]]:
        with state.lock:
            return {b: {k: o.body for k, o in state.bucket(b).items()} for b in BUCKETS}

    dead_letters: dict[str, QueueReceiver] = {
        queue: MemoryQueueReceiver(state, dlq, wait_time_seconds=0, visibility_timeout_seconds=30)
        for queue, dlq in DEAD_LETTER_QUEUES.items()
    }
    return Side("memory", adapters, dead_letters, names, read_tables, read_queues, read_buckets)


@contextlib.contextmanager
def _moto(clock: Clock) -> Iterator[None]:
    """moto in-process, its SQS model on ``clock`` (visibility, receive counts, redrive)."""
    from moto import mock_aws
    from moto.sqs import models as sqs_models

    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        monkeypatch.setattr(sqs_models, "unix_time", lambda dt=None: clock.millis() / 1000)
        monkeypatch.setattr(sqs_models, "unix_time_millis", lambda dt=None: clock.millis())
        yield


def aws_side(clock: Clock, endpoint: str | None) -> Side:
    """The AWS adapters on freshly provisioned resources (moto when ``endpoint`` is None)."""
    stack = contextlib.ExitStack()
    if endpoint is None:
        stack.enter_context(_moto(clock))
    monkeypatch = stack.enter_context(pytest.MonkeyPatch.context())
    if endpoint is not None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    prefix = f"diff-{uuid.uuid4().hex[:8]}"
    environment = provision(prefix=prefix, region_name=REGION, endpoint_url=endpoint)
    stack.callback(teardown, environment, region_name=REGION, endpoint_url=endpoint)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("STORAGE_ADAPTER", "aws")
    adapters = adapters_from_env(wait_time_seconds=0)
    lock = adapters.reassembly_triggered
    lock.clock = lambda: int(clock())  # type: ignore[attr-defined]
    lock.owner_id = OWNER  # type: ignore[attr-defined]
    dynamodb = get_client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    sqs = get_client("sqs", region_name=REGION, endpoint_url=endpoint)
    s3 = get_client("s3", region_name=REGION, endpoint_url=endpoint)
    names = {
        "jobs": environment["JOBS_TABLE_NAME"],
        "segment_completions": environment["SEGMENT_COMPLETIONS_TABLE_NAME"],
        "reassembly_triggered": environment["REASSEMBLY_TRIGGERED_TABLE_NAME"],
        "input": adapters.input_bucket,
        "output": adapters.output_bucket,
    }
    for queue in QUEUES:
        names[queue] = environment[f"{queue.upper()}_QUEUE_URL"]
        dlq = DEAD_LETTER_QUEUES[queue]
        names[dlq] = sqs.get_queue_url(QueueName=f"{prefix}-{dlq.replace('_', '-')}")["QueueUrl"]
    # Provisioning routes S3 notifications, and S3 sends a test event to each routed
    # queue; the memory backend starts with its routes in place and no test events.
    for queue in QUEUES:
        sqs.purge_queue(QueueUrl=names[queue])

    def read_tables() -> dict[str, list[dict[str, Any]]]:
        tables = {}
        for table in TABLES:
            items: list[dict[str, Any]] = []
            for page in dynamodb.get_paginator("scan").paginate(
                TableName=names[table], ConsistentRead=True
            ):
                items.extend({k: _plain(v) for k, v in item.items()} for item in page["Items"])
            tables[table] = _sorted_records(items)
        return tables

    def read_queues() -> dict[str, tuple[int, int]]:
        counts = {}
        for queue in (*QUEUES, *DEAD_LETTER_QUEUES.values()):
            attributes = sqs.get_queue_attributes(
                QueueUrl=names[queue],
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            counts[queue] = (
                int(attributes["ApproximateNumberOfMessages"]),
                int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            )
        return counts

    def read_buckets() -> dict[str, dict[str, bytes]]:
        buckets = {}
        for bucket in BUCKETS:
            objects = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=names[bucket]):
                for entry in page.get("Contents", []):
                    body = s3.get_object(Bucket=names[bucket], Key=entry["Key"])["Body"].read()
                    objects[entry["Key"]] = body
            buckets[bucket] = objects
        return buckets

    def reset() -> None:
        """Empty every table, queue and bucket: a new example on the same resources."""
        keys = {"jobs": ("job_id",), "segment_completions": ("job_id", "segment_index")}
        for table in TABLES:
            key_names = keys.get(table, ("job_id",))
            for page in dynamodb.get_paginator("scan").paginate(TableName=names[table]):
                for item in page["Items"]:
                    key = {name: item[name] for name in key_names}
                    dynamodb.delete_item(TableName=names[table], Key=key)  # type: ignore[arg-type]
        for queue in (*QUEUES, *DEAD_LETTER_QUEUES.values()):
            sqs.purge_queue(QueueUrl=names[queue])
        for bucket in BUCKETS:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=names[bucket]):
                for entry in page.get("Contents", []):
                    s3.delete_object(Bucket=names[bucket], Key=entry["Key"])

    dead_letters: dict[str, QueueReceiver] = {
        queue: SQSQueueReceiver(
            names[dlq], wait_time_seconds=0, client=sqs, visibility_timeout_seconds=30
        )
        for queue, dlq in DEAD_LETTER_QUEUES.items()
    }
    return Side(
        "aws" if endpoint is None else "endpoint",
        adapters,
        dead_letters,
        names,
        read_tables,
        read_queues,
        read_buckets,
        close=stack.close,
        reset=reset,
    )


def _plain(value: Mapping[str, Any]) -> Any:
    ((kind, inner),) = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        number = Decimal(inner)
        return int(number) if number == number.to_integral_value() else number
    if kind == "B":
        return bytes(inner)
    raise AssertionError(f"unexpected attribute type {kind}")


def _sorted_records(records: Any) -> list[dict[str, Any]]:
    return sorted((dict(r) for r in records), key=repr)


def endpoint() -> str | None:
    return os.environ.get(ENDPOINT_VARIABLE) or None
