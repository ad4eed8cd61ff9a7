"""Plain descriptions of the schema's resources, for provisioning and checks at run time.

The generated ``generated/resources.py`` fills these in from the schema, so
tests, the demo and ``provision()`` create exactly what the schema declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.literals import StreamViewTypeType
    from mypy_boto3_dynamodb.type_defs import (
        CreateTableInputTypeDef,
        GlobalSecondaryIndexTypeDef,
        KeySchemaElementTypeDef,
        ProjectionTypeDef,
    )
    from mypy_boto3_sqs.literals import QueueAttributeNameType

KeyType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: KeyType


@dataclass(frozen=True)
class IndexResource:
    name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"]
    non_key_attributes: tuple[str, ...] = ()

    def definition(self) -> GlobalSecondaryIndexTypeDef:
        projection: ProjectionTypeDef = {"ProjectionType": self.projection}
        if self.projection == "INCLUDE":
            projection["NonKeyAttributes"] = list(self.non_key_attributes)
        return {
            "IndexName": self.name,
            "KeySchema": _key_schema(self.hash_key, self.range_key),
            "Projection": projection,
        }


@dataclass(frozen=True)
class TableResource:
    name: str
    terraform_output: str
    env_var: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    indexes: tuple[IndexResource, ...] = ()
    ttl_attribute: str | None = None
    # The table's DynamoDB stream: its view type and the variable its ARN goes to.
    stream_view_type: StreamViewTypeType | None = None
    stream_env_var: str | None = None

    def create_table_request(self, table_name: str) -> CreateTableInputTypeDef:
        """The CreateTable call for this table (on-demand capacity)."""
        definitions: dict[str, KeyType] = {}
        for key in self._all_keys():
            definitions[key.name] = key.type
        request: CreateTableInputTypeDef = {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in sorted(definitions.items())
            ],
            "KeySchema": _key_schema(self.hash_key, self.range_key),
        }
        if self.indexes:
            request["GlobalSecondaryIndexes"] = [index.definition() for index in self.indexes]
        if self.stream_view_type is not None:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": self.stream_view_type,
            }
        return request

    def _all_keys(self) -> list[KeyAttribute]:
        keys = [self.hash_key, *([self.range_key] if self.range_key else [])]
        for index in self.indexes:
            keys += [index.hash_key, *([index.range_key] if index.range_key else [])]
        return keys


@dataclass(frozen=True)
class QueueResource:
    name: str
    terraform_output: str
    env_var: str
    max_message_bytes: int = 262_144  # SQS MaximumMessageSize
    visibility_timeout_seconds: int = 30
    dead_letter_queue: str | None = None  # schema name of its dead-letter queue
    max_receive_count: int | None = None

    def attributes(self) -> dict[QueueAttributeNameType, str]:
        """The CreateQueue attributes the schema fixes for this queue."""
        return {
            "MaximumMessageSize": str(self.max_message_bytes),
            "VisibilityTimeout": str(self.visibility_timeout_seconds),
        }


@dataclass(frozen=True)
class BucketResource:
    name: str
    terraform_output: str
    env_var: str


def _key_schema(
    hash_key: KeyAttribute, range_key: KeyAttribute | None
) -> list[KeySchemaElementTypeDef]:
    schema: list[KeySchemaElementTypeDef] = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema
