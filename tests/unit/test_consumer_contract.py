"""What the seed's consumers (web-ui, media-worker, video-worker) import, imported the way they do.

The names are the contract: if one of these imports or calls breaks, an
unchanged consumer breaks. Only ``stereo_spot_shared`` is imported here, as a
service that installed ``stereo-spot-shared`` alone would.
"""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
import warnings
from importlib.metadata import version

import pytest
from pydantic import ValidationError

import stereo_spot_shared
from stereo_spot_shared import (
    CreateJobRequest,
    CreateJobResponse,
    PresignedPlaybackResponse,
    SegmentKeyPayload,
    StereoMode,
    VideoWorkerPayload,
    build_segment_key,
    parse_input_key,
    parse_segment_key,
)
from stereo_spot_shared.interfaces import (
    JobStore,
    ObjectStorage,
    QueueMessage,
    QueueReceiver,
    QueueSender,
    ReassemblyLock,
    SegmentCompletionStore,
)


def test_queue_message_from_receipt_handle_and_body() -> None:
    message = QueueMessage("receipt-1", '{"job_id": "j"}')
    assert (message.receipt_handle, message.body) == ("receipt-1", '{"job_id": "j"}')
    assert (message.message_id, message.receive_count, dict(message.attributes)) == ("", 1, {})
    full = QueueMessage("r", b"x", message_id="m-1", receive_count=3, attributes={"a": "b"})
    assert (full.message_id, full.receive_count, full.attributes["a"]) == ("m-1", 3, "b")
    with pytest.raises(TypeError):
        QueueMessage("r", "x", "m-1")  # type: ignore[misc]  # the rest are keywords
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.body = "changed"  # type: ignore[misc]


def test_video_worker_reads_a_segment_key_from_an_s3_event() -> None:
    key = build_segment_key("job-7", 0, 4, StereoMode.ANAGLYPH)
    payload = parse_segment_key("stereo-input", key)
    assert isinstance(payload, SegmentKeyPayload)
    assert SegmentKeyPayload is VideoWorkerPayload
    assert payload.segment_s3_uri == "s3://stereo-input/segments/job-7/00000_00004_anaglyph.mp4"
    assert parse_segment_key("stereo-input", "input/job-7/source.mp4") is None


def test_media_worker_reads_the_job_of_a_source_upload() -> None:
    assert parse_input_key("input/job-7/source.mp4") == "job-7"
    assert parse_input_key("segments/job-7/00000_00004_sbs.mp4") is None


def test_web_ui_api_models() -> None:
    request = CreateJobRequest.model_validate_json('{"mode": "sbs"}')
    assert request.mode is StereoMode.SBS
    with pytest.raises(ValidationError):
        CreateJobRequest.model_validate({"mode": "3d"})
    response = CreateJobResponse(job_id="job-7", upload_url="https://example.test/put")
    assert response.model_dump() == {"job_id": "job-7", "upload_url": "https://example.test/put"}
    playback = PresignedPlaybackResponse(playback_url="https://example.test/get")
    assert playback.model_dump_json() == '{"playback_url":"https://example.test/get"}'


def test_interfaces_are_protocols_a_fake_can_satisfy() -> None:
    class FakeLock:
        def try_acquire(self, job_id: str) -> bool:
            return job_id == "free"

    assert isinstance(FakeLock(), ReassemblyLock)
    assert FakeLock().try_acquire("free") is True
    assert not isinstance(FakeLock(), JobStore)
    # Runtime-checkable, as wiring code uses them: isinstance answers instead of raising.
    for protocol in (JobStore, SegmentCompletionStore, QueueSender, QueueReceiver, ObjectStorage):
        assert not isinstance(object(), protocol), protocol


def test_protocols_is_a_deprecated_alias_of_interfaces() -> None:
    sys.modules.pop("stereo_spot_shared.protocols", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        protocols = importlib.import_module("stereo_spot_shared.protocols")
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert protocols.JobStore is JobStore and protocols.QueueMessage is QueueMessage


def test_version_comes_from_the_distribution() -> None:
    assert stereo_spot_shared.__version__ == version("stereo-spot-shared")


def test_the_shared_types_import_no_cloud_sdk() -> None:
    # The adapters (and so boto3) may be loaded by other tests in this process;
    # a fresh interpreter shows what importing the shared types alone pulls in.
    code = (
        "import sys, stereo_spot_shared, stereo_spot_shared.interfaces; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
