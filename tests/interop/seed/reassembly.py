"""The seed media worker's reassembly path.

Sources (``packages/media-worker/src/media_worker/`` at ``dd40dad``):
``reassembly.py:33-137`` (``process_one_reassembly_message``, its loop),
``concat.py:28-52`` (``build_concat_list_paths``), ``output_key.py:7-13``. The lock
is whatever has ``try_acquire(job_id) -> bool``: ours is the
``reassembly_triggered`` table's lease.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Protocol

from stereo_spot_shared import JobStatus, ReassemblyPayload, SegmentCompletion
from stereo_spot_shared.interfaces import (
    JobStore,
    ObjectStorage,
    QueueReceiver,
    SegmentCompletionStore,
)
from tests.interop.seed.keys import build_final_key, concat_fallback_key, parse_s3_uri
from tests.interop.seed.media import Media


class ReassemblyLock(Protocol):
    """reassembly.py:25-30."""

    def try_acquire(self, job_id: str) -> bool: ...


def parse_reassembly_body(body: str | bytes) -> ReassemblyPayload | None:
    """reassembly.py:33-40."""
    try:
        raw = body.decode() if isinstance(body, bytes) else body
        return ReassemblyPayload.model_validate(json.loads(raw))
    except (json.JSONDecodeError, ValueError, KeyError):
        return None


def download_segments(
    completions: list[SegmentCompletion], storage: ObjectStorage, output_bucket: str, into: Path
) -> list[Path]:
    """concat.py:28-52: each completion's output, in order, from its URI or the fallback key."""
    paths = []
    job_id = completions[0].job_id if completions else ""
    for completion in completions:
        location = parse_s3_uri(completion.output_s3_uri) or (
            output_bucket,
            concat_fallback_key(job_id, completion.segment_index),
        )
        path = into / f"seg_{completion.segment_index:05d}.mp4"
        path.write_bytes(storage.download(*location))
        paths.append(path)
    return paths


def process_one_reassembly_message(
    body: str | bytes,
    job_store: JobStore,
    segment_store: SegmentCompletionStore,
    storage: ObjectStorage,
    lock: ReassemblyLock,
    output_bucket: str,
    media: Media,
) -> bool:
    """reassembly.py:43-101."""
    payload = parse_reassembly_body(body)
    if payload is None:
        return False
    job_id = payload.job_id
    if not lock.try_acquire(job_id):
        return True  # reassembly.py:62-64: another worker has it
    job = job_store.get(job_id)
    if job is None:
        return False
    if job.status == JobStatus.COMPLETED:
        return True
    final_key = build_final_key(job_id)
    if storage.exists(output_bucket, final_key):  # reassembly.py:73-79
        job_store.update(job_id, status=JobStatus.COMPLETED.value, completed_at=int(time.time()))
        return True
    completions = segment_store.query_by_job(job_id)
    if not completions:
        return False
    if job.total_segments is not None and len(completions) != job.total_segments:
        return False
    with tempfile.TemporaryDirectory(prefix="reassembly_") as directory:
        segments = download_segments(completions, storage, output_bucket, Path(directory))
        final = Path(directory) / "final.mp4"
        media.concat(segments, final)
        storage.upload_file(output_bucket, final_key, str(final))
    job_store.update(  # reassembly.py:96-100
        job_id, status=JobStatus.COMPLETED.value, completed_at=int(time.time())
    )
    return True


def run_reassembly_once(
    receiver: QueueReceiver,
    job_store: JobStore,
    segment_store: SegmentCompletionStore,
    storage: ObjectStorage,
    lock: ReassemblyLock,
    output_bucket: str,
    media: Media,
) -> int:
    """One turn of reassembly.py:118-135."""
    messages = receiver.receive(max_messages=1)
    for message in messages:
        try:
            if process_one_reassembly_message(
                message.body, job_store, segment_store, storage, lock, output_bucket, media
            ):
                receiver.delete(message.receipt_handle)
        except Exception:
            pass
    return len(messages)
