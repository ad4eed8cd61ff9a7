"""Every adapter built only from environment variables, used end to end over real HTTP.

This is how a deployed service starts: Terraform outputs in the environment,
``AWS_ENDPOINT_URL`` pointing at the endpoint (here moto's server), nothing else.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from fixtures import deployment

from stereo_spot_aws_adapters import env_config
from stereo_spot_shared.models import (
    Job,
    JobListItem,
    JobStatus,
    ReassemblyPayload,
    SegmentCompletion,
    StereoMode,
)

pytestmark = pytest.mark.integration

__all__ = ["deployment"]  # the imported fixture is used by name


def test_every_variable_is_set(deployment: dict[str, str]) -> None:
    env_config.check_environment()
    # A full deployment also provisions the optional resources, which VARIABLES leaves out.
    optional = {variable.name for variable in env_config.OPTIONAL_VARIABLES}
    assert {"INGEST_QUEUE_URL", "OUTPUT_EVENTS_QUEUE_URL"} <= optional
    assert set(deployment) == {variable.name for variable in env_config.VARIABLES} | optional


def test_jobs_round_trip(deployment: dict[str, str]) -> None:
    jobs = env_config.job_store_from_env()
    assert jobs.table_name == deployment["JOBS_TABLE_NAME"]
    for number in range(3):
        jobs.put(Job(job_id=f"job-{number}", mode=StereoMode.SBS, status=JobStatus.CREATED))
    for job_id in ("job-1", "job-2"):  # along the lifecycle the schema declares
        jobs.update(job_id, status=JobStatus.CHUNKING_IN_PROGRESS)
        jobs.update(job_id, status=JobStatus.CHUNKING_COMPLETE)

    jobs.update("job-1", status=JobStatus.COMPLETED, total_segments=4, completed_at=200)
    jobs.update("job-2", status="completed", completed_at=300)

    assert jobs.get("job-1") == Job(
        job_id="job-1",
        mode=StereoMode.SBS,
        status=JobStatus.COMPLETED,
        total_segments=4,
        completed_at=200,
    )
    assert jobs.get("job-0") == Job(job_id="job-0", mode=StereoMode.SBS, status=JobStatus.CREATED)
    assert jobs.get("missing") is None
    first, token = jobs.list_completed(1)
    assert first == [JobListItem(job_id="job-2", mode=StereoMode.SBS, completed_at=300)]
    assert token is not None
    second, _ = jobs.list_completed(5, token)
    assert second == [JobListItem(job_id="job-1", mode=StereoMode.SBS, completed_at=200)]


def test_completions_and_lock(deployment: dict[str, str]) -> None:
    completions = env_config.segment_completion_store_from_env()
    lock = env_config.reassembly_triggered_lock_from_env()
    written = [
        SegmentCompletion(
            job_id="job-1",
            segment_index=index,
            output_s3_uri=f"s3://{deployment['OUTPUT_BUCKET_NAME']}/job-1/{index}.mp4",
            completed_at=100 + index,
            total_segments=3,
        )
        for index in range(3)
    ]
    completions.put(written[2])
    completions.put_many(written[:2])
    assert completions.query_by_job("job-1") == written
    assert completions.query_by_job("job-2") == []

    assert lock.try_acquire("job-1") is False, "nothing to lease before the trigger"
    assert lock.try_trigger("job-1") is True
    assert lock.try_trigger("job-1") is False
    assert lock.try_acquire("job-1") is True
    assert env_config.reassembly_triggered_lock_from_env().try_acquire("job-1") is False
    assert lock.complete("job-1") is True


@pytest.mark.parametrize("queue", ["chunking", "video_worker", "reassembly"])
def test_each_queue_sends_receives_and_deletes(deployment: dict[str, str], queue: str) -> None:
    sender = getattr(env_config, f"{queue}_queue_sender_from_env")()
    receiver = getattr(env_config, f"{queue}_queue_receiver_from_env")(wait_time_seconds=0)
    assert sender.queue_url == deployment[f"{queue.upper()}_QUEUE_URL"]
    payload = ReassemblyPayload(job_id=f"job-for-{queue}").model_dump_json()

    sender.send(payload)
    sender.send_batch([b"\x00binary", "second"])
    received = [message for _ in range(5) for message in receiver.receive(max_messages=10)]

    assert sorted(map(repr, (m.body for m in received))) == sorted(
        map(repr, [payload, b"\x00binary", "second"])
    )
    first, *rest = received
    receiver.change_visibility(first.receipt_handle, 0)
    [again] = [message for _ in range(5) for message in receiver.receive(max_messages=10)]
    assert (again.message_id, again.receive_count) == (first.message_id, 2)
    receiver.delete(again.receipt_handle)
    receiver.delete_batch([message.receipt_handle for message in rest])
    assert receiver.receive(max_messages=10) == []


def test_buckets_upload_download_and_presign(deployment: dict[str, str], tmp_path: Path) -> None:
    storage = env_config.object_storage_from_env()
    source = env_config.input_bucket_name()
    output = env_config.output_bucket_name()
    assert (source, output) == (deployment["INPUT_BUCKET_NAME"], deployment["OUTPUT_BUCKET_NAME"])

    storage.upload(source, "input/job-1/video.mp4", b"source video")
    assert storage.download(source, "input/job-1/video.mp4") == b"source video"
    (tmp_path / "segment.mp4").write_bytes(b"segment" * 1000)
    storage.upload_file(source, "segments/job-1/0.mp4", tmp_path / "segment.mp4")
    storage.download_file(source, "segments/job-1/0.mp4", tmp_path / "copy.mp4")
    assert (tmp_path / "copy.mp4").read_bytes() == b"segment" * 1000
    assert storage.list_object_keys(source) == ["input/job-1/video.mp4", "segments/job-1/0.mp4"]

    put = urllib.request.Request(
        storage.presign_upload(output, "jobs/job-1/final.mp4", expires_in=300),
        data=b"stereo video",
        method="PUT",
        headers={"Content-Type": "video/mp4"},
    )
    with urllib.request.urlopen(put, timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(
        storage.presign_download(output, "jobs/job-1/final.mp4"), timeout=10
    ) as response:
        assert response.read() == b"stereo video"
    assert storage.exists(output, "jobs/job-1/final.mp4")
    storage.delete(output, "jobs/job-1/final.mp4")
    assert not storage.exists(output, "jobs/job-1/final.mp4")
