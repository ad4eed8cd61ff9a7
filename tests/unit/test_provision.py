"""provision() and teardown() against moto in-process: everything the schema declares, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar
from xml.sax.saxutils import escape

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError

from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters._resources import KeyAttribute
from stereo_spot_aws_adapters.devtools.provision import (
    EmulatorLimitationWarning,
    provision,
    resource_name,
    teardown,
)
from stereo_spot_aws_adapters.generated.resources import BUCKETS, QUEUES, TABLES

PREFIX = "unit-stack"


def key_schema(hash_key: KeyAttribute, range_key: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


def test_resource_names_follow_terraform() -> None:
    assert resource_name("stereo-spot", "segment_completions") == (
        "stereo-spot-segment-completions"
    )


@pytest.mark.usefixtures("aws")
def test_provision_creates_every_schema_resource() -> None:
    environment = provision(prefix=PREFIX)

    # Each table's variable, then its stream's ARN when the schema gives it a stream.
    table_variables = [v for t in TABLES for v in (t.env_var, t.stream_env_var) if v is not None]
    expected_variables = table_variables + [r.env_var for r in (*QUEUES, *BUCKETS)]
    assert list(environment) == expected_variables
    for table in TABLES:
        if table.stream_env_var is not None:
            assert environment[table.stream_env_var].startswith("arn:aws:dynamodb:")
    dynamodb = get_client("dynamodb")
    for table in TABLES:
        name = environment[table.env_var]
        assert name == resource_name(PREFIX, table.name)
        description = dynamodb.describe_table(TableName=name)["Table"]
        assert description["TableStatus"] == "ACTIVE"
        assert description["KeySchema"] == key_schema(table.hash_key, table.range_key)
        indexes = {
            index["IndexName"]: index["KeySchema"]
            for index in description.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            index.name: key_schema(index.hash_key, index.range_key) for index in table.indexes
        }
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if table.ttl_attribute is None:
            assert ttl["TimeToLiveStatus"] == "DISABLED"
        else:
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == table.ttl_attribute
    sqs = get_client("sqs")
    for queue in QUEUES:
        url = environment[queue.env_var]
        assert url == sqs.get_queue_url(QueueName=resource_name(PREFIX, queue.name))["QueueUrl"]
    s3 = get_client("s3")
    for bucket in BUCKETS:
        assert environment[bucket.env_var] == resource_name(PREFIX, bucket.name)
        s3.head_bucket(Bucket=environment[bucket.env_var])


@pytest.mark.usefixtures("aws")
def test_provision_twice_reuses_what_exists() -> None:
    first = provision(prefix=PREFIX)
    jobs_table = first["JOBS_TABLE_NAME"]
    get_client("dynamodb").put_item(
        TableName=jobs_table,
        Item={"job_id": {"S": "kept"}, "mode": {"S": "sbs"}, "status": {"S": "created"}},
    )
    get_client("s3").put_object(Bucket=first["INPUT_BUCKET_NAME"], Key="kept.mp4", Body=b"x")

    second = provision(prefix=PREFIX)

    assert second == first
    item = get_client("dynamodb").get_item(TableName=jobs_table, Key={"job_id": {"S": "kept"}})
    assert "Item" in item
    objects = get_client("s3").list_objects_v2(Bucket=first["INPUT_BUCKET_NAME"])
    assert [o["Key"] for o in objects.get("Contents", [])] == ["kept.mp4"]


@pytest.mark.usefixtures("aws")
def test_provision_outside_us_east_1_sets_the_bucket_location() -> None:
    environment = provision(prefix=PREFIX, region_name="eu-west-1")

    s3 = get_client("s3", region_name="eu-west-1")
    for bucket in BUCKETS:
        location = s3.get_bucket_location(Bucket=environment[bucket.env_var])
        assert location["LocationConstraint"] == "eu-west-1"
    assert "eu-west-1" in environment["CHUNKING_QUEUE_URL"]


@pytest.mark.usefixtures("aws")
def test_teardown_removes_every_resource_even_non_empty_buckets() -> None:
    environment = provision(prefix=PREFIX)
    s3 = get_client("s3")
    s3.put_object(Bucket=environment["OUTPUT_BUCKET_NAME"], Key="jobs/a/final.mp4", Body=b"x")
    s3.create_multipart_upload(Bucket=environment["INPUT_BUCKET_NAME"], Key="half.mp4")

    teardown(environment)

    assert get_client("dynamodb").list_tables()["TableNames"] == []
    assert get_client("sqs").list_queues().get("QueueUrls", []) == []
    assert s3.list_buckets()["Buckets"] == []
    # Already gone: nothing to do, no error.
    teardown(environment)


@pytest.mark.usefixtures("aws")
def test_teardown_leaves_resources_it_was_not_given() -> None:
    environment = provision(prefix=PREFIX)

    teardown({"JOBS_TABLE_NAME": environment["JOBS_TABLE_NAME"], "UNRELATED": "x"})

    remaining = get_client("dynamodb").list_tables()["TableNames"]
    assert sorted(remaining) == sorted(
        environment[t.env_var] for t in TABLES if t.env_var != "JOBS_TABLE_NAME"
    )
    dead_letter_queues = [q for q in QUEUES if q.dead_letter_queue is not None]
    assert len(get_client("sqs").list_queues()["QueueUrls"]) == len(QUEUES) + len(
        dead_letter_queues
    )


def test_an_endpoint_without_ttl_support_gets_a_warning_not_a_failure(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = get_client("dynamodb")

    def unsupported(**_: object) -> None:
        raise ClientError(
            {"Error": {"Code": "UnknownOperationException", "Message": "not here"}},
            "DescribeTimeToLive",
        )

    monkeypatch.setattr(client, "describe_time_to_live", unsupported)
    with pytest.warns(EmulatorLimitationWarning, match="does not support DynamoDB TTL"):
        environment = provision(prefix="no-ttl")
    assert (
        get_client("dynamodb").describe_table(
            TableName=environment["REASSEMBLY_TRIGGERED_TABLE_NAME"]
        )["Table"]["TableStatus"]
        == "ACTIVE"
    )


class S3rverLike:
    """An S3 that answers as s3rver does for the listings it lacks, at the HTTP level.

    s3rver routes ``GET /bucket?uploads`` to ``NotImplemented`` (501) and
    ``GET /bucket?versions`` to ``MethodNotAllowed`` (405); everything else is
    served by moto here.
    """

    ANSWERS: ClassVar[dict[str, tuple[int, str, str]]] = {
        "ListMultipartUploads": (
            501,
            "NotImplemented",
            "A parameter you provided implies functionality that is not implemented",
        ),
        "ListObjectVersions": (
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        ),
    }

    def __init__(self, client: object) -> None:
        self.refused: list[str] = []
        events = client.meta.events  # type: ignore[attr-defined]
        for operation in self.ANSWERS:
            # First, so it answers before moto's in-process stub.
            events.register_first(f"before-send.s3.{operation}", self._answer)

    def _answer(self, request: AWSPreparedRequest, **kwargs: object) -> AWSResponse:
        operation = str(kwargs["event_name"]).rsplit(".", 1)[-1]
        status, code, message = self.ANSWERS[operation]
        self.refused.append(operation)
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message><Resource>{escape(request.url)}</Resource></Error>"
        ).encode()
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/xml"
        return AWSResponse(request.url, status, headers, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._body


@pytest.mark.usefixtures("aws")
def test_teardown_on_an_s3_without_multipart_or_version_listings_warns_and_leaves_no_bucket() -> (
    None
):
    environment = provision(prefix="s3rver")
    s3 = get_client("s3")
    for bucket in BUCKETS:
        s3.put_object(Bucket=environment[bucket.env_var], Key="input/a/source.mp4", Body=b"x")
    fake = S3rverLike(s3)

    with pytest.warns(EmulatorLimitationWarning) as warned:
        teardown(environment)

    assert set(fake.refused) == {"ListMultipartUploads", "ListObjectVersions"}
    messages = [str(w.message) for w in warned]
    assert any("does not support S3 ListMultipartUploads (NotImplemented)" in m for m in messages)
    assert any("does not support S3 ListObjectVersions (MethodNotAllowed)" in m for m in messages)
    assert s3.list_buckets()["Buckets"] == []
    assert get_client("dynamodb").list_tables()["TableNames"] == []
    assert get_client("sqs").list_queues().get("QueueUrls", []) == []
