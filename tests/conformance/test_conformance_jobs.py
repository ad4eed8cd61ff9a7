"""Jobs and segment completions: the guarantees of docs/concepts/semantics.md, on every backend."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3
import pytest

from stereo_spot_shared import Adapters
from stereo_spot_shared.errors import (
    InvalidArgumentError,
    InvalidPageTokenError,
    InvalidTransitionError,
    JobNotFoundError,
)
from stereo_spot_shared.models import (
    Job,
    JobStatus,
    JobTableChange,
    SegmentCompletion,
    SegmentCompletionInsert,
    StereoMode,
)
from stereo_spot_shared.stream_records import decode_image, normalize_stream_record
from tests.conformance.conftest import REGION, Backend


def job(backend: Backend, **fields: object) -> Job:
    values: dict[str, object] = {
        "job_id": backend.unique("job"),
        "mode": StereoMode.SBS,
        "status": JobStatus.CREATED,
        "created_at": 100,
    }
    values.update(fields)
    return Job.model_validate(values)


def test_get_returns_none_for_a_missing_job_and_put_creates_or_overwrites(
    backend: Backend, adapters: Adapters
) -> None:
    created = job(backend)
    assert adapters.jobs.get(created.job_id) is None
    adapters.jobs.put(created)
    assert adapters.jobs.get(created.job_id) == created
    replaced = created.model_copy(update={"mode": StereoMode.ANAGLYPH, "created_at": None})
    adapters.jobs.put(replaced)
    assert adapters.jobs.get(created.job_id) == replaced


def test_update_sets_only_the_named_fields_and_only_on_an_existing_job(
    backend: Backend, adapters: Adapters
) -> None:
    created = job(backend, total_segments=3, status=JobStatus.CHUNKING_IN_PROGRESS)
    adapters.jobs.put(created)
    adapters.jobs.update(created.job_id, status="chunking_complete", completed_at=7)
    assert adapters.jobs.get(created.job_id) == created.model_copy(
        update={"status": JobStatus.CHUNKING_COMPLETE, "completed_at": 7}
    )

    ghost = backend.unique("ghost")
    with pytest.raises(JobNotFoundError) as missing:
        adapters.jobs.update(ghost, status=JobStatus.COMPLETED, completed_at=9)
    assert missing.value.job_id == ghost
    assert adapters.jobs.get(ghost) is None, "a failed update writes nothing"


def test_update_validates_values_like_the_model_and_skips_empty_updates(
    backend: Backend, adapters: Adapters
) -> None:
    created = job(backend)
    adapters.jobs.put(created)
    with pytest.raises(ValueError, match="status for Job"):
        adapters.jobs.update(created.job_id, status="bogus")
    with pytest.raises(TypeError, match="completed_at for Job"):
        adapters.jobs.update(created.job_id, completed_at="soon")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="total_segments for Job"):
        adapters.jobs.update(created.job_id, total_segments=-1)
    assert adapters.jobs.get(created.job_id) == created
    # No fields: nothing to do, not even for a job that does not exist.
    adapters.jobs.update(backend.unique("ghost"))


def completed_listing(adapters: Adapters, ours: set[str], page_size: int) -> tuple[list[str], int]:
    """Page through list_completed, the token through JSON; our ids in listed order, pages read."""
    seen: list[str] = []
    token = None
    pages = 0
    while pages < 500:
        items, token = adapters.jobs.list_completed(page_size, token)
        pages += 1
        assert len(items) <= page_size
        seen += [item.job_id for item in items if item.job_id in ours]
        if token is None:
            return seen, pages
        assert json.loads(json.dumps(token)) == token
        assert all(isinstance(value, (str, int)) for value in token.values())
        token = json.loads(json.dumps(token))
    raise AssertionError("list_completed never ended")


def test_list_completed_is_newest_first_with_a_json_token_no_duplicates_no_gaps(
    backend: Backend, adapters: Adapters
) -> None:
    completed = [job(backend, status="completed", completed_at=1_000 + n) for n in range(7)]
    # The same completion time twice: the token still names one position.
    completed.append(job(backend, status="completed", completed_at=1_003))
    for item in completed:
        adapters.jobs.put(item)
    not_completed = job(backend, status="chunking_complete", completed_at=5_000)
    adapters.jobs.put(not_completed)
    ours = {item.job_id for item in completed} | {not_completed.job_id}

    seen, pages = completed_listing(adapters, ours, page_size=2)

    assert sorted(seen) == sorted(item.job_id for item in completed), "every one, once"
    times = {item.job_id: item.completed_at for item in completed}
    listed_times = [times[job_id] for job_id in seen]
    assert listed_times == sorted(listed_times, reverse=True), "newest first"
    assert pages >= 4


def test_a_forged_or_foreign_page_token_is_rejected(backend: Backend, adapters: Adapters) -> None:
    for n in range(3):
        adapters.jobs.put(job(backend, status="completed", completed_at=2_000 + n))
    _, token = adapters.jobs.list_completed(1)
    assert token is not None
    forged: list[object] = [
        "next",
        {key: value for key, value in token.items() if key != "job_id"},
        {**token, "completed_at": str(token["completed_at"])},
        {**token, "status": "created"},
        {**token, "completed_at": True},
        {**token, "extra": 1},
    ]
    for bad in forged:
        with pytest.raises(InvalidPageTokenError):
            adapters.jobs.list_completed(1, bad)  # type: ignore[arg-type]


def completion(job_id: str, index: int, total: int | None = None) -> SegmentCompletion:
    return SegmentCompletion(
        job_id=job_id,
        segment_index=index,
        output_s3_uri=f"s3://out/{job_id}/{index:05d}.mp4",
        completed_at=10 + index,
        total_segments=total,
    )


def test_query_by_job_returns_every_completion_in_segment_order(
    backend: Backend, adapters: Adapters
) -> None:
    job_id = backend.unique("job")
    other = backend.unique("job")
    order = [5, 0, 3, 1, 4, 2, *range(6, 40)]
    for index in order[:6]:
        adapters.segment_completions.put(completion(job_id, index, 40))
    adapters.segment_completions.put_many([completion(job_id, i, 40) for i in order[6:]])
    adapters.segment_completions.put(completion(other, 0))

    result = adapters.segment_completions.query_by_job(job_id)

    assert [c.segment_index for c in result] == list(range(40))
    assert result[7] == completion(job_id, 7, 40)
    assert adapters.segment_completions.query_by_job(backend.unique("none")) == []


def test_put_many_writes_each_item_once_in_chunks_and_validates_first(
    backend: Backend, adapters: Adapters
) -> None:
    job_id = backend.unique("job")
    items = [completion(job_id, index) for index in range(60)]
    # A repeated key: the later one wins, as a later put would.
    items.append(completion(job_id, 3).model_copy(update={"completed_at": 999}))
    adapters.segment_completions.put_many(items)
    stored = adapters.segment_completions.query_by_job(job_id)
    assert len(stored) == 60
    assert stored[3].completed_at == 999

    fresh = backend.unique("job")
    with pytest.raises(TypeError, match=r"items\[1\] must be a SegmentCompletion"):
        adapters.segment_completions.put_many([completion(fresh, 0), {"segment_index": 1}])  # type: ignore[list-item]
    assert adapters.segment_completions.query_by_job(fresh) == [], "a bad batch writes nothing"


def test_status_moves_only_as_the_lifecycle_allows(backend: Backend, adapters: Adapters) -> None:
    created = job(backend)
    adapters.jobs.put(created)
    with pytest.raises(
        InvalidTransitionError, match="is 'created' and may not move to 'completed'"
    ):
        adapters.jobs.update(created.job_id, status=JobStatus.COMPLETED, completed_at=9)
    assert adapters.jobs.get(created.job_id) == created, "a refused move writes nothing"
    adapters.jobs.update(created.job_id, status=JobStatus.CREATED)  # re-setting is a safe retry
    adapters.jobs.update(created.job_id, status="chunking_in_progress")
    adapters.jobs.update(created.job_id, status="failed", failure_reason="no audio track")
    stored = adapters.jobs.get(created.job_id)
    assert stored is not None
    assert (stored.status, stored.failure_reason) == (JobStatus.FAILED, "no audio track")
    with pytest.raises(InvalidTransitionError):
        adapters.jobs.update(created.job_id, status="chunking_in_progress")


def test_list_in_progress_pages_every_unfinished_job_newest_first(
    backend: Backend, adapters: Adapters
) -> None:
    running = [job(backend, created_at=10_000 + n) for n in range(5)]
    for item in running:
        adapters.jobs.put(item)
    finished = job(backend, created_at=20_000, status=JobStatus.CHUNKING_COMPLETE)
    adapters.jobs.put(finished)
    adapters.jobs.update(finished.job_id, status=JobStatus.COMPLETED, completed_at=20_001)
    ours = {item.job_id for item in running} | {finished.job_id}

    seen: list[str] = []
    token = None
    for _ in range(500):
        page, token = adapters.jobs.list_in_progress_page(2, token)
        seen += [item.job_id for item in page if item.job_id in ours]
        if token is None:
            break
        token = json.loads(json.dumps(token))
    assert seen == [item.job_id for item in reversed(running)], "newest first, finished left out"


def test_list_in_progress_merges_the_original_s_statuses_newest_first(
    backend: Backend, adapters: Adapters
) -> None:
    # The table is shared: these are newer than any other test's jobs, so they come first.
    base = 9_000_000_000
    statuses = [
        JobStatus.CREATED,
        JobStatus.INGESTING,
        JobStatus.CHUNKING_IN_PROGRESS,
        JobStatus.CHUNKING_COMPLETE,
        JobStatus.REASSEMBLING,
        JobStatus.FAILED,
        JobStatus.COMPLETED,
        JobStatus.DELETED,
    ]
    listed = [job(backend, created_at=base + n, status=s) for n, s in enumerate(statuses)]
    for item in listed:
        adapters.jobs.put(item)
    newest_first = [item.job_id for item in reversed(listed[:6])]  # not completed nor deleted
    top = [item.job_id for item in adapters.jobs.list_in_progress(limit=3)]
    assert top == newest_first[:3]
    everything = [item.job_id for item in adapters.jobs.list_in_progress(500)]
    assert [j for j in everything if j in {i.job_id for i in listed}] == newest_first
    assert len(adapters.jobs.list_in_progress()) <= 20  # the original's default limit
    with pytest.raises(ValueError, match="limit must be at least 1"):
        adapters.jobs.list_in_progress(0)


def test_delete_by_job_deletes_the_whole_partition_and_says_how_many(
    backend: Backend, adapters: Adapters
) -> None:
    job_id, other = backend.unique("job"), backend.unique("job")
    adapters.segment_completions.put_many([completion(job_id, i) for i in range(30)])
    adapters.segment_completions.put(completion(other, 0))
    assert adapters.segment_completions.delete_by_job(job_id) == 30
    assert adapters.segment_completions.query_by_job(job_id) == []
    assert len(adapters.segment_completions.query_by_job(other)) == 1
    assert adapters.segment_completions.delete_by_job(job_id) == 0


def test_count_by_job_counts_the_partition_and_nothing_else(
    backend: Backend, adapters: Adapters
) -> None:
    job_id, other = backend.unique("job"), backend.unique("job")
    store = adapters.segment_completions
    assert store.count_by_job(job_id) == 0
    store.put_many([completion(job_id, i, 30) for i in range(30)])
    store.put(completion(other, 0))
    store.put(completion(job_id, 3, 30))  # an overwrite is still one item
    assert store.count_by_job(job_id) == 30
    assert store.count_by_job(other) == 1
    store.delete(job_id, 3)
    assert store.count_by_job(job_id) == 29
    with pytest.raises(InvalidArgumentError, match="job_id must not be empty"):
        store.count_by_job("")


def test_get_accepts_consistent_read_and_always_reads_consistently(
    backend: Backend, adapters: Adapters
) -> None:
    # The original's progress page asks for a consistent read (web-ui main.py:167 at ba8850c).
    created = job(backend)
    adapters.jobs.put(created)
    adapters.jobs.update(created.job_id, status=JobStatus.CHUNKING_IN_PROGRESS)
    moved = created.model_copy(update={"status": JobStatus.CHUNKING_IN_PROGRESS})
    assert adapters.jobs.get(created.job_id, consistent_read=True) == moved
    assert adapters.jobs.get(created.job_id, consistent_read=False) == moved
    assert adapters.jobs.get(backend.unique("missing"), consistent_read=True) is None


def test_a_failed_download_moves_chunking_back_to_created_for_a_retry(
    backend: Backend, adapters: Adapters
) -> None:
    # The seed's media worker rolls back when the source cannot be read (chunking.py:50-52).
    created = job(backend)
    adapters.jobs.put(created)
    adapters.jobs.update(created.job_id, status=JobStatus.CHUNKING_IN_PROGRESS)
    adapters.jobs.update(created.job_id, status=JobStatus.CREATED)
    assert adapters.jobs.get(created.job_id) == created
    adapters.jobs.update(created.job_id, status=JobStatus.CHUNKING_IN_PROGRESS)
    adapters.jobs.update(created.job_id, status=JobStatus.CHUNKING_COMPLETE, total_segments=2)
    with pytest.raises(InvalidTransitionError, match="may not move to 'created'"):
        adapters.jobs.update(created.job_id, status=JobStatus.CREATED)


def test_a_completed_or_failed_job_is_removed_and_stays_removed(
    backend: Backend, adapters: Adapters
) -> None:
    # The original's web UI soft-deletes finished jobs (web-ui routers/jobs.py:512-535 at
    # b622b25): a removal, schema [tables.jobs.lifecycle.removals].
    done = job(backend, status=JobStatus.CHUNKING_COMPLETE, total_segments=2)
    adapters.jobs.put(done)
    adapters.jobs.update(done.job_id, status=JobStatus.COMPLETED, completed_at=50)
    adapters.jobs.update(done.job_id, status=JobStatus.DELETED)
    adapters.jobs.update(done.job_id, status=JobStatus.DELETED)  # re-setting is a safe retry
    removed = done.model_copy(update={"status": JobStatus.DELETED, "completed_at": 50})
    assert adapters.jobs.get(done.job_id) == removed, "only the status changed"
    for status in JobStatus:
        if status is JobStatus.DELETED:
            continue
        with pytest.raises(InvalidTransitionError, match="is 'deleted' and may not move"):
            adapters.jobs.update(done.job_id, status=status)
    assert adapters.jobs.get(done.job_id) == removed, "a refused move writes nothing"

    failed = job(backend)
    adapters.jobs.put(failed)
    adapters.jobs.update(failed.job_id, status=JobStatus.FAILED, failure_reason="no audio")
    adapters.jobs.update(failed.job_id, status=JobStatus.DELETED)
    stored = adapters.jobs.get(failed.job_id)
    assert stored is not None
    assert (stored.status, stored.failure_reason) == (JobStatus.DELETED, "no audio")

    for status in (JobStatus.CREATED, JobStatus.CHUNKING_IN_PROGRESS, JobStatus.REASSEMBLING):
        running = job(backend, status=status)
        adapters.jobs.put(running)
        with pytest.raises(
            InvalidTransitionError, match=f"is '{status.value}' and may not move to 'deleted'"
        ):
            adapters.jobs.update(running.job_id, status=JobStatus.DELETED)
        assert adapters.jobs.get(running.job_id) == running


def test_a_removed_job_is_not_in_progress(backend: Backend, adapters: Adapters) -> None:
    # Newer than any other test's jobs, so they come first in list_in_progress.
    failed = job(backend, created_at=9_100_000_000)
    adapters.jobs.put(failed)
    adapters.jobs.update(failed.job_id, status=JobStatus.FAILED)
    assert failed.job_id in [item.job_id for item in adapters.jobs.list_in_progress(500)]
    adapters.jobs.update(failed.job_id, status=JobStatus.DELETED)
    assert failed.job_id not in [item.job_id for item in adapters.jobs.list_in_progress(500)]
    seen: list[str] = []
    token = None
    for _ in range(500):
        page, token = adapters.jobs.list_in_progress_page(100, token)
        seen += [item.job_id for item in page]
        if token is None:
            break
    assert seen and failed.job_id not in seen, "no marker on a removed job"


# --------------------------------------------------------------------------- table streams
# On AWS the records come from DynamoDB Streams (EventBridge Pipes forward them to
# the job-events queue, adding eventSourceARN); the in-memory backend puts the same
# records on the job-events queue itself. The test reads each backend's records the
# way its pipeline would and compares them with one expected list. In this module,
# not its own, so it shares the module's provisioned tables.


def _memory_records(adapters: Adapters) -> list[dict[str, Any]]:
    receiver = adapters.job_events_receiver
    assert receiver is not None
    records = []
    while messages := receiver.receive(10):
        for message in messages:
            body = message.body
            records.append(json.loads(body if isinstance(body, str) else body.decode()))
            receiver.delete(message.receipt_handle)
    return records


def _stream_records(backend: Backend, stream_arn: str) -> list[dict[str, Any]]:
    """Every record of one stream, with the eventSourceARN a pipe adds."""
    # In-process moto answers the default endpoint; a server answers streams on the
    # endpoint the bundle's DynamoDB client uses (its own variables are cleared by now).
    client = backend.adapters.jobs._client  # type: ignore[attr-defined]
    endpoint = None if backend.name == "moto" else client.meta.endpoint_url
    assert endpoint is None or "amazonaws.com" not in endpoint
    streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=endpoint)
    records = []
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        ).get("ShardIterator")
        while iterator:
            response = streams.get_records(ShardIterator=iterator)
            if not response["Records"]:
                break
            records += [{**r, "eventSourceARN": stream_arn} for r in response["Records"]]
            iterator = response.get("NextShardIterator")
    return records


def _records(backend: Backend, adapters: Adapters) -> list[dict[str, Any]]:
    if backend.name == "memory":
        return _memory_records(adapters)
    arns = (adapters.jobs_stream_arn, adapters.segment_completions_stream_arn)
    assert all(arns), "provision() sets both stream ARNs"
    return [r for arn in arns if arn for r in _stream_records(backend, arn)]


def _image(change: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    image = change.get(name)
    return None if image is None else decode_image(image)


def test_changes_reach_the_pipeline_as_the_same_stream_records(
    backend: Backend, adapters: Adapters
) -> None:
    job_id = backend.unique("job")
    created = Job(job_id=job_id, mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=100)
    adapters.jobs.put(created)
    adapters.jobs.update(job_id, status=JobStatus.CHUNKING_IN_PROGRESS, total_segments=2)
    first = SegmentCompletion(
        job_id=job_id, segment_index=0, output_s3_uri="s3://out/0.mp4", completed_at=200
    )
    adapters.segment_completions.put(first)
    adapters.segment_completions.put(first.model_copy(update={"completed_at": 201}))
    adapters.jobs.delete(job_id)

    records = [
        r
        for r in _records(backend, adapters)
        if decode_image(r["dynamodb"]["Keys"]).get("job_id") == job_id
    ]
    seen = [
        (
            r["eventName"],
            decode_image(r["dynamodb"]["Keys"]),
            _image(r["dynamodb"], "OldImage"),
            _image(r["dynamodb"], "NewImage"),
        )
        for r in records
    ]
    job_key, segment_key = {"job_id": job_id}, {"job_id": job_id, "segment_index": 0}
    stored = {"job_id": job_id, "mode": "sbs", "status": "created", "created_at": 100}
    started = {**stored, "status": "chunking_in_progress", "total_segments": 2}
    segment = {"job_id": job_id, "segment_index": 0, "output_s3_uri": "s3://out/0.mp4"}
    expected_jobs = [
        ("INSERT", job_key, None, {**stored, "in_progress": "1"}),
        ("MODIFY", job_key, {**stored, "in_progress": "1"}, {**started, "in_progress": "1"}),
        ("REMOVE", job_key, {**started, "in_progress": "1"}, None),
    ]
    expected_segments = [
        ("INSERT", segment_key, None, {**segment, "completed_at": 200}),
        ("MODIFY", segment_key, {**segment, "completed_at": 200}, {**segment, "completed_at": 201}),
    ]
    assert [s for s in seen if "segment_index" not in s[1]] == expected_jobs
    assert [s for s in seen if "segment_index" in s[1]] == expected_segments

    events = [
        normalize_stream_record(
            r,
            jobs_stream_arn=adapters.jobs_stream_arn,
            segment_completions_stream_arn=adapters.segment_completions_stream_arn,
        )
        for r in records
    ]
    assert [e for e in events if isinstance(e, JobTableChange)] == [
        JobTableChange(job_id=job_id, new_image={**stored, "in_progress": "1"}),
        JobTableChange(job_id=job_id, new_image={**started, "in_progress": "1"}),
    ]
    assert [e for e in events if isinstance(e, SegmentCompletionInsert)] == [
        SegmentCompletionInsert(job_id=job_id, segment_index=0)
    ]
