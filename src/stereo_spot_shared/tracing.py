"""Trace context across queues, when OpenTelemetry is installed (the ``otel`` extra).

A sender calls ``with_trace_context`` on a message's attributes: the current
context goes in under the propagator's own names (``traceparent`` and
``tracestate`` with the default W3C propagator). A consumer wraps its work in
``continue_trace(message, name)`` -- ``receiver.processing(message)`` does it
for you -- a CONSUMER span whose parent is the producer's span, so one trace
runs from the web UI through every queue.

Without ``opentelemetry-api`` installed both do nothing and nothing is
imported; with it installed, it is imported on first use, never at import.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .message_attributes import MessageAttributeValue, check_attributes

if TYPE_CHECKING:
    from opentelemetry.trace import Span

    from .queue_message import QueueMessage

logger = logging.getLogger(__name__)

TRACER_NAME = "stereo_spot"


@cache
def _opentelemetry() -> Any | None:
    """The OpenTelemetry API modules, or ``None`` when the extra is not installed."""
    try:
        from opentelemetry import propagate, trace
    except ImportError:
        return None
    return SimpleNamespace(propagate=propagate, trace=trace)


def tracing_available() -> bool:
    """Whether ``opentelemetry-api`` is installed (``pip install stereo-spot-aws-adapters[otel]``)."""
    return _opentelemetry() is not None


def with_trace_context(
    attributes: Mapping[str, MessageAttributeValue], *, limit: int
) -> dict[str, MessageAttributeValue]:
    """``attributes`` plus the current trace context, if any and if it fits in ``limit``.

    A message carries a limited number of attributes; when the context does
    not fit beside the caller's, the message is sent without it (a WARNING
    says so) rather than refused.
    """
    result = dict(attributes)
    otel = _opentelemetry()
    if otel is None:
        return result
    carrier: dict[str, str] = {}
    otel.propagate.inject(carrier)
    if not carrier:  # no active span: nothing to continue
        return result
    merged = {**result, **carrier}
    if len(merged) > limit:
        logger.warning(
            "trace context not propagated: %d attributes plus %s would exceed %d",
            len(result),
            sorted(carrier),
            limit,
            extra={"attribute_count": len(result), "trace_fields": sorted(carrier)},
        )
        return result
    try:
        check_attributes(carrier)
    except (TypeError, ValueError) as error:
        logger.warning("trace context not propagated: %s", error)
        return result
    return merged


def trace_carrier(attributes: Mapping[str, MessageAttributeValue]) -> dict[str, str]:
    """The string attributes, where a propagator looks for a context."""
    return {name: value for name, value in attributes.items() if isinstance(value, str)}


@contextmanager
def continue_trace(message: QueueMessage, name: str) -> Iterator[Span | None]:
    """Run the block in a CONSUMER span that continues the message's trace.

    The span's parent is the context the producer sent in the message's
    attributes; a message without one starts a new trace (or continues the
    current one). Yields the span, or ``None`` without OpenTelemetry.
    """
    with continue_traces([message], name) as span:
        yield span


@contextmanager
def continue_traces(messages: Sequence[QueueMessage], name: str) -> Iterator[Span | None]:
    """``continue_trace`` for the messages of one batch, processed together.

    One message: its producer's span is the parent. Several: the span is a
    child of the current context and links to each producer's span, as the
    OpenTelemetry messaging conventions do for batches. No messages: no span.
    """
    otel = _opentelemetry()
    if otel is None or not messages:
        yield None
        return
    contexts = [otel.propagate.extract(trace_carrier(m.attributes)) for m in messages]
    attributes: dict[str, str | int] = {"messaging.operation.type": "process"}
    parent, links = None, []
    if len(messages) == 1:
        parent = contexts[0]
        if messages[0].message_id:
            attributes["messaging.message.id"] = messages[0].message_id
    else:
        attributes["messaging.batch.message_count"] = len(messages)
        producers = [otel.trace.get_current_span(c).get_span_context() for c in contexts]
        links = [otel.trace.Link(p) for p in producers if p.is_valid]
    with otel.trace.get_tracer(TRACER_NAME).start_as_current_span(
        name,
        context=parent,
        kind=otel.trace.SpanKind.CONSUMER,
        attributes=attributes,
        links=links,
    ) as span:
        yield span


def tracing_active() -> bool:
    """Whether spans would be recorded: OpenTelemetry installed and a tracer provider set.

    Without a provider (an SDK's) every span is a no-op, so ``processing()``
    skips opening one. Asked on each block: a provider may be set at any time.
    """
    otel = _opentelemetry()
    if otel is None:
        return False
    provider = otel.trace.get_tracer_provider()
    return not isinstance(provider, (otel.trace.ProxyTracerProvider, otel.trace.NoOpTracerProvider))


__all__ = [
    "TRACER_NAME",
    "continue_trace",
    "trace_carrier",
    "tracing_active",
    "tracing_available",
    "with_trace_context",
]
