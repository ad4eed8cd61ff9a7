"""The original's job removal runs on our DynamoDB store (moto).

At ``b622b25`` the original's web UI soft-deletes a finished job
(``packages/web-ui/src/stereo_spot_web_ui/routers/jobs.py:512-535``): only a
completed or failed job, ``job_store.update(job_id, status="deleted")``, then a
``DeletionPayload`` on the deletion queue. Its media worker's deletion handler
(``packages/media-worker/src/media_worker/deletion.py``) cleans up only when the
job it reads back is deleted. ``delete_job`` below is the route's body with the
HTTP answers as strings; the store and the sender are ours, built as its
services build them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from codegen.model.schema_file import load_schema
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.jobs import DynamoDBJobStore
from stereo_spot_aws_adapters.sqs import SQSQueueReceiver, SQSQueueSender
from stereo_spot_shared import DeletionPayload
from stereo_spot_shared.interfaces import JobStore, QueueSender
from stereo_spot_shared.models import Job, JobStatus, StereoMode

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]


def delete_job(job_id: str, job_store: JobStore, deletion_sender: QueueSender) -> str:
    """The original's ``delete_job`` route (jobs.py:512-535), its responses as strings."""
    job = job_store.get(job_id)
    if job is None:
        return "404 Job not found"
    if job.status not in (JobStatus.COMPLETED, JobStatus.FAILED):
        return "400 Can only remove completed or failed jobs."
    job_store.update(job_id, status=JobStatus.DELETED.value)
    payload = DeletionPayload(job_id=job_id)
    deletion_sender.send(payload.model_dump_json())
    return "303 /jobs?removed=1"


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, str]]:
    with mock_aws():
        yield provision(prefix="removal", region_name=REGION)


def test_the_original_web_ui_removes_finished_jobs_on_our_store(stack: dict[str, str]) -> None:
    jobs = DynamoDBJobStore(stack["JOBS_TABLE_NAME"], region_name=REGION)
    sender = SQSQueueSender(stack["DELETION_QUEUE_URL"], region_name=REGION)
    receiver = SQSQueueReceiver(
        stack["DELETION_QUEUE_URL"], region_name=REGION, wait_time_seconds=0
    )
    ids = {status: f"j-{uuid.uuid4().hex}" for status in ("completed", "failed", "reassembling")}
    for status, job_id in ids.items():
        jobs.put(Job(job_id=job_id, mode=StereoMode.SBS, status=JobStatus(status), created_at=1))

    assert delete_job(ids["completed"], jobs, sender) == "303 /jobs?removed=1"
    assert delete_job(ids["failed"], jobs, sender) == "303 /jobs?removed=1"
    assert delete_job(ids["reassembling"], jobs, sender).startswith("400 ")
    assert delete_job("j-missing", jobs, sender).startswith("404 ")

    bodies = [message.body for message in receiver.receive(max_messages=10)]
    assert sorted(DeletionPayload.model_validate_json(b).job_id for b in bodies) == sorted(
        [ids["completed"], ids["failed"]]
    )
    for job_id in (ids["completed"], ids["failed"]):
        # The deletion handler's check (deletion.py): cleanup runs only on a deleted job.
        stored = jobs.get(job_id)
        assert stored is not None and stored.status == JobStatus.DELETED
        item = boto3.client("dynamodb", region_name=REGION).get_item(
            TableName=stack["JOBS_TABLE_NAME"], Key={"job_id": {"S": job_id}}
        )["Item"]
        assert item["status"] == {"S": "deleted"} and "in_progress" not in item
        # A second press of the button: the job is no longer completed or failed.
        assert delete_job(job_id, jobs, sender).startswith("400 ")
    running = jobs.get(ids["reassembling"])
    assert running is not None and running.status == JobStatus.REASSEMBLING


def test_the_schema_declares_the_removals_and_deleted_stays_final() -> None:
    schema = load_schema(ROOT / "schema" / "stereo_spot.toml")
    lifecycle = next(t.lifecycle for t in schema.tables if t.name == "jobs")
    assert lifecycle is not None
    assert lifecycle.removals == (("completed", "deleted"), ("failed", "deleted"))
    assert {"completed", "failed", "deleted"} <= set(lifecycle.final)
    assert "deleted" not in lifecycle.initial, "a job reaches deleted only by a removal"
    assert lifecycle.allowed_sources["deleted"] == ("completed", "failed", "deleted")
    assert all(source != "deleted" for source, _ in lifecycle.moves), "a tombstone moves nowhere"
