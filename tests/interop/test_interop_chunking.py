"""Issue 20, item 2: the seed's chunking rollback, on our lifecycle."""

from __future__ import annotations

import json

import pytest

from stereo_spot_shared.errors import ObjectNotFoundError
from stereo_spot_shared.models import JobStatus
from tests.interop.conftest import Stack
from tests.interop.seed import chunking, web_ui


def _s3_event(bucket: str, key: str) -> str:
    return json.dumps({"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]})


def test_a_missing_source_puts_the_job_back_to_created_and_the_real_error_surfaces(
    stack: Stack,
) -> None:
    job_id = web_ui.create_job(stack.jobs, "sbs")
    body = _s3_event(stack.input_bucket, f"input/{job_id}/source.mp4")  # an event, no object
    with pytest.raises(ObjectNotFoundError):
        chunking.process_one_chunking_message(
            body, stack.jobs, stack.storage, stack.input_bucket, stack.media
        )
    detail = web_ui.job_detail(stack.jobs, stack.storage, stack.input_bucket, job_id)
    assert detail is not None
    job, upload_url = detail
    assert job.status == JobStatus.CREATED
    assert upload_url is not None, "the web UI offers the upload again"

    # The user uploads; the notification reaches the chunking queue and chunking completes.
    stack.storage.upload(stack.input_bucket, f"input/{job_id}/source.mp4", stack.source_video())
    assert (
        chunking.run_chunking_once(
            stack.chunking, stack.jobs, stack.storage, stack.input_bucket, stack.media
        )
        == 1
    )
    chunked = stack.jobs.get(job_id)
    assert chunked is not None and chunked.status == JobStatus.CHUNKING_COMPLETE
    assert stack.chunking.receive(max_messages=10) == [], "processed, so deleted"
