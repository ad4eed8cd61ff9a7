"""Video workers convert the segments, and the last one triggers reassembly."""

from __future__ import annotations

import functools

from stereo_spot_shared.generated.keys import build_segment_output_key, parse_segment_key
from stereo_spot_shared.models import JobStatus, ReassemblyPayload, SegmentCompletion

from ...generated.queues import parse_video_worker_event
from .media import SEGMENT_COUNT
from .queue_visit import QueueVisit, collect
from .runner import Walk, expect, job_status, now


def convert_segments(walk: Walk) -> str:
    a = walk.adapters
    with QueueVisit.open(walk, a.video_worker_receiver, 20.0) as visit:
        parse = functools.partial(parse_video_worker_event, buckets=[a.input_bucket])
        found = collect(visit, parse, set(walk.segment_keys), 20.0)
    missing = sorted(set(walk.segment_keys) - found.keys())
    expect(not missing, f"video-worker messages never arrived for {missing}")
    completions = []
    for index, key in enumerate(walk.segment_keys):
        _, ref = found[key]
        segment = parse_segment_key(ref.bucket, ref.key)
        expect(
            segment is not None and segment.segment_index == index, f"{key} is not segment {index}"
        )
        # The "conversion" is a copy: the demo tests the plumbing, not the GPU.
        output_key = build_segment_output_key(walk.job_id, index)
        a.objects.upload(a.output_bucket, output_key, a.objects.download(ref.bucket, ref.key))
        walk.created_objects.append((a.output_bucket, output_key))
        walk.output_keys.append(output_key)
        completions.append(
            SegmentCompletion(
                job_id=walk.job_id,
                segment_index=index,
                output_s3_uri=f"s3://{a.output_bucket}/{output_key}",
                completed_at=now(),
                total_segments=SEGMENT_COUNT,
            )
        )
    # One worker records with put, the others together with put_many.
    walk.created_completions += [(c.job_id, c.segment_index) for c in completions]
    a.segment_completions.put(completions[0])
    a.segment_completions.put_many(completions[1:])
    a.video_worker_receiver.delete_batch([message.receipt_handle for message, _ in found.values()])
    return (
        f"{len(found)} messages received; {len(completions)} outputs written, completions "
        f"recorded (1 put + put_many of {len(completions) - 1}); messages deleted"
        f"{visit.summary()}"
    )


def finish_chunking(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    jobs.update(walk.job_id, total_segments=SEGMENT_COUNT, status=JobStatus.CHUNKING_COMPLETE)
    job = jobs.get(walk.job_id)
    expect(job is not None and job.total_segments == SEGMENT_COUNT, "total_segments not stored")
    return f"status {job_status(jobs, walk.job_id)}, total_segments {SEGMENT_COUNT}"


def trigger_reassembly(walk: Walk) -> str:
    a = walk.adapters
    # The video worker that records a job's last segment triggers reassembly: it
    # sees every completion recorded, each carrying the job's total_segments.
    recorded = a.segment_completions.query_by_job(walk.job_id)
    expect(
        bool(recorded) and len(recorded) == recorded[0].total_segments,
        f"{len(recorded)} completions recorded; reassembly needs all {SEGMENT_COUNT}",
    )
    lock = a.reassembly_triggered
    first = lock.try_trigger(walk.job_id)
    walk.locked_jobs.append(walk.job_id)
    second = lock.try_trigger(walk.job_id)
    expect(first and not second, f"try_trigger gave {first}, then {second}; want True, False")
    a.reassembly_sender.send(ReassemblyPayload(job_id=walk.job_id).model_dump_json())
    return (
        f"all {len(recorded)} completions recorded; try_trigger: True, then False; "
        "ReassemblyPayload sent to the reassembly queue"
    )
