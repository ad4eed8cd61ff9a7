"""Add a table and a queue to a copy of the schema: both backends appear and pass the same checks.

This is the test of the generator's design: one intermediate model, two sets of
templates (DynamoDB/SQS/S3 and in-memory), no hand-written code per resource.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from codegen.cli import main
from stereo_spot_shared.errors import JobNotFoundError
from stereo_spot_shared.models import Job, JobStatus, StereoMode

ROOT = Path(__file__).resolve().parents[2]

ADDED = """
[tables.job_archive]
description = "Jobs moved out of the live table, listed by status."
class_name = "JobArchive"
model = "Job"
factory = "job_archive_from_env"
terraform_output = "job_archive_table_name"
hash_key = "job_id"
not_found_error = "JobNotFoundError"

[tables.job_archive.attributes]
job_id = "S"
mode = "S"
status = "S"
created_at = "N"
total_segments = "N"
completed_at = "N"
failure_reason = "S"
title = "S"
uploaded_at = "N"
source_file_size_bytes = "N"

[[tables.job_archive.access_patterns]]
name = "fetch"
kind = "get"

[[tables.job_archive.access_patterns]]
name = "store"
kind = "put"

[[tables.job_archive.access_patterns]]
name = "forget"
kind = "delete"

[[tables.job_archive.access_patterns]]
name = "relabel"
kind = "update"
fields = ["status"]

[queues.thumbnails]
description = "Thumbnail requests."
terraform_output = "thumbnails_queue_url"
wait_time_seconds = 0
"""


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """The copy's generated packages, importable for this module only."""
    tmp = tmp_path_factory.mktemp("extended")
    text = (ROOT / "schema" / "stereo_spot.toml").read_text(encoding="utf-8")
    text = text.replace('package = "stereo_spot_aws_adapters"', 'package = "extended_adapters"')
    text = text.replace('python_path = "../src"', f"python_path = {json.dumps(str(ROOT / 'src'))}")
    text = text.replace(
        'shared_package = "stereo_spot_shared"', 'shared_package = "extended_shared"'
    )
    (tmp / "schema").mkdir()
    schema = tmp / "schema" / "extended.toml"
    schema.write_text(text + ADDED, encoding="utf-8")
    out = tmp / "out"
    assert main(["--schema", str(schema), "--out", str(out)]) == 0
    assert (out / "extended_shared" / "generated" / "memory_job_archive.py").exists()
    before = set(sys.modules)
    sys.path.insert(0, str(out))
    try:
        yield {
            "env_config": importlib.import_module("extended_adapters.env_config"),
            "resources": importlib.import_module("extended_adapters.generated.resources"),
            "memory": importlib.import_module("extended_shared.generated.memory_backend"),
            "bundle": importlib.import_module("extended_shared.generated.adapters"),
        }
    finally:
        sys.path.remove(str(out))
        for name in set(sys.modules) - before:
            if name.startswith(("extended_adapters", "extended_shared")):
                del sys.modules[name]


@pytest.fixture(params=["aws", "memory"])
def bundle(
    request: pytest.FixtureRequest,
    extended: dict[str, ModuleType],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    if request.param == "memory":
        yield extended["memory"].build_adapters()
        return
    resources = extended["resources"]
    with mock_aws():
        dynamodb, sqs, s3 = (boto3.client(s) for s in ("dynamodb", "sqs", "s3"))
        for table in resources.TABLES:
            dynamodb.create_table(**table.create_table_request(f"x-{table.name}"))
            monkeypatch.setenv(table.env_var, f"x-{table.name}")
        for queue in resources.QUEUES:
            url = sqs.create_queue(QueueName=f"x-{queue.name}")["QueueUrl"]
            monkeypatch.setenv(queue.env_var, url)
        for bucket in resources.BUCKETS:
            s3.create_bucket(Bucket=f"x-{bucket.name}")
            monkeypatch.setenv(bucket.env_var, f"x-{bucket.name}")
        yield extended["env_config"].build_adapters()


def test_the_bundle_type_names_the_new_table_and_queue(extended: dict[str, ModuleType]) -> None:
    fields = extended["bundle"].Adapters.__dataclass_fields__
    assert {"job_archive", "thumbnails_sender", "thumbnails_receiver", "jobs"} <= set(fields)
    assert hasattr(extended["bundle"], "JobArchiveTable")


def test_the_new_table_keeps_the_same_guarantees_on_both_backends(bundle: Any) -> None:
    archive = bundle.job_archive
    job = Job(job_id="archived-1", mode=StereoMode.ANAGLYPH, status=JobStatus.COMPLETED)
    assert archive.fetch("archived-1") is None
    archive.store(job)
    assert archive.fetch("archived-1") == job
    archive.relabel("archived-1", status="created")
    assert archive.fetch("archived-1").status is JobStatus.CREATED
    with pytest.raises(JobNotFoundError):
        archive.relabel("nobody", status="created")
    with pytest.raises(ValueError, match="status for Job"):
        archive.relabel("archived-1", status="bogus")
    archive.forget("archived-1")
    archive.forget("archived-1")
    assert archive.fetch("archived-1") is None
    # The live table is a different table.
    assert bundle.jobs.get("archived-1") is None


def test_the_new_queue_delivers_on_both_backends(bundle: Any) -> None:
    assert bundle.thumbnails_receiver.wait_time_seconds == 0
    message_id = bundle.thumbnails_sender.send(b"\x89PNG request")
    (message,) = bundle.thumbnails_receiver.receive()
    assert (message.message_id, message.body) == (message_id, b"\x89PNG request")
    bundle.thumbnails_receiver.delete(message.receipt_handle)
    assert bundle.thumbnails_receiver.receive() == []
