"""The job lifecycle the schema declares: guarded updates, in-progress listing, deletes."""

from __future__ import annotations

import json
from itertools import product
from typing import Any

import boto3
import pytest

from stereo_spot_aws_adapters import DynamoDBJobStore, DynamoSegmentCompletionStore
from stereo_spot_aws_adapters._retry import BatchRetry
from stereo_spot_shared.errors import BatchWriteError, InvalidTransitionError, JobNotFoundError
from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode

# Written out by hand from schema/stereo_spot.toml, so a schema edit that changes
# the lifecycle has to change this test too.
PIPELINE = [
    "created",
    "ingesting",
    "chunking_in_progress",
    "chunking_complete",
    "reassembling",
    "completed",
]
ALLOWED = {
    ("created", "chunking_in_progress"),
    ("created", "ingesting"),
    ("ingesting", "chunking_in_progress"),
    ("chunking_in_progress", "chunking_complete"),
    ("chunking_complete", "completed"),
    ("chunking_complete", "reassembling"),
    ("reassembling", "completed"),
    ("created", "failed"),
    ("ingesting", "failed"),
    ("chunking_in_progress", "failed"),
    ("chunking_complete", "failed"),
    ("reassembling", "failed"),
    ("chunking_in_progress", "created"),  # a retry: the media worker could not read the upload
    ("completed", "deleted"),  # removals: the web UI soft-deletes a finished job
    ("failed", "deleted"),
}
STATUSES = [status.value for status in JobStatus]
# deleted: reached only by a removal, no move out of it (not even to failed).
FINAL = {"completed", "failed", "deleted"}


def raw_items(table_name: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name="us-east-1").scan(
        TableName=table_name, ConsistentRead=True
    )["Items"]


@pytest.fixture
def jobs(table_names: dict[str, str]) -> DynamoDBJobStore:
    return DynamoDBJobStore(table_names["jobs"])


@pytest.fixture
def segments(table_names: dict[str, str]) -> DynamoSegmentCompletionStore:
    return DynamoSegmentCompletionStore(table_names["segment_completions"])


def job(job_id: str, status: str, created_at: int = 1_000) -> Job:
    return Job(job_id=job_id, mode=StereoMode.SBS, status=JobStatus(status), created_at=created_at)


def test_statuses_include_failed() -> None:
    assert [*PIPELINE, "failed", "deleted"] == STATUSES


@pytest.mark.parametrize(
    ("current", "requested"),
    [pair for pair in product(STATUSES, STATUSES)],
    ids=[f"{a}->{b}" for a, b in product(STATUSES, STATUSES)],
)
def test_every_transition_is_allowed_or_refused_as_declared(
    jobs: DynamoDBJobStore, table_names: dict[str, str], current: str, requested: str
) -> None:
    jobs.put(job("j1", current))
    before = raw_items(table_names["jobs"])

    if current == requested or (current, requested) in ALLOWED:
        jobs.update("j1", status=requested, total_segments=4)
        stored = jobs.get("j1")
        assert stored is not None
        assert stored.status.value == requested and stored.total_segments == 4
        return
    with pytest.raises(InvalidTransitionError) as refused:
        jobs.update("j1", status=requested, total_segments=4)
    assert (refused.value.job_id, refused.value.current, refused.value.requested) == (
        "j1",
        current,
        requested,
    )
    assert "'j1'" in str(refused.value)
    assert raw_items(table_names["jobs"]) == before  # nothing written, not even total_segments


def test_a_late_worker_cannot_move_a_completed_job_back(
    jobs: DynamoDBJobStore, table_names: dict[str, str]
) -> None:
    jobs.put(job("j1", "completed"))
    before = raw_items(table_names["jobs"])

    with pytest.raises(InvalidTransitionError, match="'completed' and may not move to"):
        jobs.update("j1", status=JobStatus.CHUNKING_COMPLETE)

    assert raw_items(table_names["jobs"]) == before


def test_the_refusal_costs_one_request(
    jobs: DynamoDBJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.put(job("j1", "completed"))
    calls: list[str] = []
    client = jobs._client
    for name in ("update_item", "get_item", "query", "scan"):
        original = getattr(client, name)

        def counted(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(client, name, counted)

    with pytest.raises(InvalidTransitionError):
        jobs.update("j1", status="created")
    assert calls == ["update_item"]


def test_a_missing_job_is_still_not_found(jobs: DynamoDBJobStore) -> None:
    with pytest.raises(JobNotFoundError):
        jobs.update("ghost", status="failed")


def test_failed_with_a_reason(jobs: DynamoDBJobStore) -> None:
    jobs.put(job("j1", "chunking_in_progress"))

    jobs.update("j1", status=JobStatus.FAILED, failure_reason="ffmpeg exited 1")
    jobs.update("j1", status=JobStatus.FAILED)  # a retried failure report is harmless

    stored = jobs.get("j1")
    assert stored is not None
    assert stored.status is JobStatus.FAILED and stored.failure_reason == "ffmpeg exited 1"


def test_an_item_written_before_the_new_fields_reads_back(
    jobs: DynamoDBJobStore, table_names: dict[str, str]
) -> None:
    # As the seed's version wrote it: no failure_reason, no in_progress marker.
    boto3.client("dynamodb", region_name="us-east-1").put_item(
        TableName=table_names["jobs"],
        Item={
            "job_id": {"S": "old"},
            "mode": {"S": "sbs"},
            "status": {"S": "chunking_complete"},
            "created_at": {"N": "5"},
        },
    )

    assert jobs.get("old") == Job(
        job_id="old", mode=StereoMode.SBS, status=JobStatus.CHUNKING_COMPLETE, created_at=5
    )
    jobs.update("old", status="completed", completed_at=9)
    stored = jobs.get("old")
    assert stored is not None and stored.failure_reason is None
    assert stored.status is JobStatus.COMPLETED


def test_list_in_progress_lists_every_non_final_job_newest_first(
    jobs: DynamoDBJobStore,
) -> None:
    for index in range(7):
        jobs.put(job(f"run-{index}", PIPELINE[index % 3], created_at=100 + index))
    jobs.put(job("done", "completed", created_at=500))
    jobs.put(job("broken", "failed", created_at=600))

    seen: list[str] = []
    token = None
    while True:
        page, token = jobs.list_in_progress_page(3, token)
        assert len(page) <= 3
        seen += [j.job_id for j in page]
        if token is None:
            break
        token = json.loads(json.dumps(token))  # tokens survive a JSON round trip
    assert seen == [f"run-{index}" for index in reversed(range(7))]


def test_a_job_leaves_the_in_progress_listing_when_it_ends(jobs: DynamoDBJobStore) -> None:
    jobs.put(job("a", "chunking_complete", created_at=1))
    jobs.put(job("b", "created", created_at=2))

    jobs.update("a", status="completed", completed_at=3)
    jobs.update("b", status="failed", failure_reason="bad upload")

    assert jobs.list_in_progress_page(10) == ([], None)
    jobs.put(job("c", "created", created_at=4))
    jobs.update("c", status="chunking_in_progress")
    page, _ = jobs.list_in_progress_page(10)
    assert [(j.job_id, j.status) for j in page] == [("c", JobStatus.CHUNKING_IN_PROGRESS)]


def completion(job_id: str, index: int) -> SegmentCompletion:
    return SegmentCompletion(
        job_id=job_id,
        segment_index=index,
        output_s3_uri=f"s3://out/{job_id}/{index}.mp4",
        completed_at=1,
    )


def test_delete_by_job_deletes_every_page_and_nothing_else(
    segments: DynamoSegmentCompletionStore, table_names: dict[str, str]
) -> None:
    # Large enough output URIs that a query page (1 MB) cannot hold them all.
    big = "x" * 9_000
    many = [
        completion("doomed", index).model_copy(update={"output_s3_uri": big})
        for index in range(260)
    ]
    segments.put_many(many)
    segments.put_many([completion("kept", index) for index in range(3)])

    assert segments.delete_by_job("doomed") == 260

    assert segments.query_by_job("doomed") == []
    assert len(segments.query_by_job("kept")) == 3
    assert segments.delete_by_job("doomed") == 0  # idempotent


def test_delete_by_job_retries_unprocessed_and_reports_what_is_left(
    segments: DynamoSegmentCompletionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments.put_many([completion("j", index) for index in range(30)])
    client = segments._client
    original = client.batch_write_item
    throttled: list[int] = []

    def first_request_half_processed(**kwargs: Any) -> Any:
        requests = next(iter(kwargs["RequestItems"].values()))
        if not throttled:
            throttled.append(len(requests))
            kept, left = requests[:10], requests[10:]
            original(RequestItems={segments.table_name: kept})
            return {"UnprocessedItems": {segments.table_name: left}}
        return original(**kwargs)

    monkeypatch.setattr(client, "batch_write_item", first_request_half_processed)
    segments.batch_retry = BatchRetry(attempts=3, sleep=lambda _: None)

    assert segments.delete_by_job("j") == 30
    assert throttled == [25] and segments.query_by_job("j") == []


def test_delete_by_job_that_cannot_finish_names_the_keys_left(
    segments: DynamoSegmentCompletionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments.put_many([completion("j", index) for index in range(3)])

    def never_processed(**kwargs: Any) -> Any:
        return {"UnprocessedItems": kwargs["RequestItems"]}

    monkeypatch.setattr(segments._client, "batch_write_item", never_processed)
    segments.batch_retry = BatchRetry(attempts=2, sleep=lambda _: None)

    with pytest.raises(BatchWriteError) as failed:
        segments.delete_by_job("j")
    assert sorted(failed.value.failed, key=repr) == [
        {"job_id": "j", "segment_index": index} for index in range(3)
    ]
    monkeypatch.undo()
    assert len(segments.query_by_job("j")) == 3
