"""A received queue message and the body types a queue carries.

Its own module, below ``interfaces``, ``processing`` and ``tracing``, which all
use it; import it from ``stereo_spot_shared.interfaces`` as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .message_attributes import MessageAttributeValue

MessageBody = str | bytes


@dataclass(frozen=True)
class QueueMessage:
    """One received message; ``body`` has the type it was sent with.

    ``QueueMessage(receipt_handle, body)`` is all a test needs to build one;
    the rest are keywords a backend fills in on receive. ``attributes`` holds
    the message attributes the producer sent (a trace context among them) and,
    on SQS, the ``AWSTraceHeader`` system attribute when present.

    ``stable_id`` is the id the producer gave the message when ``send`` or
    ``send_batch`` was called: every copy of it carries the same one (a resend
    after a lost response, a redelivery, a move to the dead-letter queue and
    back), so a consumer that must act once deduplicates on it. Messages from
    other producers have their SQS message id there.
    """

    receipt_handle: str
    body: MessageBody
    message_id: str = field(default="", kw_only=True)
    receive_count: int = field(default=1, kw_only=True)
    attributes: Mapping[str, MessageAttributeValue] = field(default_factory=dict, kw_only=True)
    stable_id: str = field(default="", kw_only=True)
    received_at: float | None = field(default=None, kw_only=True, compare=False)
    """When the ``receive`` that returned it was sent, on ``time.monotonic``: its visibility
    deadline counts from then (``processing``). ``None`` for a message built by hand."""
