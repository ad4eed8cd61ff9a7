"""The seed's services end to end on one moto stack with our adapters.

Web UI -> upload -> S3 notification -> chunking -> segment uploads -> S3
notifications -> video worker -> completions -> stream -> reassembly trigger ->
reassembly queue -> reassembly -> final video -> playback. Each service is the
seed's code path (``tests/interop/seed``); storage is only ours.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from stereo_spot_shared import build_segment_output_key, parse_segment_output_key
from stereo_spot_shared.models import JobStatus
from tests.interop.conftest import Stack
from tests.interop.seed import chunking, reassembly, trigger, video_worker, web_ui


def _drain(turn: Callable[..., int], *args: object) -> int:
    """Run one service's loop turn until its queue is empty; how many messages it took."""
    taken = 0
    while (received := turn(*args)) > 0:
        taken += received
    return taken


def test_a_job_goes_from_upload_to_playback_through_the_seed_services(stack: Stack) -> None:
    job_id = web_ui.create_job(stack.jobs, "anaglyph")
    detail = web_ui.job_detail(stack.jobs, stack.storage, stack.input_bucket, job_id)
    assert detail is not None and detail[1] is not None
    source = stack.source_video()
    stack.storage.upload(stack.input_bucket, f"input/{job_id}/source.mp4", source)

    assert (
        _drain(
            chunking.run_chunking_once,
            stack.chunking,
            stack.jobs,
            stack.storage,
            stack.input_bucket,
            stack.media,
        )
        == 1
    )
    job = stack.jobs.get(job_id)
    assert job is not None and job.status == JobStatus.CHUNKING_COMPLETE
    total = job.total_segments
    assert total is not None and total >= 2

    # Every segment the seed cut reached the video worker through our layout's notification.
    assert (
        _drain(
            video_worker.run_once,
            stack.video,
            stack.storage,
            stack.completions,
            stack.output_bucket,
        )
        == total
    )
    completions = stack.completions.query_by_job(job_id)
    assert [c.segment_index for c in completions] == list(range(total))
    for completion in completions:
        # The seed's output keys are ours: one spelling, parsed by our layout.
        key = completion.output_s3_uri.removeprefix(f"s3://{stack.output_bucket}/")
        assert key == build_segment_output_key(job_id, completion.segment_index)
        assert parse_segment_output_key(key) == (job_id, completion.segment_index)

    trigger.lambda_handler({"Records": stack.completion_stream_records(job_id)}, None)
    assert stack.jobs.get(job_id, consistent_read=True) == job, "triggering moves nothing"
    assert (
        _drain(
            reassembly.run_reassembly_once,
            stack.reassembly,
            stack.jobs,
            stack.completions,
            stack.storage,
            stack.lock,
            stack.output_bucket,
            stack.media,
        )
        == 1
    )

    done = web_ui.progress(stack.jobs, job_id)
    assert done is not None and done.status == JobStatus.COMPLETED
    assert done.completed_at is not None
    final = stack.storage.download(stack.output_bucket, f"jobs/{job_id}/final.mp4")
    if not stack.media.real:
        assert final == source, "every segment, in order"
    else:
        assert final[4:8] == b"ftyp", "an MP4 file"
    assert web_ui.play(stack.jobs, stack.storage, stack.output_bucket, job_id) is not None
    items, token = web_ui.list_jobs(stack.jobs)
    assert job_id in [item.job_id for item in items] and token is None
    in_progress = stack.jobs.list_in_progress_page(10)[0]
    assert job_id not in [job.job_id for job in in_progress], "it left the in-progress index"

    # A redelivered reassembly message finds the job completed and is deleted.
    body = json.dumps({"job_id": job_id})
    assert (
        reassembly.process_one_reassembly_message(
            body,
            stack.jobs,
            stack.completions,
            stack.storage,
            stack.lock,
            stack.output_bucket,
            stack.media,
        )
        is True
    )
