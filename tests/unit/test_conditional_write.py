"""``_dynamo.conditional_write``: the one conditional write behind create-once, lease and update."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from stereo_spot_aws_adapters import _dynamo
from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_shared.errors import MissingResourceError

AWS = _dynamo.table_resource("marks", "MARKS_TABLE", "marks_table_name")


@pytest.fixture
def dynamodb(aws: None) -> Any:
    client = get_client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="marks",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def put_once(dynamodb: Any, table: str, value: str) -> _dynamo.Refused | None:
    return _dynamo.conditional_write(
        AWS,
        lambda: dynamodb.put_item(
            TableName=table,
            Item={"id": {"S": "a"}, "value": {"S": value}},
            ConditionExpression="attribute_not_exists(id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        ),
    )


def test_an_applied_write_returns_none_and_a_refused_one_the_stored_item(dynamodb: Any) -> None:
    assert put_once(dynamodb, "marks", "first") is None
    refused = put_once(dynamodb, "marks", "second")
    assert refused is not None
    assert refused.stored == {"id": {"S": "a"}, "value": {"S": "first"}}
    assert isinstance(refused.error, ClientError)
    assert _dynamo.is_condition_failure(refused.error)
    assert dynamodb.scan(TableName="marks")["Items"] == [refused.stored], "nothing overwritten"


def test_a_refused_update_of_a_missing_item_has_no_stored_item(dynamodb: Any) -> None:
    refused = _dynamo.conditional_write(
        AWS,
        lambda: dynamodb.update_item(
            TableName="marks",
            Key={"id": {"S": "missing"}},
            UpdateExpression="SET #v = :v",
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":v": {"S": "x"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        ),
    )
    assert refused is not None and refused.stored is None
    assert dynamodb.scan(TableName="marks")["Items"] == [], "a refused write writes nothing"


def test_every_other_error_is_mapped_with_botocores_error_kept(dynamodb: Any) -> None:
    with pytest.raises(MissingResourceError) as caught:
        put_once(dynamodb, "no-such-table", "x")
    assert isinstance(caught.value.__cause__, ClientError)
    assert "$MARKS_TABLE" in str(caught.value)


@pytest.mark.parametrize(
    ("response_item", "stored"),
    [
        ({"id": {"S": "a"}}, {"id": {"S": "a"}}),
        ({}, None),  # an empty item is no item
        (None, None),
        ([["id", {"S": "a"}]], None),  # not a mapping: not an item
    ],
)
def test_the_stored_item_is_read_from_a_refusal(response_item: object, stored: object) -> None:
    response: dict[str, Any] = {"Error": {"Code": "ConditionalCheckFailedException"}}
    if response_item is not None:
        response["Item"] = response_item
    error = ClientError(response, "PutItem")  # type: ignore[arg-type]
    refused = _dynamo.conditional_write(AWS, lambda: _raise(error))
    assert refused == _dynamo.Refused(error, stored)  # type: ignore[arg-type]


def test_only_a_failed_condition_is_a_refusal() -> None:
    def client_error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": ""}}, "PutItem")

    assert _dynamo.is_condition_failure(client_error("ConditionalCheckFailedException"))
    assert not _dynamo.is_condition_failure(client_error("TransactionConflictException"))
    assert _dynamo.conditional_write(AWS, lambda: None) is None


def _raise(error: BaseException) -> None:
    raise error
