"""The walk begins: the job is created, its source uploaded, chunked and queued as segments."""

from __future__ import annotations

import functools
import urllib.request

from stereo_spot_shared.generated.keys import build_input_key, build_segment_key
from stereo_spot_shared.models import Job, JobStatus, StereoMode
from stereo_spot_shared.s3_events import object_created_event, parse_s3_event

from ...generated.queues import parse_chunking_event
from .media import SEGMENT_COUNT, SOURCE_SIZE, fake_video
from .queue_visit import QueueVisit, collect
from .runner import Walk, WalkError, expect, job_status, now


def create_job(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    jobs.put(
        Job(job_id=walk.job_id, mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=now())
    )
    walk.created_jobs.append(walk.job_id)
    stored = jobs.get(walk.job_id)
    if stored is None:
        raise WalkError(f"job {walk.job_id} was written but cannot be read back")
    return f"job {stored.job_id} ({stored.mode.value}) is {stored.status.value}"


def upload_source(walk: Walk) -> str:
    a = walk.adapters
    walk.source = fake_video(SOURCE_SIZE, seed=1)
    walk.source_key = build_input_key(walk.job_id)
    url = a.objects.presign_upload(a.input_bucket, walk.source_key, content_type="video/mp4")
    request = urllib.request.Request(
        url, data=walk.source, method="PUT", headers={"Content-Type": "video/mp4"}
    )
    with walk.opener.open(request, timeout=30) as response:
        status = response.status
    walk.presigned_requests += 1
    walk.created_objects.append((a.input_bucket, walk.source_key))
    expect(a.objects.exists(a.input_bucket, walk.source_key), "the uploaded source is missing")
    return (
        f"PUT {len(walk.source):,} bytes to a presigned URL -> HTTP {status}; "
        f"s3://{a.input_bucket}/{walk.source_key} exists"
    )


def receive_chunking_message(walk: Walk) -> str:
    a = walk.adapters
    wanted = {walk.source_key}
    with QueueVisit.open(walk, a.chunking_receiver, walk.notification_wait + 10.0) as visit:
        # The bundle names the bucket the chunking queue's events come from, on any backend.
        parse = functools.partial(parse_chunking_event, buckets=[a.input_bucket])
        found = collect(visit, parse, wanted, walk.notification_wait)
        how = "S3 notification received"
        if not found:
            # Some emulators (and stacks without a bucket notification) never send one.
            a.chunking_sender.send(
                object_created_event(a.input_bucket, walk.source_key, len(walk.source))
            )
            found = collect(visit, parse, wanted, 10.0)
            how = (
                f"no S3 notification within {walk.notification_wait:g} s, so a simulated S3 "
                "notification was sent and received"
            )
        expect(bool(found), f"no chunking message for {walk.source_key} arrived")
        message, ref = found[walk.source_key]
        # parse_chunking_event is parse_s3_event routed to the chunking queue's bucket.
        expect(parse_s3_event(message.body)[0] == ref, "the two S3 event parsers disagree")
        a.chunking_receiver.delete(message.receipt_handle)
    return (
        f"{how}: {ref.event_name} s3://{ref.bucket}/{ref.key} ({ref.size:,} bytes); deleted"
        f"{visit.summary()}"
    )


def start_chunking(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    jobs.update(walk.job_id, status=JobStatus.CHUNKING_IN_PROGRESS)
    return f"status {job_status(jobs, walk.job_id)}"


def write_segments(walk: Walk) -> str:
    a = walk.adapters
    size = len(walk.source) // SEGMENT_COUNT
    bodies: list[str | bytes] = []
    for index in range(SEGMENT_COUNT):
        key = build_segment_key(walk.job_id, index, SEGMENT_COUNT, StereoMode.SBS)
        end = len(walk.source) if index == SEGMENT_COUNT - 1 else (index + 1) * size
        piece = walk.source[index * size : end]
        a.objects.upload(a.input_bucket, key, piece)
        walk.created_objects.append((a.input_bucket, key))
        walk.segment_keys.append(key)
        bodies.append(object_created_event(a.input_bucket, key, len(piece)))
    message_ids = a.video_worker_sender.send_batch(bodies)
    return (
        f"{SEGMENT_COUNT} segments of ~{size // 1024} KiB written to s3://{a.input_bucket}/"
        f"segments/{walk.job_id}/; {len(message_ids)} S3-event messages sent with one send_batch"
    )
