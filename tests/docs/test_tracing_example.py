"""The logging worker of docs/concepts/interop.md keeps one trace from web UI to video worker.

The example is cut from the page and run in a fresh interpreter on moto, with
the SDK's in-memory exporter installed and the web UI's request span open
where the example says it is. (The docs harness also runs it as printed,
against an embedded server, and compares its output.)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WEB_UI_SPAN = (
    "# The web UI, inside its request span (e.g. from opentelemetry-instrumentation-flask):"
)
PAGE = REPO / "docs" / "concepts" / "interop.md"

HARNESS = textwrap.dedent(
    """
    import json, sys
    from moto import mock_aws
    from opentelemetry import context, trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    with mock_aws():
        import boto3, os
        sqs = boto3.client("sqs")
        os.environ["CHUNKING_QUEUE_URL"] = sqs.create_queue(QueueName="chunking")["QueueUrl"]
        os.environ["VIDEO_WORKER_QUEUE_URL"] = sqs.create_queue(QueueName="video-worker")["QueueUrl"]
        request = trace.get_tracer("web-ui").start_span("POST /jobs")
        exec(compile(sys.stdin.read(), "interop.md", "exec"), {"__name__": "__main__",
             "request": request, "context": context, "trace": trace})
        request.end()
    print(json.dumps([[s.name, s.context.trace_id] for s in exporter.get_finished_spans()]))
    """
)


def page_worker_example() -> str:
    page = PAGE.read_text(encoding="utf-8")
    section = page.split("A worker, logging JSON", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_logging_worker_logs_json_and_continues_the_trace() -> None:
    example = page_worker_example()
    assert WEB_UI_SPAN in example
    code = example.replace(
        WEB_UI_SPAN, "token = context.attach(trace.set_span_in_context(request))"
    )
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
    }
    env.pop("AWS_ENDPOINT_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", HARNESS],
        input=code,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    spans = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    assert set(spans) == {"POST /jobs", "chunking process", "video-worker process"}
    assert len(set(spans.values())) == 1  # one trace, web UI to video worker
    # Logging went out as JSON, one line per record, with the call's fields.
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    sends = [line for line in lines if line.get("aws_operation") == "SendMessage"]
    assert len(sends) == 2 and all(line["level"] == "DEBUG" for line in sends)
    queues = sorted(line["aws_resource"].rsplit("/", 1)[1] for line in sends)
    assert queues == ["chunking", "video-worker"]
    assert "00000_00001_sbs.mp4" not in result.stderr  # no body in any log line
