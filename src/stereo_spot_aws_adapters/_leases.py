"""The lease protocol on DynamoDB items: one conditional request per step.

The generated lock classes (``ReassemblyTriggeredLock``) call these with their
table's attribute names; ``stereo_spot_shared.leases`` describes the protocol
and ``stereo_spot_shared.memory.leases`` runs the same steps in memory.

- acquire: the item exists, its marker has not expired, and it is unclaimed
  or its stored expiry is below the takeover cutoff (now less the tolerated
  skew); sets the owner and expiry and adds one to the fencing token.
- renew: the caller owns a live lease; moves the expiry, adds one to the token.
- complete / release: the caller owns a live lease (and, given one, the token
  is still theirs); removes the expiry (completed) or the whole claim.
- trigger: creates the marker when none is there, or the old one expired and
  carries no live lease.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stereo_spot_shared.errors import ServiceError
from stereo_spot_shared.leases import LeaseAttributes

from . import _dynamo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutItemInputTypeDef

    from ._dynamo import Item
    from ._errors import AwsCall

__all__ = ["DynamoLeases"]


class DynamoLeases:
    """Acquire, renew, settle and trigger the leases of one DynamoDB lock table."""

    def __init__(
        self,
        client: DynamoDBClient,
        aws: AwsCall,
        table_name: str,
        key_name: str,
        attributes: LeaseAttributes,
    ) -> None:
        self._client = client
        self._aws = aws
        self._table_name = table_name
        self._names = {
            "#key": key_name,
            "#started": attributes.started,
            "#owner": attributes.owner,
            "#expires": attributes.expires,
            "#token": attributes.token,
            **({"#ttl": attributes.ttl} if attributes.ttl else {}),
        }
        self._token = attributes.token
        self._has_ttl = attributes.ttl is not None

    def trigger(self, item: Item, *, now: int, cutoff: int) -> bool:
        """Put the marker ``item`` unless a live marker, or a live lease, is there."""
        request: PutItemInputTypeDef = {
            "TableName": self._table_name,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#key)",
        }
        if self._has_ttl:  # an expired marker counts as absent, unless its lease is live
            request["ConditionExpression"] += (
                " OR (#ttl < :now AND (attribute_not_exists(#expires) OR #expires < :cutoff))"
            )
            request["ExpressionAttributeValues"] = {
                ":now": {"N": str(now)},
                ":cutoff": {"N": str(cutoff)},
            }
        request["ExpressionAttributeNames"] = self._used(request["ConditionExpression"])
        refused = _dynamo.conditional_write(self._aws, lambda: self._client.put_item(**request))
        return refused is None

    def acquire(self, key: Item, *, now: int, expires: int, owner: str, cutoff: int) -> int | None:
        """Claim an unclaimed or lapsed lease; the new fencing token, or ``None``."""
        condition = (
            "attribute_exists(#key) AND (attribute_not_exists(#started) OR #expires < :cutoff)"
        )
        if self._has_ttl:
            condition += " AND (attribute_not_exists(#ttl) OR #ttl >= :now)"  # expired: absent
        return self._bump(
            key,
            "SET #started = :now, #owner = :owner, #expires = :expires",
            condition,
            {
                ":now": {"N": str(now)},
                ":owner": {"S": owner},
                ":expires": {"N": str(expires)},
                ":cutoff": {"N": str(cutoff)},
            },
        )

    def renew(self, key: Item, *, expires: int, owner: str) -> int | None:
        """Extend a lease ``owner`` holds; the new fencing token, or ``None`` if not theirs."""
        return self._bump(
            key,
            "SET #expires = :expires",
            "#owner = :owner AND attribute_exists(#expires)",
            {":owner": {"S": owner}, ":expires": {"N": str(expires)}},
        )

    def settle(self, key: Item, *, owner: str, token: int | None, remove: str) -> bool:
        """``REMOVE remove`` from a lease ``owner`` holds (with ``token``, when given)."""
        condition = "#owner = :owner AND attribute_exists(#expires)"
        values: Item = {":owner": {"S": owner}}
        if token is not None:
            condition += " AND #token = :token"
            values[":token"] = {"N": str(token)}
        return self._update(key, "REMOVE " + remove, condition, values) is not None

    def _bump(self, key: Item, update: str, condition: str, values: Item) -> int | None:
        """``update`` plus one on the fencing token, under ``condition``; the new token."""
        update += ", #token = if_not_exists(#token, :zero) + :one"
        answer = self._update(
            key, update, condition, {**values, ":zero": {"N": "0"}, ":one": {"N": "1"}}
        )
        if answer is None:
            return None
        if self._token not in answer:
            # Real DynamoDB always returns an updated attribute; an emulator may not.
            raise ServiceError(
                f"dynamodb:UpdateItem on {self._aws.resource} answered without the new "
                f"{self._token} (ReturnValues=UPDATED_NEW was not honoured); the lease was "
                "written but cannot be fenced: it lapses at its expiry",
                action="dynamodb:UpdateItem",
                resource=str(self._aws.resource),
                code="MissingReturnValues",
            )
        return int(answer[self._token]["N"])

    def _update(
        self, key: Item, update: str, condition: str, values: Item
    ) -> dict[str, Any] | None:
        """One conditional UpdateItem; the updated attributes, or ``None`` when refused."""
        answer: dict[str, Any] = {}
        refused = _dynamo.conditional_write(
            self._aws,
            lambda: answer.update(
                self._client.update_item(
                    TableName=self._table_name,
                    Key=key,
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=self._used(update + " " + condition),
                    ExpressionAttributeValues=values,
                    ReturnValues="UPDATED_NEW",
                ).get("Attributes", {})
            ),
        )
        return None if refused is not None else answer

    def _used(self, expression: str) -> dict[str, str]:
        # DynamoDB rejects unused placeholders, so pass only the names used.
        return {k: v for k, v in self._names.items() if k in expression}
