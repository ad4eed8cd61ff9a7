"""Behaviour of the generated DynamoDB stores, on moto in-process."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from stereo_spot_aws_adapters import (
    DynamoDBJobStore,
    DynamoSegmentCompletionStore,
    ReassemblyTriggeredLock,
)
from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters._retry import BatchRetry
from stereo_spot_shared.errors import (
    BatchWriteError,
    InvalidPageTokenError,
    JobNotFoundError,
    RetryableServiceError,
)
from stereo_spot_shared.interfaces import (
    JobStore,
    ReassemblyLock,
    SegmentCompletionStore,
)
from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode


def scan(table_name: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table_name)["Items"]


@pytest.fixture
def jobs(table_names: dict[str, str]) -> DynamoDBJobStore:
    return DynamoDBJobStore(table_names["jobs"])


@pytest.fixture
def segments(table_names: dict[str, str]) -> DynamoSegmentCompletionStore:
    return DynamoSegmentCompletionStore(table_names["segment_completions"])


@pytest.fixture
def lock(table_names: dict[str, str]) -> ReassemblyTriggeredLock:
    return ReassemblyTriggeredLock(table_names["reassembly_triggered"])


def completed_job(index: int) -> Job:
    return Job(
        job_id=f"job-{index:03d}",
        mode=StereoMode.SBS if index % 2 else StereoMode.ANAGLYPH,
        status=JobStatus.COMPLETED,
        created_at=1_700_000_000 + index,
        completed_at=1_700_000_100 + index,
        total_segments=3,
    )


def test_every_store_satisfies_its_protocol(
    jobs: DynamoDBJobStore, segments: DynamoSegmentCompletionStore, lock: ReassemblyTriggeredLock
) -> None:
    assert isinstance(jobs, JobStore)
    assert isinstance(segments, SegmentCompletionStore)
    assert isinstance(lock, ReassemblyLock)


def test_stores_share_one_client_per_service_region_and_endpoint(
    table_names: dict[str, str],
) -> None:
    first = DynamoDBJobStore(table_names["jobs"])
    second = DynamoSegmentCompletionStore(table_names["segment_completions"])
    other_region = DynamoDBJobStore(table_names["jobs"], region_name="eu-west-1")
    assert first._client is second._client
    assert first._client is get_client("dynamodb")
    assert other_region._client is not first._client


def test_clients_retry_in_standard_mode_unless_the_user_says_otherwise(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stereo_spot_aws_adapters._clients import clear_client_cache

    retries = get_client("dynamodb").meta.config.retries
    assert retries is not None and retries["mode"] == "standard"
    clear_client_cache()
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    retries = get_client("dynamodb").meta.config.retries
    assert retries is None or retries.get("mode") != "standard"


def test_get_returns_none_for_a_missing_job(jobs: DynamoDBJobStore) -> None:
    assert jobs.get("nope") is None


def test_put_then_get_round_trips_with_plain_ints(jobs: DynamoDBJobStore) -> None:
    job = Job(job_id="j1", mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=1_700_000_000)
    jobs.put(job)
    loaded = jobs.get("j1")
    assert loaded == job
    assert loaded is not None and type(loaded.created_at) is int
    assert loaded.total_segments is None and loaded.completed_at is None


def test_put_overwrites(jobs: DynamoDBJobStore) -> None:
    jobs.put(Job(job_id="j1", mode=StereoMode.SBS, status=JobStatus.CREATED, total_segments=2))
    jobs.put(Job(job_id="j1", mode=StereoMode.ANAGLYPH, status=JobStatus.CREATED))
    loaded = jobs.get("j1")
    assert loaded is not None
    assert loaded.mode is StereoMode.ANAGLYPH and loaded.total_segments is None


def test_update_changes_only_the_named_fields(jobs: DynamoDBJobStore) -> None:
    jobs.put(Job(job_id="j1", mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=5))
    jobs.update("j1", status=JobStatus.CHUNKING_IN_PROGRESS)
    jobs.update("j1", status=JobStatus.CHUNKING_COMPLETE, total_segments=7)
    jobs.update("j1", status="completed", completed_at=99)
    assert jobs.get("j1") == Job(
        job_id="j1",
        mode=StereoMode.SBS,
        status=JobStatus.COMPLETED,
        created_at=5,
        total_segments=7,
        completed_at=99,
    )


def test_update_of_a_missing_job_raises_and_writes_no_ghost(
    jobs: DynamoDBJobStore, table_names: dict[str, str]
) -> None:
    with pytest.raises(JobNotFoundError, match="'ghost'") as caught:
        jobs.update("ghost", status=JobStatus.COMPLETED, completed_at=1)
    assert isinstance(caught.value, LookupError)
    assert scan(table_names["jobs"]) == []


def test_update_with_an_invalid_status_raises_before_writing(
    jobs: DynamoDBJobStore, table_names: dict[str, str]
) -> None:
    jobs.put(Job(job_id="j1", mode=StereoMode.SBS, status=JobStatus.CREATED))
    before = scan(table_names["jobs"])
    with pytest.raises(ValueError, match="status for Job: Input should be 'created'.*got 'bogus'"):
        jobs.update("j1", status="bogus", total_segments=3)
    assert scan(table_names["jobs"]) == before


def test_update_with_no_fields_sends_no_request(
    jobs: DynamoDBJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    jobs._client.meta.events.register("before-call.dynamodb", lambda **kw: calls.append("x"))
    jobs.update("does-not-matter")
    assert calls == []


def test_update_validates_numbers_like_the_model(jobs: DynamoDBJobStore) -> None:
    jobs.put(Job(job_id="j1", mode=StereoMode.SBS, status=JobStatus.CREATED))
    with pytest.raises(ValueError, match="total_segments for Job: .*greater than or equal to 0"):
        jobs.update("j1", total_segments=-1)
    with pytest.raises(TypeError, match="completed_at for Job: .*valid integer"):
        jobs.update("j1", completed_at="soon")  # type: ignore[arg-type]


def test_list_completed_pages_newest_first_without_gaps_or_duplicates(
    jobs: DynamoDBJobStore,
) -> None:
    for index in range(7):
        jobs.put(completed_job(index))
    jobs.put(Job(job_id="running", mode=StereoMode.SBS, status=JobStatus.CREATED))
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        items, token = jobs.list_completed(3, token)
        seen += [item.job_id for item in items]
        pages += 1
        if token is None:
            break
        # The token is plain JSON: it survives a round trip through text.
        token = json.loads(json.dumps(token))
        assert pages < 10
    assert seen == [f"job-{i:03d}" for i in reversed(range(7))]


def test_list_completed_returns_list_items_with_ints(jobs: DynamoDBJobStore) -> None:
    jobs.put(completed_job(1))
    items, token = jobs.list_completed(10)
    assert [(i.job_id, i.mode, i.completed_at) for i in items] == [
        ("job-001", StereoMode.SBS, 1_700_000_101)
    ]
    assert token is None


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not-a-mapping", "must be the mapping"),
        ({"job_id": "a", "status": "completed"}, "exactly the keys"),
        ({"job_id": "a", "status": "completed", "completed_at": "1"}, "must be an integer"),
        ({"job_id": "a", "status": "completed", "completed_at": True}, "must be an integer"),
        ({"job_id": "a", "status": "created", "completed_at": 1}, "this listing reads"),
        ({"job_id": "", "status": "completed", "completed_at": 1}, "non-empty string"),
        ({"job_id": "a", "status": "completed", "completed_at": 1, "x": 1}, "exactly the keys"),
    ],
)
def test_list_completed_rejects_malformed_or_foreign_tokens(
    jobs: DynamoDBJobStore, token: object, message: str
) -> None:
    with pytest.raises(InvalidPageTokenError, match=message) as caught:
        jobs.list_completed(2, token)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("limit", [0, -1])
def test_list_completed_rejects_a_limit_below_one(jobs: DynamoDBJobStore, limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        jobs.list_completed(limit)


def test_put_rejects_something_that_is_not_a_job(jobs: DynamoDBJobStore) -> None:
    with pytest.raises(TypeError, match="job must be a Job"):
        jobs.put({"job_id": "x"})  # type: ignore[arg-type]


def test_query_by_job_returns_every_completion_in_order_across_pages(
    segments: DynamoSegmentCompletionStore,
) -> None:
    # ~3.5 KB per item: 1,200 items span several 1 MB query pages.
    padding = "x" * 3500
    total = 1200
    completions = [
        SegmentCompletion(
            job_id="big",
            segment_index=index,
            output_s3_uri=f"s3://out/big/{index}/{padding}",
            completed_at=index,
            total_segments=total,
        )
        for index in reversed(range(total))
    ]
    segments.put_many(completions)
    segments.put(
        SegmentCompletion(job_id="other", segment_index=0, output_s3_uri="s3://o", completed_at=1)
    )
    queries: list[int] = []
    segments._client.meta.events.register(
        "after-call.dynamodb.Query", lambda **kw: queries.append(1)
    )
    result = segments.query_by_job("big")
    assert [c.segment_index for c in result] == list(range(total))
    assert all(c.job_id == "big" and c.total_segments == total for c in result)
    assert len(queries) >= 4


def test_query_by_job_for_an_unknown_job_is_empty(segments: DynamoSegmentCompletionStore) -> None:
    assert segments.query_by_job("nobody") == []


def test_count_by_job_counts_every_page_of_the_partition_only(
    segments: DynamoSegmentCompletionStore,
) -> None:
    # ~3.5 KB per item: 1,200 items span several 1 MB query pages, each counted.
    padding = "x" * 3500
    total = 1200
    segments.put_many(
        [
            SegmentCompletion(
                job_id="big",
                segment_index=index,
                output_s3_uri=f"s3://out/big/{index}/{padding}",
                completed_at=index,
            )
            for index in range(total)
        ]
    )
    segments.put(
        SegmentCompletion(job_id="other", segment_index=0, output_s3_uri="s3://o", completed_at=1)
    )
    requests: list[dict[str, Any]] = []
    segments._client.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **kw: requests.append(dict(params))
    )
    assert segments.count_by_job("big") == total
    assert len(requests) >= 4, "every page is followed"
    assert all(r["Select"] == "COUNT" and r["ConsistentRead"] for r in requests)
    assert segments.count_by_job("other") == 1
    assert segments.count_by_job("nobody") == 0


def test_put_many_chunks_by_25_and_collapses_duplicate_keys(
    segments: DynamoSegmentCompletionStore,
) -> None:
    batches: list[int] = []

    def count(params: dict[str, Any], **kwargs: Any) -> None:
        batches.append(sum(len(v) for v in params["RequestItems"].values()))

    segments._client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", count)
    items = [
        SegmentCompletion(job_id="j", segment_index=i, output_s3_uri=f"s3://o/{i}", completed_at=1)
        for i in range(60)
    ]
    items.append(
        SegmentCompletion(job_id="j", segment_index=0, output_s3_uri="s3://o/last", completed_at=2)
    )
    segments.put_many(items)
    assert batches == [25, 25, 10]
    stored = segments.query_by_job("j")
    assert len(stored) == 60 and stored[0].output_s3_uri == "s3://o/last"


def test_put_many_retries_unprocessed_items_and_reports_what_never_landed(
    segments: DynamoSegmentCompletionStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A fake throttle: the first N attempts leave 'stubborn' items unprocessed."""
    real = segments._client.batch_write_item
    attempts: list[int] = []

    def flaky(**kwargs: Any) -> Any:
        requests = next(iter(kwargs["RequestItems"].values()))
        attempts.append(len(requests))
        stubborn = [
            r for r in requests if r["PutRequest"]["Item"]["output_s3_uri"]["S"].endswith("!")
        ]
        slow = [r for r in requests if r not in stubborn and len(attempts) <= 2]
        landed = [r for r in requests if r not in stubborn and r not in slow]
        if landed:
            real(RequestItems={segments.table_name: landed})
        unprocessed = stubborn + slow
        return {"UnprocessedItems": {segments.table_name: unprocessed} if unprocessed else {}}

    monkeypatch.setattr(segments._client, "batch_write_item", flaky)
    segments.batch_retry = BatchRetry(attempts=4, base_delay=0.0)
    items = [
        SegmentCompletion(
            job_id="j",
            segment_index=i,
            output_s3_uri=f"s3://o/{i}" + ("!" if i in (3, 17) else ""),
            completed_at=1,
        )
        for i in range(20)
    ]
    with (
        caplog.at_level(logging.WARNING, logger="stereo_spot_aws_adapters"),
        pytest.raises(BatchWriteError, match="2 of 20 items were not written") as caught,
    ):
        segments.put_many(items)
    warnings = [r for r in caplog.records if r.name == "stereo_spot_aws_adapters._dynamo"]
    assert [(r.pending, r.attempt) for r in warnings[:3]] == [(20, 2), (20, 3), (2, 4)]  # type: ignore[attr-defined]
    assert all(r.table_name == segments.table_name for r in warnings)  # type: ignore[attr-defined]
    assert warnings[-1].getMessage() == (
        f"gave up on 2 of 20 items on table {segments.table_name} (still unprocessed)"
    )
    assert [c.segment_index for c in caught.value.failed] == [3, 17]  # type: ignore[attr-defined]
    assert [c.segment_index for c in segments.query_by_job("j")] == [
        i for i in range(20) if i not in (3, 17)
    ]
    assert attempts == [20, 20, 20, 2]


def test_put_many_reports_the_rest_when_a_whole_request_fails(
    segments: DynamoSegmentCompletionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that fails outright (after botocore's retries) stops the run;
    the items of that chunk and of every later chunk are reported, the earlier
    chunk stays written, and the AWS error is the cause."""
    real = segments._client.batch_write_item
    calls: list[int] = []

    def fail_second_request(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ClientError(
                {
                    "Error": {
                        "Code": "ProvisionedThroughputExceededException",
                        "Message": "slow down",
                    }
                },
                "BatchWriteItem",
            )
        return real(**kwargs)

    monkeypatch.setattr(segments._client, "batch_write_item", fail_second_request)
    items = [
        SegmentCompletion(job_id="j", segment_index=i, output_s3_uri=f"s3://o/{i}", completed_at=1)
        for i in range(60)
    ]
    with pytest.raises(
        BatchWriteError, match="35 of 60 items.*ProvisionedThroughputExceeded"
    ) as caught:
        segments.put_many(items)
    assert [c.segment_index for c in caught.value.failed] == list(range(25, 60))  # type: ignore[attr-defined]
    assert isinstance(caught.value.__cause__, RetryableServiceError)
    assert isinstance(caught.value.__cause__.__cause__, ClientError)
    assert [c.segment_index for c in segments.query_by_job("j")] == list(range(25))
    assert len(calls) == 2  # nothing was attempted after the failed request


def test_try_trigger_is_true_only_the_first_time(lock: ReassemblyTriggeredLock) -> None:
    lock.clock = lambda: 1000
    assert lock.try_trigger("j1", ttl_seconds=60) is True
    assert lock.try_trigger("j1", ttl_seconds=60) is False
    item = lock._client.get_item(TableName=lock.table_name, Key={"job_id": {"S": "j1"}})["Item"]
    assert item["ttl"] == {"N": "1060"} and item["triggered_at"] == {"N": "1000"}


def test_try_trigger_counts_an_expired_marker_as_absent(lock: ReassemblyTriggeredLock) -> None:
    lock.clock = lambda: 1000
    assert lock.try_trigger("j1", ttl_seconds=10)
    lock.clock = lambda: 1011
    assert lock.try_trigger("j1", ttl_seconds=10)


def test_try_acquire_needs_the_item_and_wins_once(table_names: dict[str, str]) -> None:
    first = ReassemblyTriggeredLock(table_names["reassembly_triggered"])
    second = ReassemblyTriggeredLock(table_names["reassembly_triggered"])
    assert first.owner_id != second.owner_id
    assert first.try_acquire("j1") is False  # not triggered yet: no item
    assert first.try_trigger("j1")
    assert first.try_acquire("j1") is True
    assert second.try_acquire("j1") is False
    assert first.try_acquire("j1") is False  # not re-entrant either


def test_a_lapsed_lease_can_be_taken_over_and_the_stale_holder_cannot_release_it(
    table_names: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    crashed = ReassemblyTriggeredLock(table_names["reassembly_triggered"])
    rescuer = ReassemblyTriggeredLock(table_names["reassembly_triggered"])
    for lock in (crashed, rescuer):
        lock.clock = lambda: 1000
    assert crashed.try_trigger("j1")
    assert crashed.try_acquire("j1", lease_seconds=30)
    assert rescuer.try_acquire("j1", lease_seconds=30) is False
    skew = int(rescuer.lease_timing.tolerated_skew_seconds)
    rescuer.clock = lambda: 1031 + skew
    assert rescuer.try_acquire("j1", lease_seconds=30) is False, "the holder's clock may be slow"
    rescuer.clock = lambda: 1032 + skew
    assert rescuer.try_acquire("j1", lease_seconds=30) is True
    assert crashed.release("j1") is False
    with caplog.at_level(logging.DEBUG, logger="stereo_spot_aws_adapters"):
        assert crashed.renew("j1") is False
        assert rescuer.renew("j1", lease_seconds=30) is True
    # The False is the signal: the caller (``hold``'s heartbeat) logs the loss, renew does not.
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_release_lets_another_caller_claim_at_once(lock: ReassemblyTriggeredLock) -> None:
    assert lock.try_trigger("j1")
    assert lock.try_acquire("j1", owner="a")
    assert lock.release("j1", owner="b") is False
    assert lock.release("j1", owner="a") is True
    assert lock.try_acquire("j1", owner="b") is True


def test_complete_makes_the_claim_permanent(lock: ReassemblyTriggeredLock) -> None:
    lock.clock = lambda: 1000
    assert lock.try_trigger("j1")
    assert lock.try_acquire("j1", lease_seconds=5, owner="a")
    assert lock.complete("j1", owner="a")
    lock.clock = lambda: 10_000
    assert lock.try_acquire("j1", owner="b") is False


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda lock: lock.try_acquire("j", lease_seconds=0), ValueError, "lease_seconds"),
        (lambda lock: lock.try_trigger("j", ttl_seconds=0), ValueError, "ttl_seconds"),
        (lambda lock: lock.try_acquire(""), ValueError, "job_id must not be empty"),
        (lambda lock: lock.try_acquire(7), TypeError, "job_id must be a str"),
    ],
)
def test_lock_rejects_bad_arguments_before_any_request(
    lock: ReassemblyTriggeredLock, call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(lock)
    assert scan(lock.table_name) == []


def test_constructor_takes_table_name_region_endpoint_and_client(
    table_names: dict[str, str],
) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    store = DynamoDBJobStore(
        table_names["jobs"], region_name="us-east-1", endpoint_url=None, client=client
    )
    assert store._client is client
    with pytest.raises(ValueError, match="table_name must not be empty"):
        DynamoDBJobStore("")


@pytest.mark.parametrize(
    "value", [0, 7, 10**37, int(1e38) - 1, int(1e38), int(1e38) + 1, 10**38 - 1, 10**38 + 10**10]
)
def test_the_inline_number_fast_path_agrees_with_to_number(value: int) -> None:
    """``job_to_item`` writes small ints inline; near 1e38 it must match ``to_number`` exactly."""
    from stereo_spot_aws_adapters._dynamo import to_number
    from stereo_spot_aws_adapters.generated.jobs import job_to_item
    from stereo_spot_shared.errors import InvalidArgumentError

    job = Job(job_id="j", mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=value)
    try:
        expected = to_number("created_at", value)
    except InvalidArgumentError:
        with pytest.raises(InvalidArgumentError, match="more than 38 significant digits"):
            job_to_item(job)
    else:
        assert job_to_item(job)["created_at"] == {"N": expected}
