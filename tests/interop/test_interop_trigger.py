"""Issue 20, item 1: the seed's reassembly trigger fires on jobs our adapters wrote."""

from __future__ import annotations

import json
import time

from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode
from tests.interop.conftest import Stack
from tests.interop.seed import trigger


def _chunked_job(stack: Stack, job_id: str, total_segments: int) -> None:
    stack.jobs.put(
        Job(job_id=job_id, mode=StereoMode.ANAGLYPH, status=JobStatus.CREATED, created_at=1)
    )
    stack.jobs.update(job_id, status=JobStatus.CHUNKING_IN_PROGRESS)
    stack.jobs.update(job_id, status=JobStatus.CHUNKING_COMPLETE, total_segments=total_segments)


def _complete(stack: Stack, job_id: str, index: int, total: int) -> None:
    stack.completions.put(
        SegmentCompletion(
            job_id=job_id,
            segment_index=index,
            output_s3_uri=f"s3://{stack.output_bucket}/jobs/{job_id}/segments/{index}.mp4",
            completed_at=int(time.time()),
            total_segments=total,
        )
    )


def test_the_seed_trigger_fires_on_a_job_our_store_wrote(stack: Stack) -> None:
    _chunked_job(stack, "j1", total_segments=1)
    raw = stack.dynamodb.get_item(
        TableName=stack.env["JOBS_TABLE_NAME"], Key={"job_id": {"S": "j1"}}
    )
    assert "in_progress" in raw["Item"], "the sparse index key is on the item the seed reads"
    assert not trigger.should_trigger_reassembly(
        stack.dynamodb,
        stack.env["JOBS_TABLE_NAME"],
        stack.env["SEGMENT_COMPLETIONS_TABLE_NAME"],
        "j1",
    ), "no completion yet"
    _complete(stack, "j1", 0, 1)
    assert trigger.should_trigger_reassembly(
        stack.dynamodb,
        stack.env["JOBS_TABLE_NAME"],
        stack.env["SEGMENT_COMPLETIONS_TABLE_NAME"],
        "j1",
    )


def test_the_seed_lambda_queues_each_job_once_and_our_lease_takes_its_marker(
    stack: Stack,
) -> None:
    _chunked_job(stack, "j2", total_segments=2)
    _complete(stack, "j2", 0, 2)
    event = {"Records": stack.completion_stream_records("j2")}
    assert trigger.lambda_handler(event, None)["statusCode"] == 200
    assert stack.reassembly.receive(max_messages=10) == [], "one of two segments: no trigger"

    _complete(stack, "j2", 1, 2)
    event = {"Records": stack.completion_stream_records("j2")}
    assert trigger.job_ids_from_stream_records(event["Records"]) == {"j2"}
    trigger.lambda_handler(event, None)
    trigger.lambda_handler(event, None)  # a redelivered batch
    messages = stack.reassembly.receive(max_messages=10)
    assert [json.loads(m.body) for m in messages] == [{"job_id": "j2"}]
    stack.reassembly.delete(messages[0].receipt_handle)

    # The seed wrote the marker itself; our lease (what the media worker calls) takes it once.
    assert stack.lock.try_acquire("j2") is True
    assert stack.lock.try_acquire("j2") is False
    assert stack.lock.try_trigger("j2") is False, "the seed's marker counts as triggered"
