"""Trace context across queues: one trace from the web UI to the video worker.

The web UI runs in its own process: it starts a span, sends to the chunking
queue on moto's server and exits. This process is the chunking worker and the
video worker: each continues the trace from the message it received. Every
span is checked with the OpenTelemetry SDK's in-memory exporter.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from stereo_spot_aws_adapters import SQSQueueReceiver, SQSQueueSender
from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_shared.generated.memory_backend import build_adapters as build_memory_adapters
from stereo_spot_shared.interfaces import QueueMessage
from stereo_spot_shared.message_attributes import MessageAttributeValue
from stereo_spot_shared.tracing import continue_trace

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

WEB_UI = textwrap.dedent(
    """
    import json, sys
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from stereo_spot_aws_adapters import SQSQueueSender

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    with trace.get_tracer("web-ui").start_as_current_span("POST /jobs") as span:
        SQSQueueSender(sys.argv[1]).send('{"job_id": "j1"}', attributes={"job_id": "j1"})
    context = span.get_span_context()
    [finished] = exporter.get_finished_spans()
    print(json.dumps({"trace_id": context.trace_id, "span_id": context.span_id,
                      "name": finished.name}))
    """
)


@pytest.fixture(scope="session")
def exporter() -> InMemorySpanExporter:
    """This process's tracer provider (set once: OpenTelemetry allows no second)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter.clear()
    yield exporter
    exporter.clear()


def make_queue(name: str) -> str:
    return get_client("sqs").create_queue(QueueName=name)["QueueUrl"]


def receive_one(queue_url: str) -> SQSQueueReceiver:
    return SQSQueueReceiver(queue_url, wait_time_seconds=1)


def span_named(exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    [span] = [s for s in exporter.get_finished_spans() if s.name == name]
    return span


def test_trace_runs_from_web_ui_process_through_two_queues(
    endpoint_env: str, spans: InMemorySpanExporter
) -> None:
    chunking_queue = make_queue("chunking")
    video_queue = make_queue("video-worker")

    web_ui = subprocess.run(
        [sys.executable, "-c", WEB_UI, chunking_queue],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=dict(os.environ),
        check=False,
    )
    assert web_ui.returncode == 0, web_ui.stderr
    producer = json.loads(web_ui.stdout)
    assert producer["name"] == "POST /jobs"

    # The chunking worker: continue the web UI's trace, send work on.
    [chunking_message] = receive_one(chunking_queue).receive()
    assert chunking_message.attributes["job_id"] == "j1"
    assert "traceparent" in chunking_message.attributes
    with continue_trace(chunking_message, "chunking process") as span:
        assert span is not None
        SQSQueueSender(video_queue).send("segment 0")

    # The video worker: continue it once more.
    [video_message] = receive_one(video_queue).receive()
    with continue_trace(video_message, "video-worker process"):
        pass

    chunking = span_named(spans, "chunking process")
    video = span_named(spans, "video-worker process")
    assert chunking.context is not None and video.context is not None
    assert chunking.parent is not None and video.parent is not None
    assert chunking.context.trace_id == producer["trace_id"]
    assert chunking.parent.span_id == producer["span_id"]
    assert chunking.parent.is_remote
    assert video.context.trace_id == producer["trace_id"]
    assert video.parent.span_id == chunking.context.span_id
    assert chunking.kind == trace.SpanKind.CONSUMER
    assert chunking.attributes is not None
    assert chunking.attributes["messaging.message.id"] == chunking_message.message_id


def test_no_active_span_sends_no_context(endpoint_env: str, spans: InMemorySpanExporter) -> None:
    queue = make_queue("untraced")
    SQSQueueSender(queue).send("body")
    [message] = receive_one(queue).receive()
    assert message.attributes == {}
    # The consumer's span then starts a trace of its own.
    with continue_trace(message, "process"):
        pass
    assert span_named(spans, "process").parent is None


def test_context_is_added_only_while_it_fits_the_attribute_limit(
    endpoint_env: str, spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    queue = make_queue("crowded")
    sender = SQSQueueSender(queue)
    eight: dict[str, MessageAttributeValue] = {f"k{i}": i for i in range(8)}
    nine: dict[str, MessageAttributeValue] = {**eight, "k8": 8}

    with (
        trace.get_tracer("test").start_as_current_span("producer"),
        caplog.at_level(logging.WARNING, logger="stereo_spot_shared"),
    ):
        sender.send("room for it", attributes=eight)
        sender.send("no room", attributes=nine)

    received = {m.body: m for m in receive_one(queue).receive(max_messages=10)}
    while len(received) < 2:
        received.update({m.body: m for m in receive_one(queue).receive(max_messages=10)})
    assert set(received["room for it"].attributes) == {*eight, "traceparent"}
    assert dict(received["no room"].attributes) == nine
    [warning] = [r for r in caplog.records if r.name == "stereo_spot_shared.tracing"]
    assert "9 attributes plus ['traceparent'] would exceed 9" in warning.getMessage()


BLOCKED = textwrap.dedent(
    """
    import sys

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "opentelemetry":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    from moto import mock_aws
    from stereo_spot_aws_adapters import SQSQueueReceiver, SQSQueueSender
    from stereo_spot_shared.tracing import continue_trace, tracing_available

    with mock_aws():
        import boto3
        url = boto3.client("sqs").create_queue(QueueName="q")["QueueUrl"]
        SQSQueueSender(url).send("body", attributes={"k": "v"})
        [message] = SQSQueueReceiver(url, wait_time_seconds=0).receive()
        with continue_trace(message, "process") as span:
            pass
    loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
    print(message.body, dict(message.attributes), span, tracing_available(), loaded)
    """
)


def test_without_opentelemetry_nothing_changes_and_nothing_is_imported() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=dict(os.environ),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "body {'k': 'v'} None False []"


def test_importing_the_packages_does_not_import_opentelemetry() -> None:
    code = (
        "import sys, stereo_spot_aws_adapters, stereo_spot_shared, stereo_spot_shared.tracing;"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_processing_continues_the_producers_trace(
    endpoint_env: str, spans: InMemorySpanExporter
) -> None:
    queue = make_queue("video-worker")
    with trace.get_tracer("web-ui").start_as_current_span("POST /jobs") as producer:
        SQSQueueSender(queue).send("segment 0")
    receiver = SQSQueueReceiver(queue, wait_time_seconds=1, visibility_timeout_seconds=30)
    [message] = receiver.receive()

    with (
        receiver.processing(message),
        trace.get_tracer("video-worker").start_as_current_span("convert"),
    ):
        pass

    process = span_named(spans, "video-worker process")
    convert = span_named(spans, "convert")
    assert process.context is not None and process.parent is not None
    assert process.context.trace_id == producer.get_span_context().trace_id
    assert process.parent.span_id == producer.get_span_context().span_id
    # Work inside the block is a child of the consumer span.
    assert convert.parent is not None and convert.parent.span_id == process.context.span_id


def test_the_memory_backend_carries_the_trace_too(spans: InMemorySpanExporter) -> None:
    adapters = build_memory_adapters(wait_time_seconds=0)
    with trace.get_tracer("web-ui").start_as_current_span("POST /jobs") as producer:
        adapters.video_worker_sender.send("segment 0")
    receiver = adapters.video_worker_receiver
    [message] = receiver.receive()
    assert "traceparent" in message.attributes

    with receiver.processing(message):
        pass

    process = span_named(spans, "video_worker process")
    assert process.context is not None and process.parent is not None
    assert process.context.trace_id == producer.get_span_context().trace_id
    assert process.parent.span_id == producer.get_span_context().span_id


def test_a_failed_block_records_the_error_on_the_consumer_span(
    endpoint_env: str, spans: InMemorySpanExporter
) -> None:
    queue = make_queue("failing")
    SQSQueueSender(queue).send("segment 0")
    receiver = SQSQueueReceiver(queue, wait_time_seconds=1, visibility_timeout_seconds=30)
    [message] = receiver.receive()

    with pytest.raises(OSError, match="disk full"), receiver.processing(message):
        raise OSError("disk full")

    process = span_named(spans, "failing process")
    assert process.status.status_code == trace.StatusCode.ERROR
    assert [event.name for event in process.events] == ["exception"]


def test_a_batch_links_to_each_producer(endpoint_env: str, spans: InMemorySpanExporter) -> None:
    queue = make_queue("batch")
    sender = SQSQueueSender(queue)
    producers = []
    for name in ("upload a", "upload b"):
        with trace.get_tracer("web-ui").start_as_current_span(name) as span:
            sender.send(name)
        producers.append(span.get_span_context())
    receiver = SQSQueueReceiver(queue, wait_time_seconds=1, visibility_timeout_seconds=30)
    held: list[QueueMessage] = []
    while len(held) < 2:
        held += receiver.receive(max_messages=10)

    with receiver.processing_batch(held):
        pass

    process = span_named(spans, "batch process")
    assert {(link.context.trace_id, link.context.span_id) for link in process.links} == {
        (p.trace_id, p.span_id) for p in producers
    }
    assert process.attributes is not None
    assert process.attributes["messaging.batch.message_count"] == 2
