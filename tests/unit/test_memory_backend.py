"""What only the in-memory backend needs proving: its clock, its waits, its URLs, its locking.

Everything it shares with the AWS adapters is in ``tests/conformance/``.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from stereo_spot_shared.errors import (
    BatchWriteError,
    MissingResourceError,
    ObjectNotFoundError,
    RejectedRequestError,
)
from stereo_spot_shared.generated.adapters import Adapters
from stereo_spot_shared.generated.keys import build_input_key, build_segment_key, parse_segment_key
from stereo_spot_shared.generated.memory_backend import build_adapters
from stereo_spot_shared.memory import MemoryURLHandler
from stereo_spot_shared.models import SegmentCompletion
from stereo_spot_shared.s3_events import parse_s3_event


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def adapters(clock: Clock) -> Adapters:
    return build_adapters(wait_time_seconds=0, clock=clock)


def test_an_unacknowledged_message_returns_after_the_visibility_timeout(
    adapters: Adapters, clock: Clock
) -> None:
    # The schema gives the chunking queue a 900 s visibility timeout.
    adapters.chunking_sender.send("work")
    (first,) = adapters.chunking_receiver.receive()
    clock.now += 899
    assert adapters.chunking_receiver.receive() == []
    clock.now += 2
    (second,) = adapters.chunking_receiver.receive()
    assert (second.message_id, second.receive_count) == (first.message_id, 2)
    # The old handle no longer deletes it (as on SQS); the latest one does.
    adapters.chunking_receiver.delete(first.receipt_handle)
    clock.now += 901
    (third,) = adapters.chunking_receiver.receive()
    adapters.chunking_receiver.delete(third.receipt_handle)
    clock.now += 901
    assert adapters.chunking_receiver.receive() == []


def test_receive_wakes_up_for_a_message_sent_while_it_waits() -> None:
    adapters = build_adapters(wait_time_seconds=20)
    started = threading.Event()

    def send_later() -> None:
        started.wait()
        adapters.reassembly_sender.send("late")

    sender = threading.Thread(target=send_later)
    sender.start()
    started.set()
    received = []
    while not received:  # bounded: each receive waits at most 20 s, and the send comes
        received = adapters.reassembly_receiver.receive()
    sender.join()
    assert [m.body for m in received] == ["late"]


def test_receipt_handles_of_another_queue_are_refused(adapters: Adapters) -> None:
    adapters.chunking_sender.send("x")
    (message,) = adapters.chunking_receiver.receive()
    with pytest.raises(
        RejectedRequestError, match=r"queues/reassembly' was rejected \(ReceiptHandleIsInvalid"
    ):
        adapters.reassembly_receiver.delete(message.receipt_handle)


def test_concurrent_writers_lose_nothing(adapters: Adapters) -> None:
    def write(worker: int) -> None:
        adapters.segment_completions.put_many(
            [
                SegmentCompletion(
                    job_id="job",
                    segment_index=worker * 100 + n,
                    output_s3_uri="s3://o/k",
                    completed_at=1,
                )
                for n in range(50)
            ]
        )
        for n in range(20):
            adapters.chunking_sender.send(f"{worker}-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    assert len(adapters.segment_completions.query_by_job("job")) == 400
    bodies: list[object] = []
    while batch := adapters.chunking_receiver.receive(max_messages=10):
        bodies += [m.body for m in batch]
    assert len(bodies) == len(set(bodies)) == 160


def test_presigned_urls_check_method_content_type_and_expiry(
    adapters: Adapters, clock: Clock
) -> None:
    opener = urllib.request.build_opener(MemoryURLHandler())
    url = adapters.objects.presign_upload("input", "a/b c.mp4", expires_in=60)
    assert url.startswith("memory://")

    def put(content_type: str) -> int:
        request = urllib.request.Request(
            url, data=b"v", method="PUT", headers={"Content-Type": content_type}
        )
        try:
            with opener.open(request) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    assert put("text/plain") == 403, "signed for video/mp4"
    assert not adapters.objects.exists("input", "a/b c.mp4")
    clock.now += 61
    assert put("video/mp4") == 403, "expired"
    clock.now -= 61
    assert put("video/mp4") == 200
    assert adapters.objects.download("input", "a/b c.mp4") == b"v"
    with pytest.raises(urllib.error.HTTPError) as wrong_method:
        opener.open(url)  # a GET on a PUT URL
    assert wrong_method.value.code == 403


def test_unknown_buckets_and_queues_are_not_found(adapters: Adapters) -> None:
    with pytest.raises(
        MissingResourceError, match="S3 bucket 'nope' does not exist.*input, output"
    ) as bucket:
        adapters.objects.upload("nope", "k", b"x")
    assert bucket.value.code == "NoSuchBucket"
    state = adapters.objects.state  # type: ignore[attr-defined]
    with pytest.raises(MissingResourceError, match="SQS queue 'nope' does not exist"):
        state.route_notifications("input", "nope")


def test_uploads_under_a_layout_with_a_notify_queue_notify_it_from_the_start(
    adapters: Adapters, tmp_path: Path
) -> None:
    """The schema's key layouts route segment uploads to video_worker, as Terraform does on AWS."""
    source = tmp_path / "s.mp4"
    source.write_bytes(b"12345")
    segment = build_segment_key("job-1", 0, 2, "sbs")
    adapters.objects.upload_file("input", segment, source)
    adapters.objects.upload("input", "segments/job-1/notes.txt", b"not a segment")
    (message,) = adapters.video_worker_receiver.receive(max_messages=10)
    (ref,) = parse_s3_event(message.body)
    assert (ref.bucket, ref.key, ref.size, ref.event_name) == (
        "input",
        segment,
        5,
        "ObjectCreated:Put",
    )
    assert parse_segment_key(ref.bucket, ref.key) is not None
    adapters.video_worker_receiver.delete(message.receipt_handle)
    # Large enough that the AWS adapter uploads it in parts: S3 says so in the event.
    source.write_bytes(bytes(8 * 1024 * 1024))
    adapters.objects.upload_file("input", build_segment_key("job-1", 1, 2, "sbs"), source)
    (message,) = adapters.video_worker_receiver.receive()
    assert parse_s3_event(message.body)[0].event_name == "ObjectCreated:CompleteMultipartUpload"

    adapters.objects.upload("input", build_input_key("job-1"), b"source")
    (message,) = adapters.chunking_receiver.receive()
    assert parse_s3_event(message.body)[0].key == "input/job-1/source.mp4"


def test_a_route_added_at_run_time_announces_itself_with_a_test_event(adapters: Adapters) -> None:
    state = adapters.objects.state  # type: ignore[attr-defined]
    state.route_notifications("output", "reassembly", prefix="jobs/", suffix="/final.mp4")
    (test_event,) = adapters.reassembly_receiver.receive()
    assert parse_s3_event(test_event.body) == []
    adapters.reassembly_receiver.delete(test_event.receipt_handle)
    adapters.objects.upload("output", "jobs/job-1/final.mp4", b"final")
    (message,) = adapters.reassembly_receiver.receive()
    assert parse_s3_event(message.body)[0].key == "jobs/job-1/final.mp4"


def test_a_failed_download_leaves_nothing_behind(adapters: Adapters, tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")
    with pytest.raises(ObjectNotFoundError):
        adapters.objects.download_file("output", "missing.mp4", target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


def test_delete_batch_answers_each_handle_alone_as_sqs_does(adapters: Adapters) -> None:
    adapters.chunking_sender.send_batch(["a", "b"])
    messages = adapters.chunking_receiver.receive(max_messages=10)
    assert len(messages) == 2
    with pytest.raises(BatchWriteError, match="ReceiptHandleIsInvalid") as caught:
        adapters.chunking_receiver.delete_batch([messages[0].receipt_handle, "forged"])
    assert caught.value.failed == ("forged",)
    state = adapters.objects.state  # type: ignore[attr-defined]
    assert len(state.queue("chunking")) == 1, "the good handle of the call was deleted"
    adapters.chunking_receiver.delete_batch([m.receipt_handle for m in messages])
    assert state.queue("chunking") == {}
