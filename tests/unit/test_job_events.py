"""The job-events pipeline's hand-written parts: the normaliser, the sink, the push store."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from stereo_spot_aws_adapters.job_events import (
    SQSJobEventsSink,
    get_aws_adapter,
    job_events_normalizer_from_env,
)
from stereo_spot_aws_adapters.push_subscriptions import (
    PushSubscriptionsStore,
    push_subscriptions_store_from_env_or_none,
)
from stereo_spot_shared.errors import (
    InvalidArgumentError,
    MalformedEventError,
    MissingConfigurationError,
)
from stereo_spot_shared.models import JobEvent, JobTableChange, SegmentCompletionInsert
from stereo_spot_shared.stream_records import decode_image, normalize_stream_record

JOBS, SEGMENTS = "arn:jobs/stream/1", "arn:segments/stream/1"


def record(arn: str, event: str, image: dict[str, object] | None) -> dict[str, object]:
    change = {} if image is None else {"NewImage": image}
    return {"eventSourceARN": arn, "eventName": event, "dynamodb": change}


def normalize(r: dict[str, object]) -> object:
    return normalize_stream_record(r, jobs_stream_arn=JOBS, segment_completions_stream_arn=SEGMENTS)


def test_images_decode_every_dynamodb_type() -> None:
    image = {
        "s": {"S": "x"},
        "n": {"N": "12"},
        "f": {"N": "1.5"},
        "b": {"B": "AAE="},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "l": {"L": [{"N": "1"}, {"S": "a"}]},
        "m": {"M": {"k": {"S": "v"}}},
        "ss": {"SS": ["a", "b"]},
    }
    decoded = decode_image(image)
    assert decoded["n"] == 12 and type(decoded["n"]) is int
    assert str(decoded["f"]) == "1.5"
    assert decoded["b"] == b"\x00\x01"
    assert decoded["z"] is None and decoded["t"] is True
    assert decoded["l"] == [1, "a"] and decoded["m"] == {"k": "v"} and decoded["ss"] == {"a", "b"}


@pytest.mark.parametrize(
    "image",
    [{"job_id": "j"}, {"job_id": {"X": "j"}}, {"job_id": {"N": "nan"}}, {"job_id": {"B": "!"}}],
)
def test_a_malformed_image_is_a_malformed_event(image: dict[str, object]) -> None:
    with pytest.raises(MalformedEventError):
        normalize(record(JOBS, "MODIFY", image))


def test_records_the_pipeline_does_not_use_are_none() -> None:
    segment = {"job_id": {"S": "j"}, "segment_index": {"N": "0"}}
    assert normalize(record(SEGMENTS, "MODIFY", segment)) is None
    assert normalize(record(JOBS, "REMOVE", None)) is None
    assert normalize(record("arn:other", "INSERT", segment)) is None
    assert normalize(record(SEGMENTS, "INSERT", {**segment, "segment_index": {"N": "-1"}})) is None
    assert normalize(record(JOBS, "INSERT", {"status": {"S": "created"}})) is None
    assert normalize(record(SEGMENTS, "INSERT", segment)) == SegmentCompletionInsert(
        job_id="j", segment_index=0
    )


def test_the_normaliser_from_env_reads_the_stream_arns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBS_TABLE_STREAM_ARN", JOBS)
    monkeypatch.delenv("SEGMENT_COMPLETIONS_TABLE_STREAM_ARN", raising=False)
    normalizer = job_events_normalizer_from_env()
    image = {"job_id": {"S": "j"}, "segment_index": {"N": "0"}}
    assert normalizer(record(JOBS, "INSERT", image)) == JobTableChange(
        job_id="j", new_image={"job_id": "j", "segment_index": 0}
    )
    assert normalizer(record(SEGMENTS, "INSERT", image)) is None  # its ARN is unset


def test_get_aws_adapter_needs_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOB_EVENTS_QUEUE_URL", raising=False)
    with pytest.raises(MissingConfigurationError, match="JOB_EVENTS_QUEUE_URL"):
        get_aws_adapter()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        yield


def test_the_sink_sends_the_event_as_json(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="job-events")["QueueUrl"]
    event = JobEvent(job_id="j", status="completed", progress_percent=100, stage_label="Done")
    SQSJobEventsSink(url, region_name="us-east-1").send(event)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert JobEvent.model_validate(json.loads(message["Body"])) == event


def test_push_subscriptions_store_keeps_the_originals_dicts(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="push",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "endpoint", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "endpoint", "KeyType": "HASH"}],
    )
    monkeypatch.delenv("PUSH_SUBSCRIPTIONS_TABLE_NAME", raising=False)
    assert push_subscriptions_store_from_env_or_none() is None
    monkeypatch.setenv("PUSH_SUBSCRIPTIONS_TABLE_NAME", "push")
    store = push_subscriptions_store_from_env_or_none()
    assert isinstance(store, PushSubscriptionsStore)
    subscription = {"endpoint": "https://push/1", "keys": {"p256dh": "k", "auth": "a"}}
    store.put(subscription)
    store.put({"endpoint": "https://push/2"})
    assert sorted(store.list_all(), key=str) == sorted(
        [subscription, {"endpoint": "https://push/2"}], key=str
    )
    raw = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="push", Key={"endpoint": {"S": "https://push/1"}}
    )["Item"]
    assert json.loads(raw["subscription"]["S"]) == subscription  # the original's layout
    store.delete("https://push/2")
    assert store.list_all() == [subscription]
    with pytest.raises(InvalidArgumentError):
        store.put({"keys": {}})
