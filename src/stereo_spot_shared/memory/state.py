"""The data one in-memory backend holds: tables, queues, buckets, and their single lock.

Every adapter of one bundle shares one ``MemoryState``; two bundles never share
data. One re-entrant lock guards everything, so each method is atomic the way
a single DynamoDB, SQS or S3 request is, and a condition variable wakes
receivers waiting for messages.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import MissingResourceError
from ..message_attributes import MessageAttributeValue
from ..s3_events import test_event
from .streams import StreamRoute, stream_record

Record = dict[str, Any]
"""One stored item: attribute name to plain value (``str``, ``int`` or ``bytes``)."""

DEFAULT_VISIBILITY_TIMEOUT = 30
"""Seconds a received message stays hidden, as on an SQS queue created with defaults."""

_STATES: weakref.WeakValueDictionary[str, MemoryState] = weakref.WeakValueDictionary()


@dataclass(frozen=True)
class NotificationRoute:
    """Objects created in ``bucket`` under ``prefix`` and ending in ``suffix`` notify ``queue``."""

    bucket: str
    queue: str
    prefix: str = ""
    suffix: str = ""

    def matches(self, bucket: str, key: str) -> bool:
        return bucket == self.bucket and key.startswith(self.prefix) and key.endswith(self.suffix)


class MemoryState:
    """Tables, queues and buckets of one in-memory backend.

    ``clock`` returns Unix seconds (``time.time`` by default); replace it to
    test TTLs, leases and visibility timeouts without waiting.
    """

    def __init__(
        self,
        *,
        queues: Iterable[str] = (),
        buckets: Iterable[str] = (),
        routes: Iterable[NotificationRoute] = (),
        streams: Iterable[StreamRoute] = (),
        clock: Callable[[], float] = time.time,
        visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT,
        region: str = "memory",
    ) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.clock = clock
        self.region = region
        self.visibility_timeout = visibility_timeout
        self.tables: dict[str, dict[tuple[object, ...], Record]] = {}
        self.queues: dict[str, dict[str, QueuedMessage]] = {name: {} for name in queues}
        self.buckets: dict[str, dict[str, StoredObject]] = {name: {} for name in buckets}
        self.routes: list[NotificationRoute] = list(routes)
        self.streams: tuple[StreamRoute, ...] = tuple(streams)
        self._sequence_number = 0
        self.id = uuid.uuid4().hex
        _STATES[self.id] = self

    def now(self) -> int:
        """Whole Unix seconds, the resolution DynamoDB conditions compare."""
        return int(self.clock())

    def table(self, name: str) -> dict[tuple[object, ...], Record]:
        with self.lock:
            return self.tables.setdefault(name, {})

    def bucket(self, name: str) -> dict[str, StoredObject]:
        """A declared bucket's objects; an undeclared name is a ``MissingResourceError``."""
        objects = self.buckets.get(name)
        if objects is None:
            raise _missing("S3 bucket", name, "s3", "NoSuchBucket", self.buckets)
        return objects

    def queue(self, name: str) -> dict[str, QueuedMessage]:
        """A declared queue's messages by id, in the order they were sent."""
        messages = self.queues.get(name)
        if messages is None:
            raise _missing(
                "SQS queue", name, "sqs", "AWS.SimpleQueueService.NonExistentQueue", self.queues
            )
        return messages

    def enqueue(
        self,
        queue: str,
        body: str | bytes,
        size: int,
        attributes: Mapping[str, MessageAttributeValue] | None = None,
        stable_id: str | None = None,
    ) -> str:
        """Put one message on ``queue``, visible at once; returns its message id."""
        message_id = str(uuid.uuid4())
        message = QueuedMessage(
            message_id,
            body,
            size,
            visible_at=self.clock(),
            attributes=dict(attributes or {}),
            stable_id=stable_id or message_id,
        )
        with self.changed:
            self.queue(queue)[message.message_id] = message
            self.changed.notify_all()
        return message.message_id

    def record_change(
        self,
        table: str,
        key_attributes: Sequence[str],
        old: Mapping[str, Any] | None,
        new: Mapping[str, Any] | None,
    ) -> None:
        """Put the stream record of one item's change on every queue its table's stream feeds.

        Called by ``MemoryTable`` with the lock held, so records reach the queue
        in the order of the writes.
        """
        for route in self.streams:
            if route.table != table:
                continue
            self._sequence_number += 1
            body = stream_record(
                route,
                key_attributes,
                old,
                new,
                sequence_number=self._sequence_number,
                now=self.clock(),
                region=self.region,
            )
            self.enqueue(route.queue, body, len(body.encode("utf-8")))

    def route_notifications(
        self, bucket: str, queue: str, *, prefix: str = "", suffix: str = ""
    ) -> None:
        """Send an S3 ``ObjectCreated`` notification to ``queue`` for matching uploads.

        What configuring a bucket notification does on AWS, including the
        ``s3:TestEvent`` S3 sends to the queue at once; routes declared in the
        schema are in place when the backend is built.
        """
        self.bucket(bucket)
        self.queue(queue)
        with self.lock:
            self.routes.append(NotificationRoute(bucket, queue, prefix, suffix))
            event = test_event(bucket)
            self.enqueue(queue, event, len(event.encode("utf-8")))

    def __repr__(self) -> str:
        return f"MemoryState(id={self.id[:8]!r}, queues={sorted(self.queues)!r}, buckets={sorted(self.buckets)!r})"


@dataclass
class QueuedMessage:
    """One message on a queue; ``receipt_handle`` is the latest one handed out."""

    message_id: str
    body: str | bytes
    size: int
    visible_at: float
    receive_count: int = 0
    receipt_handle: str = ""
    attributes: dict[str, MessageAttributeValue] = field(default_factory=dict)
    """The sender's message attributes (trace context included), delivered with the body."""
    stable_id: str = ""
    """The producer's id for the message (``QueueMessage.stable_id``)."""


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    content_type: str
    etag: str


def _missing(
    kind: str, name: str, service: str, code: str, known: Iterable[str]
) -> MissingResourceError:
    """What the AWS adapters raise for a resource that does not exist, with the same code."""
    return MissingResourceError(
        f"{kind} {name!r} does not exist in this in-memory backend "
        f"(it has: {', '.join(sorted(known)) or 'none'}); the schema declares its resources",
        action=f"{service}:*",
        resource=f"{kind} {name!r}",
        code=code,
    )


def state_by_id(state_id: str) -> MemoryState | None:
    """The live state a presigned ``memory://`` URL names, if it still exists."""
    return _STATES.get(state_id)
