"""The README's worker example runs as written and keeps one trace from web UI to video worker.

The example is cut from README.md and run in a fresh interpreter on moto, with
the SDK's in-memory exporter installed and the web UI's request span open
where the example says it is.
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
CHUNKING_WORK = "...  # split the video, then send each segment's VideoWorkerPayload"

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
        exec(compile(sys.stdin.read(), "README.md", "exec"), {"__name__": "readme",
             "request": request, "context": context, "trace": trace})
        request.end()
    print(json.dumps([[s.name, s.context.trace_id] for s in exporter.get_finished_spans()]))
    """
)


def readme_worker_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("A worker, logging JSON", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_readme_worker_logs_json_and_continues_the_trace() -> None:
    example = readme_worker_example()
    assert WEB_UI_SPAN in example and CHUNKING_WORK in example
    code = example.replace(
        WEB_UI_SPAN, "token = context.attach(trace.set_span_in_context(request))"
    ).replace(
        CHUNKING_WORK,
        "from stereo_spot_aws_adapters.env_config import video_worker_queue_sender_from_env\n"
        "        video_worker_queue_sender_from_env().send('segment 0')",
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
    assert "segment 0" not in result.stderr  # no body in any log line
