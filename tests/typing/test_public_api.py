"""The public API's types, pinned: ``mypy --strict tests/typing`` checks every ``assert_type``.

It runs as a pytest test too (on moto), so each call is real and the classes
are checked against the ``runtime_checkable`` Protocols at run time as well.
A ``type: ignore[...]`` line is a promise that mypy rejects that call; strict
mode's ``warn_unused_ignores`` fails if the API ever starts accepting it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import assert_type

import pytest

from stereo_spot_aws_adapters import (
    DynamoDBJobStore,
    DynamoSegmentCompletionStore,
    ReassemblyTriggeredLock,
    S3ObjectStorage,
    SQSQueueReceiver,
    SQSQueueSender,
    parse_chunking_event,
    parse_reassembly_payload,
)
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.env_config import (
    check_environment,
    input_bucket_name,
    job_store_from_env,
    object_storage_from_env,
    output_bucket_name,
    reassembly_queue_receiver_from_env,
    reassembly_queue_sender_from_env,
    reassembly_triggered_lock_from_env,
    segment_completion_store_from_env,
)
from stereo_spot_shared.errors import InvalidTransitionError
from stereo_spot_shared.interfaces import (
    JobStore,
    JobStoreWithLifecycle,
    MessageAttributeValue,
    ObjectStorage,
    PageToken,
    QueueMessage,
    QueueReceiver,
    QueueReceiverWithProcessing,
    QueueSender,
    QueueSenderWithAttributes,
    ReassemblyLock,
    ReassemblyLockWithHold,
    SegmentCompletionStore,
    SegmentCompletionStoreWithDelete,
)
from stereo_spot_shared.leases import HeldLease
from stereo_spot_shared.models import (
    Job,
    JobListItem,
    JobStatus,
    ReassemblyPayload,
    SegmentCompletion,
    StereoMode,
)
from stereo_spot_shared.processing import BatchWork, MessageWork
from stereo_spot_shared.s3_events import S3ObjectRef


@pytest.fixture
def environment(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every resource of the schema on moto, named by the variables the factories read."""
    for name, value in provision(prefix="typing").items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("environment")
def test_job_store() -> None:
    store = job_store_from_env()
    assert_type(store, DynamoDBJobStore)
    as_protocol: JobStore = store
    assert isinstance(as_protocol, JobStore)
    with_lifecycle: JobStoreWithLifecycle = store
    assert isinstance(with_lifecycle, JobStoreWithLifecycle)

    job = Job(job_id="job-1", mode=StereoMode.SBS, status=JobStatus.CREATED)
    assert_type(store.put(job), None)
    found = store.get("job-1")
    assert_type(found, Job | None)
    assert found == job
    page_in_progress, _ = store.list_in_progress_page(10)
    assert_type(page_in_progress, list[Job])
    assert page_in_progress == []  # no created_at: no place in the newest-first order
    for status in ("chunking_in_progress", "chunking_complete"):
        store.update("job-1", status=status)
    assert_type(store.update("job-1", status="completed", completed_at=100), None)
    with pytest.raises(InvalidTransitionError):
        store.update("job-1", status=JobStatus.CREATED)

    page, token = store.list_completed(10)
    assert_type(page, list[JobListItem])
    assert_type(token, PageToken | None)
    assert page == [JobListItem(job_id="job-1", mode=StereoMode.SBS, completed_at=100)]
    assert token is None

    store.put(
        Job(job_id="job-2", mode=StereoMode.ANAGLYPH, status=JobStatus.COMPLETED, completed_at=50)
    )
    newest, first = store.list_completed(1)
    assert [item.job_id for item in newest] == ["job-1"]
    assert first is not None
    following = store.list_completed(1, json.loads(json.dumps(first)))
    assert_type(following, tuple[list[JobListItem], PageToken | None])
    assert [item.job_id for item in following[0]] == ["job-2"]

    with pytest.raises(TypeError):
        store.get(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.update("job-1", status="no-such-status")


@pytest.mark.usefixtures("environment")
def test_segment_completion_store() -> None:
    store = segment_completion_store_from_env()
    assert_type(store, DynamoSegmentCompletionStore)
    as_protocol: SegmentCompletionStore = store
    assert isinstance(as_protocol, SegmentCompletionStore)
    with_delete: SegmentCompletionStoreWithDelete = store
    assert isinstance(with_delete, SegmentCompletionStoreWithDelete)

    completions = [
        SegmentCompletion(
            job_id="job-1", segment_index=i, output_s3_uri=f"s3://o/{i}", completed_at=i
        )
        for i in (2, 0, 1)
    ]
    assert_type(store.put_many(completions), None)
    listed = store.query_by_job("job-1")
    assert_type(listed, list[SegmentCompletion])
    assert [c.segment_index for c in listed] == [0, 1, 2]
    deleted = store.delete_by_job("job-1")
    assert_type(deleted, int)
    assert deleted == 3
    with pytest.raises(TypeError):
        store.put(Job(job_id="job-1", mode=StereoMode.SBS, status=JobStatus.CREATED))  # type: ignore[arg-type]


@pytest.mark.usefixtures("environment")
def test_reassembly_lock() -> None:
    lock = reassembly_triggered_lock_from_env()
    assert_type(lock, ReassemblyTriggeredLock)
    as_protocol: ReassemblyLock = lock
    assert isinstance(as_protocol, ReassemblyLock)
    with_hold: ReassemblyLockWithHold = lock
    assert isinstance(with_hold, ReassemblyLockWithHold)

    assert_type(lock.try_trigger("job-1"), bool)
    assert lock.try_trigger("job-1") is False
    acquired = lock.try_acquire("job-1")
    assert_type(acquired, bool)
    assert acquired is True
    assert as_protocol.try_acquire("job-1") is False, "a second owner does not get the lease"

    lock.try_trigger("job-2")
    with lock.hold("job-2", lease_seconds=60) as lease:
        assert_type(lease, HeldLease[str])
        assert_type(lease.acquired, bool)
        assert_type(lease.lost, bool)
        assert lease.acquired
    with pytest.raises(TypeError):
        lock.hold(2)  # type: ignore[arg-type]


@pytest.mark.usefixtures("environment")
def test_queues() -> None:
    sender = reassembly_queue_sender_from_env()
    receiver = reassembly_queue_receiver_from_env(wait_time_seconds=0)
    assert_type(sender, SQSQueueSender)
    assert_type(receiver, SQSQueueReceiver)
    as_sender: QueueSender = sender
    as_receiver: QueueReceiver = receiver
    with_processing: QueueReceiverWithProcessing = receiver
    assert isinstance(with_processing, QueueReceiverWithProcessing)
    with_attributes: QueueSenderWithAttributes = sender
    assert isinstance(with_attributes, QueueSenderWithAttributes)
    assert isinstance(as_sender, QueueSender)
    assert isinstance(as_receiver, QueueReceiver)

    assert_type(sender.send(ReassemblyPayload(job_id="job-1").model_dump_json()), str)
    messages = receiver.receive()
    assert_type(messages, list[QueueMessage])
    (message,) = messages
    assert_type(message.attributes, Mapping[str, MessageAttributeValue])
    payload = parse_reassembly_payload(message.body)
    assert_type(payload, ReassemblyPayload)
    assert payload.job_id == "job-1"
    assert_type(parse_chunking_event('{"Event": "s3:TestEvent"}'), list[S3ObjectRef])
    assert receiver.visibility_timeout_seconds == 1800  # the schema's, through env_config

    with receiver.processing(message) as work:
        assert_type(work, MessageWork)
        assert_type(work.lost, bool)
    sender.send_batch(["a", "b"])
    with receiver.processing_batch(receiver.receive(max_messages=10)) as batch:
        assert_type(batch, BatchWork)
        assert_type(batch.lost, list[QueueMessage])


@pytest.mark.usefixtures("environment")
def test_object_storage_and_bucket_names() -> None:
    storage = object_storage_from_env()
    assert_type(storage, S3ObjectStorage)
    as_protocol: ObjectStorage = storage
    assert isinstance(as_protocol, ObjectStorage)

    bucket = input_bucket_name()
    assert bucket == "typing-input"
    assert_type(bucket, str)
    assert_type(output_bucket_name(), str)
    assert_type(storage.upload(bucket, "a.mp4", b"video"), None)
    assert_type(storage.exists(bucket, "a.mp4"), bool)
    assert_type(storage.download(bucket, "a.mp4"), bytes)
    assert_type(storage.list_object_keys(bucket), list[str])
    assert_type(check_environment(), None)


def test_the_backend_bundle_is_typed_the_same_on_every_backend() -> None:
    from stereo_spot_shared import Adapters, adapters_from_env
    from stereo_spot_shared.generated.adapters import JobsTable, ReassemblyTriggeredTable
    from stereo_spot_shared.generated.memory_backend import build_adapters

    adapters = adapters_from_env(backend="memory", wait_time_seconds=0)
    assert_type(adapters, Adapters)
    assert_type(build_adapters(), Adapters)
    assert_type(adapters.jobs, JobsTable)
    assert_type(adapters.reassembly_triggered, ReassemblyTriggeredTable)
    assert_type(adapters.reassembly_triggered.try_trigger("job"), bool)
    assert_type(adapters.jobs.list_completed(1), tuple[list[JobListItem], PageToken | None])
    assert_type(adapters.chunking_receiver, QueueReceiverWithProcessing)
    assert_type(adapters.objects, ObjectStorage)
    assert_type(adapters.input_bucket, str)
    store: JobStore = adapters.jobs  # every table Protocol extends the interface it names
    lock: ReassemblyLock = adapters.reassembly_triggered
    assert isinstance(store, JobStore) and isinstance(lock, ReassemblyLock)
    with pytest.raises(TypeError):
        adapters.jobs.update("job", status=3)  # type: ignore[arg-type]
