"""The seed media worker's chunking path.

Sources (``packages/media-worker/src/media_worker/`` at ``dd40dad``):
``s3_event.py:14-53`` (``parse_s3_event_body``) and ``chunking.py:20-114``
(``process_one_chunking_message``, ``run_chunking_loop``). It uses the shared
``JobStore`` and ``ObjectStorage`` interfaces, and ``build_segment_key`` and
``parse_input_key`` from ``stereo_spot_shared`` (ours).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from stereo_spot_shared import ChunkingPayload, JobStatus, build_segment_key, parse_input_key
from stereo_spot_shared.interfaces import JobStore, ObjectStorage, QueueReceiver
from tests.interop.seed.media import Media


def s3_event_object(body: str | bytes) -> tuple[str, str] | None:
    """The first record's bucket and key of an S3 notification body (s3_event.py:25-49)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        data: dict[str, Any] = json.loads(body)
    except (json.JSONDecodeError, TypeError):
        return None
    records = data.get("Records")
    if not records or not isinstance(records, list) or not isinstance(records[0], dict):
        return None
    s3 = records[0].get("s3")
    if not isinstance(s3, dict):
        return None
    bucket, obj = s3.get("bucket"), s3.get("object")
    if not isinstance(bucket, dict) or not isinstance(obj, dict):
        return None
    name, key = bucket.get("name"), obj.get("key")
    if not isinstance(name, str) or not isinstance(key, str) or not name or not key:
        return None
    return name, key


def parse_s3_event_body(body: str | bytes) -> ChunkingPayload | None:
    """s3_event.py:14-53: only input keys make a payload."""
    found = s3_event_object(body)
    if found is None or parse_input_key(found[1]) is None:
        return None
    return ChunkingPayload(bucket=found[0], key=found[1])


def process_one_chunking_message(
    body: str | bytes, job_store: JobStore, storage: ObjectStorage, input_bucket: str, media: Media
) -> bool:
    """chunking.py:20-81."""
    payload = parse_s3_event_body(body)
    if payload is None:
        return False
    job_id = parse_input_key(payload.key)
    if job_id is None:
        return False
    job = job_store.get(job_id)
    if job is None:
        return False
    if job.status not in (JobStatus.CREATED, JobStatus.CHUNKING_IN_PROGRESS):
        return True  # chunking.py:43-45: chunked before; an idempotent skip
    mode = job.mode
    job_store.update(job_id, status=JobStatus.CHUNKING_IN_PROGRESS.value)  # chunking.py:47
    try:
        source = storage.download(payload.bucket, payload.key)
    except Exception:
        # chunking.py:50-52: back to created, so the web UI offers the upload again.
        job_store.update(job_id, status=JobStatus.CREATED.value)
        raise
    with tempfile.NamedTemporaryFile(suffix=".mp4", delete=False) as handle:
        handle.write(source)
        source_path = handle.name
    try:
        segments, directory = media.chunk(Path(source_path))
        try:
            total = len(segments)
            for index, path in enumerate(segments):
                key = build_segment_key(job_id, index, total, mode)
                with open(path, "rb") as segment:
                    storage.upload(input_bucket, key, segment.read())
            job_store.update(  # chunking.py:69-73
                job_id, status=JobStatus.CHUNKING_COMPLETE.value, total_segments=total
            )
        finally:
            directory.cleanup()
    finally:
        os.unlink(source_path)
    return True


def run_chunking_once(
    receiver: QueueReceiver,
    job_store: JobStore,
    storage: ObjectStorage,
    input_bucket: str,
    media: Media,
) -> int:
    """One turn of chunking.py:96-112: delete a message only when it was processed."""
    messages = receiver.receive(max_messages=1)
    for message in messages:
        try:
            if process_one_chunking_message(message.body, job_store, storage, input_bucket, media):
                receiver.delete(message.receipt_handle)
        except Exception:
            pass  # chunking.py:110-112: visible again after the visibility timeout
    return len(messages)
