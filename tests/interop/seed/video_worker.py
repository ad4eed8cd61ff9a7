"""The seed's video worker: one segment in, one converted segment and its completion out.

Sources (``packages/video-worker/src/video_worker/`` at ``dd40dad``):
``s3_event.py:14-50`` (the notification body through ``parse_segment_key`` of
``stereo_spot_shared``, ours), ``runner.py:13-56`` (``process_one_message``),
``model_stub.py:9-15`` (the pass-through "inference"), ``output_key.py:8-14``
(its own output key: the segment index unpadded).
"""

from __future__ import annotations

import time

from stereo_spot_shared import SegmentCompletion, VideoWorkerPayload, parse_segment_key
from stereo_spot_shared.interfaces import ObjectStorage, QueueReceiver, SegmentCompletionStore
from tests.interop.seed.chunking import s3_event_object
from tests.interop.seed.keys import build_output_segment_key, parse_s3_uri


def parse_s3_event_body(body: str | bytes) -> VideoWorkerPayload | None:
    """s3_event.py:14-50."""
    found = s3_event_object(body)
    return None if found is None else parse_segment_key(*found)


def process_one_message(
    body: str | bytes,
    storage: ObjectStorage,
    segment_store: SegmentCompletionStore,
    output_bucket: str,
) -> bool:
    """runner.py:24-56."""
    payload = parse_s3_event_body(body)
    if payload is None:
        return False
    source = parse_s3_uri(payload.segment_s3_uri)
    if source is None:
        return False
    converted = storage.download(*source)  # model_stub.process_segment returns it unchanged
    output_key = build_output_segment_key(payload.job_id, payload.segment_index)
    storage.upload(output_bucket, output_key, converted)
    segment_store.put(
        SegmentCompletion(
            job_id=payload.job_id,
            segment_index=payload.segment_index,
            output_s3_uri=f"s3://{output_bucket}/{output_key}",
            completed_at=int(time.time()),
            total_segments=payload.total_segments,
        )
    )
    return True


def run_once(
    receiver: QueueReceiver,
    storage: ObjectStorage,
    segment_store: SegmentCompletionStore,
    output_bucket: str,
) -> int:
    """One turn of runner.py:68-84."""
    messages = receiver.receive(max_messages=1)
    for message in messages:
        try:
            if process_one_message(message.body, storage, segment_store, output_bucket):
                receiver.delete(message.receipt_handle)
        except Exception:
            pass
    return len(messages)
