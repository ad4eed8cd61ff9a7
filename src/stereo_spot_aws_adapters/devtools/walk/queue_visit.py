"""Reading a live queue during the walk without harming other services' messages."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from stereo_spot_shared._messages import MAX_BATCH_ENTRIES, MAX_VISIBILITY_TIMEOUT
from stereo_spot_shared.errors import MalformedEventError
from stereo_spot_shared.s3_events import S3ObjectRef

from ..._clients import get_client
from ..dead_letters import redrive_policy
from .runner import Walk, WalkError

if TYPE_CHECKING:
    from stereo_spot_shared.interfaces import QueueMessage, QueueReceiver


class QueueVisit:
    """One step's reading of a live queue that leaves other services' messages as they were.

    SQS cannot filter before it delivers, and every delivery counts toward the
    queue's ``maxReceiveCount``: a message received often enough goes to the
    dead-letter queue, whatever the receiver did with it. Making a foreign
    message visible again at once (the old way) let the next poll receive it
    again, once a second, until it was dead-lettered under a live worker.

    So a foreign message is received at most once per visit: it is kept hidden
    from this visit's own polls and made visible again, all at once, when the
    visit ends. Smoke reads each queue in one step, so a foreign message costs
    at most one delivery per smoke run. A queue that dead-letters on the first
    delivery (``maxReceiveCount`` 1) is not read at all, and a foreign message
    that smoke's delivery brought to ``maxReceiveCount`` (its next receive will
    dead-letter it) fails the step, naming it, instead of passing silently.
    """

    def __init__(
        self, receiver: QueueReceiver, hold_seconds: int, max_receive_count: int | None
    ) -> None:
        self.receiver = receiver
        self.hold_seconds = hold_seconds
        self.max_receive_count = max_receive_count
        self.held: dict[str, QueueMessage] = {}

    @classmethod
    @contextlib.contextmanager
    def open(cls, walk: Walk, receiver: QueueReceiver, seconds: float) -> Iterator[QueueVisit]:
        queue_url = str(getattr(receiver, "queue_url", receiver))
        limit = max_receive_count(walk, queue_url)
        if limit is not None and limit <= 1:
            raise WalkError(
                f"{queue_url} dead-letters a message on its first delivery "
                "(maxReceiveCount 1): reading it would move other services' messages to the "
                "dead-letter queue, so the walk does not read it"
            )
        # Hidden past the end of the visit, so this visit never receives them twice.
        visit = cls(receiver, min(MAX_VISIBILITY_TIMEOUT, math.ceil(seconds) + 60), limit)
        try:
            yield visit
        finally:
            at_risk = visit.release()
        if at_risk:
            raise WalkError(
                f"{len(at_risk)} message(s) of other services on {queue_url} "
                f"reached maxReceiveCount {limit} with this walk's delivery and will go to the "
                f"dead-letter queue on their next receive: {', '.join(at_risk)}"
            )

    def hold(self, message: QueueMessage) -> None:
        """Keep a foreign message hidden from this visit; ``release`` returns it."""
        if message.message_id not in self.held:
            self.held[message.message_id] = message
            self.receiver.change_visibility(message.receipt_handle, self.hold_seconds)

    def release(self) -> list[str]:
        """Make every held message visible again; the ids of those at their last delivery."""
        for message in self.held.values():
            self.receiver.change_visibility(message.receipt_handle, 0)
        limit = self.max_receive_count
        return [
            message_id
            for message_id, message in self.held.items()
            if limit is not None and message.receive_count >= limit
        ]

    def summary(self) -> str:
        if not self.held:
            return ""
        return f"; {len(self.held)} message(s) of others received once each and made visible again"


def max_receive_count(walk: Walk, queue_url: str) -> int | None:
    """The queue's redrive ``maxReceiveCount``, or ``None`` without a dead-letter queue."""
    if walk.adapters.backend != "aws":
        return None  # only SQS queues have a redrive policy to read
    policy = redrive_policy(get_client("sqs"), queue_url)
    return None if policy is None else int(policy["maxReceiveCount"])


def collect(
    visit: QueueVisit,
    parse: Callable[[str | bytes], list[S3ObjectRef]],
    wanted: set[str],
    wait_seconds: float,
) -> dict[str, tuple[QueueMessage, S3ObjectRef]]:
    """Receive until a message has arrived for every wanted key, or the time is up.

    Messages about other objects belong to someone else (a deployed stack has
    real workers): ``visit`` holds them and gives them back, never deletes them.
    """
    found: dict[str, tuple[QueueMessage, S3ObjectRef]] = {}
    deadline = time.monotonic() + wait_seconds
    while wanted - found.keys() and time.monotonic() < deadline:
        for message in visit.receiver.receive(max_messages=MAX_BATCH_ENTRIES):
            try:
                refs = [ref for ref in parse(message.body) if ref.key in wanted]
            except MalformedEventError:
                refs = []
            if not refs:
                visit.hold(message)
            elif refs[0].key in found:
                visit.receiver.delete(message.receipt_handle)  # a duplicate delivery of ours
            else:
                found[refs[0].key] = (message, refs[0])
    return found
