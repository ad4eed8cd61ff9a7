"""A client passed in with ``client=...`` logs each AWS call at DEBUG, like a shared one."""

from __future__ import annotations

import logging

import boto3
import pytest

from stereo_spot_aws_adapters import S3ObjectStorage, SQSQueueReceiver, SQSQueueSender
from stereo_spot_aws_adapters._logging import with_call_logging
from stereo_spot_aws_adapters.generated.jobs import DynamoDBJobStore


@pytest.fixture
def debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_aws_adapters")
    return caplog


def calls(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str]]:
    """(operation, resource, outcome) of every call record, in order."""
    return [
        (r.aws_operation, r.aws_resource, r.getMessage().split(": ", 1)[1].split(" in ")[0])  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == "stereo_spot_aws_adapters._logging" and r.levelno == logging.DEBUG
    ]


def test_a_table_adapter_given_a_client_logs_its_calls(
    table_names: dict[str, str], debug: pytest.LogCaptureFixture
) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")  # not from the shared cache
    jobs = DynamoDBJobStore(table_names["jobs"], client=client)
    debug.clear()
    assert jobs.get("no-such-job") is None
    assert calls(debug) == [("GetItem", table_names["jobs"], "HTTP 200")]


def test_queue_and_object_adapters_given_a_client_log_their_calls(
    aws: None, debug: pytest.LogCaptureFixture
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="given")["QueueUrl"]
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="given")
    debug.clear()

    SQSQueueSender(url, client=sqs).send("a body")
    assert SQSQueueReceiver(url, client=sqs, wait_time_seconds=0).receive() != []
    S3ObjectStorage(client=s3).upload("given", "key", b"data")

    assert calls(debug) == [
        ("SendMessage", url, "HTTP 200"),
        ("ReceiveMessage", url, "HTTP 200"),
        ("PutObject", "s3://given/key", "HTTP 200"),
    ]


def test_a_client_shared_by_many_adapters_logs_each_call_once(
    table_names: dict[str, str], debug: pytest.LogCaptureFixture
) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    first = DynamoDBJobStore(table_names["jobs"], client=client)
    DynamoDBJobStore(table_names["jobs"], client=client)
    debug.clear()
    first.get("no-such-job")
    assert [operation for operation, _, _ in calls(debug)] == ["GetItem"]


def test_a_stand_in_without_botocore_events_is_used_as_it_is() -> None:
    class StandIn:
        """A test double of a client: no ``meta.events`` to register hooks on."""

    stand_in = StandIn()
    assert with_call_logging(stand_in) is stand_in
