"""Issue 23: the differences an adversarial run found between the memory and AWS backends.

Each test runs the same calls on the memory bundle and on the AWS bundle
(moto in-process) and asserts the one documented answer on both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.jobs import DynamoDBJobStore
from stereo_spot_shared import Adapters, adapters_from_env
from stereo_spot_shared.errors import (
    BatchWriteError,
    InvalidArgumentError,
    InvalidPageTokenError,
    InvalidTransitionError,
    JobNotFoundError,
)
from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode


@pytest.fixture(params=["memory", "aws"])
def bundle(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Adapters]:
    if request.param == "memory":
        monkeypatch.setenv("STORAGE_ADAPTER", "memory")
        yield adapters_from_env(wait_time_seconds=0)
        return
    request.getfixturevalue("aws")
    for name, value in provision(prefix="same").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("STORAGE_ADAPTER", "aws")
    yield adapters_from_env(wait_time_seconds=0)


# --- item 1: one Python type per Number ---------------------------------------------------


def test_number_attributes_come_back_as_int_when_integral_else_decimal(bundle: Adapters) -> None:
    sent = {
        "whole_decimal": Decimal("2.0"),
        "big_float": 1e20,
        "float": 1.5,
        "int": 7,
        "cents": Decimal("1.50"),
    }
    bundle.chunking_sender.send("numbers", attributes=sent)
    (message,) = bundle.chunking_receiver.receive(1)
    got = {name: (type(value), value) for name, value in message.attributes.items()}
    assert got == {
        "whole_decimal": (int, 2),
        "big_float": (int, 100000000000000000000),
        "float": (Decimal, Decimal("1.5")),
        "int": (int, 7),
        "cents": (Decimal, Decimal("1.50")),
    }
    # Integral numbers are ints, so a consumer's json.dumps of them works on every backend.
    json.dumps({k: v for k, v in message.attributes.items() if isinstance(v, int)})


# --- item 2: delete_batch answers each handle alone ----------------------------------------


def test_delete_batch_with_one_bad_handle_deletes_the_good_ones_and_names_the_bad(
    bundle: Adapters,
) -> None:
    bundle.chunking_sender.send_batch(["a", "b"])
    received = bundle.chunking_receiver.receive(2)
    assert len(received) == 2
    handles = [received[0].receipt_handle, "not-a-receipt-handle", received[1].receipt_handle]
    with pytest.raises(BatchWriteError) as caught:
        bundle.chunking_receiver.delete_batch(handles)
    assert caught.value.failed == ("not-a-receipt-handle",)
    assert "1 of 3 messages were not deleted" in str(caught.value)
    assert "(ReceiptHandleIsInvalid)" in str(caught.value)
    for message in received:  # the good handles were deleted: they no longer hold anything
        with pytest.raises(Exception):  # noqa: B017 - a deleted message is not in flight
            bundle.chunking_receiver.change_visibility(message.receipt_handle, 0)


# --- item 3: sizes DynamoDB refuses, refused before any request ------------------------------


def _job(job_id: str, reason: str | None = None) -> Job:
    return Job.model_construct(
        job_id=job_id,
        mode=StereoMode.SBS,
        status=JobStatus.CREATED,
        created_at=1,
        total_segments=None,
        completed_at=None,
        failure_reason=reason,
    )


def _completion(job_id: str, uri: str = "s3://b/k") -> SegmentCompletion:
    return SegmentCompletion.model_construct(
        job_id=job_id, segment_index=0, output_s3_uri=uri, completed_at=1, total_segments=None
    )


@pytest.mark.parametrize("job_id", ["j" * 2049, "\u00e9" * 1025])
def test_a_partition_key_over_2048_bytes_is_refused_by_put_and_put_many(
    bundle: Adapters, job_id: str
) -> None:
    expected = f"job_id is {len(job_id.encode())} bytes of UTF-8; DynamoDB keys hold at most 2048"
    with pytest.raises(InvalidArgumentError, match=expected):
        bundle.jobs.put(_job(job_id))
    with pytest.raises(InvalidArgumentError, match=expected):
        bundle.segment_completions.put(_completion(job_id))
    with pytest.raises(InvalidArgumentError, match=expected):
        bundle.segment_completions.put_many([_completion("fine"), _completion(job_id)])
    assert bundle.segment_completions.count_by_job("fine") == 0  # nothing of the batch written
    bundle.jobs.put(_job("j" * 2048))  # the limit itself is allowed
    assert bundle.jobs.get("j" * 2048) is not None


def test_a_lone_surrogate_anywhere_in_an_item_is_refused_before_any_request(
    bundle: Adapters,
) -> None:
    with pytest.raises(InvalidArgumentError, match="job_id is not valid Unicode"):
        bundle.jobs.put(_job("job-\ud800"))
    with pytest.raises(InvalidArgumentError, match="failure_reason is not valid Unicode"):
        bundle.jobs.put(_job("job", reason="bad \udfff"))


def test_an_item_over_400_kb_as_dynamodb_counts_it_is_refused(bundle: Adapters) -> None:
    # 409,600 bytes in all: names (job_id, segment_index, ...) plus values.
    fixed = len("job_id") + 3 + len("segment_index") + 2 + len("completed_at") + 2
    fixed += len("output_s3_uri")
    fits = "s" * (409_600 - fixed)
    with pytest.raises(InvalidArgumentError, match="item is 409601 bytes as DynamoDB counts them"):
        bundle.segment_completions.put(_completion("job", fits + "s"))
    assert bundle.segment_completions.count_by_job("job") == 0
    if bundle.backend == "memory":
        # moto refuses items over 405,000 bytes; DynamoDB stores up to 409,600
        # (tests/differential/allowlist.py, checked on an endpoint by the conformance suite).
        bundle.segment_completions.put(_completion("job", fits))
        assert bundle.segment_completions.count_by_job("job") == 1


# --- item 4: every malformed page token is InvalidPageTokenError ------------------------------


@pytest.mark.parametrize("job_id", ["job-\ud800", "j" * 2049])
def test_a_page_token_naming_an_impossible_key_is_an_invalid_page_token(
    bundle: Adapters, job_id: str
) -> None:
    token: dict[str, Any] = {"job_id": job_id, "status": "completed", "completed_at": 5}
    with pytest.raises(
        InvalidPageTokenError, match="page token for DynamoDBJobStore.list_completed"
    ):
        bundle.jobs.list_completed(2, token)


# --- item 9: a refused move on an emulator that returns no item --------------------------------


class _LikeDynalite:
    """A DynamoDB client that ignores ReturnValuesOnConditionCheckFailure, as dynalite does."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.meta = client.meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_item(self, **request: Any) -> Any:
        try:
            return self._client.update_item(**request)
        except ClientError as error:
            response = dict(error.response)
            response.pop("Item", None)
            raise ClientError(response, "UpdateItem") from None  # type: ignore[arg-type]


def test_a_refused_move_is_a_refusal_even_when_the_emulator_returns_no_item(
    table_names: dict[str, str],
) -> None:
    import boto3

    store = DynamoDBJobStore(
        table_names["jobs"], client=_LikeDynalite(boto3.client("dynamodb", region_name="us-east-1"))
    )
    store.put(_job("job-1"))
    with pytest.raises(InvalidTransitionError) as caught:
        store.update("job-1", status="completed")
    assert (caught.value.current, caught.value.requested) == ("created", "completed")
    with pytest.raises(JobNotFoundError):
        store.update("missing", status="completed")
