"""Fenced writes: a write given ``fence=`` lands only while the lease still carries its token.

The memory backend checks the fence in the same atomic step as the write
(``MemoryTable.update_where``); the AWS adapters send one ``TransactWriteItems``,
a ``ConditionCheck`` on the lease item plus the update (``_dynamo.fenced_update``),
here on moto in-process. A refused fence writes nothing and raises
``LeaseLostError``; the update's own refused condition comes back as ``Refused``.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from stereo_spot_aws_adapters import _dynamo
from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters._errors import error_code
from stereo_spot_shared.errors import LeaseLostError, MissingResourceError
from stereo_spot_shared.leases import Fence, LeaseAttributes
from stereo_spot_shared.memory.leases import MemoryLeases
from stereo_spot_shared.memory.state import MemoryState
from stereo_spot_shared.memory.tables import MemoryTable, check_fence

NAMES = LeaseAttributes(
    started="lease_started_at",
    owner="lease_owner",
    expires="lease_expires_at",
    token="lease_token",
    ttl="expires_at",
)
J: dict[str, Any] = {"job_id": {"S": "j"}}  # the lease item's key, as DynamoDB takes it
LEASE = {"job_id": "j", "lease_owner": "me", "lease_expires_at": 2000, "lease_token": 7}


def fence(**changes: object) -> Fence:
    fields: dict[str, Any] = {
        "table_name": "locks",
        "key": {"job_id": "j"},
        "token_attribute": "lease_token",
        "token": 7,
        "owner_attribute": "lease_owner",
        "owner": "me",
        "expires_attribute": "lease_expires_at",
    }
    return Fence(**{**fields, **changes})


# --- memory ----------------------------------------------------------------------------


@pytest.fixture
def memory() -> tuple[MemoryTable, MemoryTable]:
    state = MemoryState()
    locks = MemoryTable(state, "locks", ["job_id"])
    jobs = MemoryTable(state, "jobs", ["id"])
    locks.put(dict(LEASE))
    jobs.put({"id": "a", "status": "running"})
    return locks, jobs


def test_a_fenced_memory_update_lands_while_the_lease_carries_the_token(
    memory: tuple[MemoryTable, MemoryTable],
) -> None:
    _, jobs = memory
    done = jobs.update_where(
        ("a",), lambda r: r["status"] == "running", {"status": "done"}, fence=fence()
    )
    assert done == (True, {"id": "a", "status": "running"})
    assert jobs.get(("a",)) == {"id": "a", "status": "done"}


@pytest.mark.parametrize(
    "stale",
    [
        {"lease_token": 8},  # taken over: a newer token
        {"lease_owner": "other"},  # another holder, whatever the token
        {"lease_expires_at": None},  # completed: no expiry any more
        None,  # the lease item is gone
    ],
    ids=["token", "owner", "completed", "missing"],
)
def test_a_stale_fence_refuses_the_memory_update_and_writes_nothing(
    memory: tuple[MemoryTable, MemoryTable], stale: dict[str, object] | None
) -> None:
    locks, jobs = memory
    if stale is None:
        locks.delete(("j",))
    else:
        record = {**LEASE, **stale}
        locks.put({k: v for k, v in record.items() if v is not None})
    with pytest.raises(LeaseLostError) as raised:
        jobs.update_where(("a",), lambda r: True, {"status": "done"}, fence=fence())
    assert (raised.value.table_name, raised.value.key, raised.value.token) == ("locks", "j", 7)
    assert str(raised.value) == (
        "the lease on 'j' in 'locks' no longer carries fencing token 7; nothing was written"
    )
    assert jobs.get(("a",)) == {"id": "a", "status": "running"}


def test_without_a_fence_nothing_is_checked(memory: tuple[MemoryTable, MemoryTable]) -> None:
    locks, jobs = memory
    locks.delete(("j",))
    check_fence(jobs.state, None)
    # Changes, then removals; removing an absent attribute is a no-op, as DynamoDB's REMOVE.
    assert jobs.update_where(("a",), lambda r: True, {"status": "done"}, ["status", "never_set"])[0]
    assert jobs.get(("a",)) == {"id": "a"}
    assert jobs.update_where(("b",), lambda r: True, {"status": "x"}) == (False, None)
    assert jobs.update_where(("a",), lambda r: False, {"status": "x"}) == (False, {"id": "a"})


def test_a_fenced_update_of_a_refused_condition_says_what_was_stored(
    memory: tuple[MemoryTable, MemoryTable],
) -> None:
    _, jobs = memory
    refused = jobs.update_where(("a",), lambda r: False, {"status": "x"}, fence=fence())
    assert refused == (False, {"id": "a", "status": "running"})


def test_a_fence_with_a_composite_key_names_the_whole_key() -> None:
    state = MemoryState()
    MemoryTable(state, "jobs", ["id"]).put({"id": "a"})
    two = fence(key={"job_id": "j", "part": 2})
    with pytest.raises(LeaseLostError) as raised:
        MemoryTable(state, "jobs", ["id"]).update_where(("a",), lambda r: True, {}, fence=two)
    assert raised.value.key == {"job_id": "j", "part": 2}


# --- the memory lease protocol ---------------------------------------------------------


@pytest.fixture
def leases() -> tuple[MemoryTable, MemoryLeases]:
    table = MemoryTable(MemoryState(), "locks", ["job_id"])
    return table, MemoryLeases(table, NAMES)


def test_each_acquire_and_renew_adds_one_to_the_token(
    leases: tuple[MemoryTable, MemoryLeases],
) -> None:
    table, protocol = leases
    assert protocol.acquire(("j",), now=100, expires=130, owner="me", cutoff=99) is None, "no item"
    assert protocol.trigger({"job_id": "j", "expires_at": 500}, now=100, cutoff=99)
    assert protocol.acquire(("j",), now=100, expires=130, owner="me", cutoff=99) == 1
    assert protocol.acquire(("j",), now=100, expires=130, owner="you", cutoff=99) is None, "live"
    assert protocol.renew(("j",), expires=160, owner="you") is None, "not theirs"
    assert protocol.renew(("j",), expires=160, owner="me") == 2
    assert table.get(("j",)) == {
        "job_id": "j",
        "expires_at": 500,
        "lease_started_at": 100,
        "lease_owner": "me",
        "lease_expires_at": 160,
        "lease_token": 2,
    }
    # Lapsed: expiry 160 below the cutoff 161; the token goes on counting.
    assert protocol.acquire(("j",), now=200, expires=230, owner="you", cutoff=161) == 3
    assert protocol.renew(("j",), expires=260, owner="me") is None
    assert table.get(("j",))["lease_owner"] == "you"  # type: ignore[index]


def test_an_expiry_at_the_cutoff_is_still_live(leases: tuple[MemoryTable, MemoryLeases]) -> None:
    table, protocol = leases
    table.put({"job_id": "j", "lease_started_at": 1, "lease_owner": "me", "lease_expires_at": 160})
    assert protocol.acquire(("j",), now=200, expires=230, owner="you", cutoff=160) is None
    assert protocol.acquire(("j",), now=200, expires=230, owner="you", cutoff=161) == 1


def test_an_expired_marker_is_absent_for_acquire_and_trigger(
    leases: tuple[MemoryTable, MemoryLeases],
) -> None:
    table, protocol = leases
    table.put({"job_id": "j", "expires_at": 99})
    assert protocol.acquire(("j",), now=100, expires=130, owner="me", cutoff=99) is None
    table.put({"job_id": "j", "expires_at": 100})  # expires at 100: not yet expired at 100
    assert protocol.acquire(("j",), now=100, expires=130, owner="me", cutoff=99) == 1
    assert not protocol.trigger({"job_id": "j", "expires_at": 900}, now=100, cutoff=99), "live"
    table.put({"job_id": "j", "expires_at": 100})  # an unexpired marker with no lease
    assert not protocol.trigger({"job_id": "j", "expires_at": 900}, now=100, cutoff=99)
    assert protocol.trigger({"job_id": "j", "expires_at": 900}, now=101, cutoff=99)
    assert table.get(("j",)) == {"job_id": "j", "expires_at": 900}


def test_trigger_never_wipes_a_live_lease_on_an_expired_marker(
    leases: tuple[MemoryTable, MemoryLeases],
) -> None:
    table, protocol = leases
    live = {"job_id": "j", "expires_at": 99, "lease_owner": "me", "lease_expires_at": 150}
    table.put(live)
    assert not protocol.trigger({"job_id": "j", "expires_at": 900}, now=100, cutoff=150)
    assert table.get(("j",)) == live
    assert protocol.trigger({"job_id": "j", "expires_at": 900}, now=100, cutoff=151)


def test_a_marker_without_a_ttl_attribute_never_expires() -> None:
    table = MemoryTable(MemoryState(), "locks", ["job_id"])
    protocol = MemoryLeases(table, LeaseAttributes("s", "o", "e", "t"))
    assert protocol.trigger({"job_id": "j", "expires_at": 1}, now=100, cutoff=99)
    assert not protocol.trigger({"job_id": "j"}, now=100, cutoff=99)
    assert protocol.acquire(("j",), now=100, expires=130, owner="me", cutoff=99) == 1


def test_settle_needs_the_owner_a_live_expiry_and_the_token_when_given(
    leases: tuple[MemoryTable, MemoryLeases],
) -> None:
    table, protocol = leases
    table.put(dict(LEASE))
    remove = ["lease_expires_at"]
    assert not protocol.settle(("j",), owner="other", token=None, removals=remove)
    assert not protocol.settle(("j",), owner="me", token=6, removals=remove)
    assert protocol.settle(("j",), owner="me", token=7, removals=remove)
    assert table.get(("j",)) == {"job_id": "j", "lease_owner": "me", "lease_token": 7}
    assert not protocol.settle(("j",), owner="me", token=None, removals=remove), "completed"
    table.put(dict(LEASE))
    assert protocol.settle(("j",), owner="me", token=None, removals=["lease_owner"])
    assert not protocol.settle(("missing",), owner="me", token=None, removals=remove)


# --- DynamoDB: TransactWriteItems ------------------------------------------------------

AWS = _dynamo.table_resource("jobs", "JOBS_TABLE", "jobs_table_name")


@pytest.fixture
def dynamodb(aws: None) -> Any:
    client = get_client("dynamodb", region_name="us-east-1")
    for table, key in (("locks", "job_id"), ("jobs", "id")):
        client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    client.put_item(
        TableName="locks",
        Item={
            "job_id": {"S": "j"},
            "lease_owner": {"S": "me"},
            "lease_expires_at": {"N": "2000"},
            "lease_token": {"N": "7"},
        },
    )
    client.put_item(TableName="jobs", Item={"id": {"S": "a"}, "status": {"S": "running"}})
    return client


def move(to: str, *, expected: str = "running") -> dict[str, Any]:
    return {
        "TableName": "jobs",
        "Key": {"id": {"S": "a"}},
        "UpdateExpression": "SET #s = :to",
        "ConditionExpression": "#s = :from",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":to": {"S": to}, ":from": {"S": expected}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        "ReturnValues": "NONE",  # not allowed in a transaction: fenced_update drops it
    }


def status(dynamodb: Any) -> str:
    item = dynamodb.get_item(TableName="jobs", Key={"id": {"S": "a"}})["Item"]
    return str(item["status"]["S"])


def calls(dynamodb: Any) -> list[str]:
    seen: list[str] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.*", lambda model, **_: seen.append(model.name)
    )
    return seen


def test_a_fenced_update_is_one_transaction_that_lands_while_the_token_is_current(
    dynamodb: Any,
) -> None:
    seen = calls(dynamodb)
    assert _dynamo.fenced_update(dynamodb, AWS, move("done"), fence()) is None  # type: ignore[arg-type]
    assert seen == ["TransactWriteItems"]
    assert status(dynamodb) == "done"


def test_without_a_fence_it_is_one_conditional_update(dynamodb: Any) -> None:
    seen = calls(dynamodb)
    assert _dynamo.fenced_update(dynamodb, AWS, move("done"), None) is None  # type: ignore[arg-type]
    refused = _dynamo.fenced_update(dynamodb, AWS, move("x"), None)  # type: ignore[arg-type]
    assert refused is not None and refused.stored == {"id": {"S": "a"}, "status": {"S": "done"}}
    assert seen == ["UpdateItem", "UpdateItem"]


@pytest.mark.parametrize(
    "stale",
    [
        {"token": 6},
        {"owner": "other"},
        {"key": {"job_id": "missing"}},
        {"expires_attribute": "no_such_attribute"},
    ],
    ids=["token", "owner", "missing", "completed"],
)
def test_a_stale_fence_is_refused_by_dynamodb_and_nothing_is_written(
    dynamodb: Any, stale: dict[str, object]
) -> None:
    stale_fence = fence(**stale)
    with pytest.raises(LeaseLostError) as raised:
        _dynamo.fenced_update(dynamodb, AWS, move("done"), stale_fence)  # type: ignore[arg-type]
    assert (raised.value.table_name, raised.value.key, raised.value.token) == (
        "locks",
        stale_fence.key_value,
        stale_fence.token,
    )
    assert isinstance(raised.value.__cause__, ClientError)
    assert status(dynamodb) == "running"


def test_a_current_fence_with_a_refused_update_returns_the_stored_item(dynamodb: Any) -> None:
    refused = _dynamo.fenced_update(dynamodb, AWS, move("done", expected="queued"), fence())  # type: ignore[arg-type]
    assert refused is not None
    assert error_code(refused.error) == "TransactionCanceledException"
    assert refused.stored == {"id": {"S": "a"}, "status": {"S": "running"}}
    assert status(dynamodb) == "running"


def test_other_transaction_failures_are_mapped_errors(dynamodb: Any) -> None:
    missing = {**move("done"), "TableName": "no-such-table"}
    with pytest.raises(MissingResourceError) as raised:
        _dynamo.fenced_update(dynamodb, AWS, missing, fence())  # type: ignore[arg-type]
    assert isinstance(raised.value.__cause__, ClientError)


@pytest.mark.parametrize(
    ("reasons", "outcome"),
    [
        ([{"Code": "ConditionalCheckFailed"}, {"Code": "None"}], "lost"),
        (
            [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Item": {"id": {"S": "a"}}}],
            "refused",
        ),
        ([{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Item": {}}], "refused, no item"),
        ([{"Code": "None"}, {"Code": "ConditionalCheckFailed"}], "refused, no item"),
        ([{"Code": "None"}, {"Code": "TransactionConflict"}], "raised"),
        ([{"Code": "TransactionConflict"}, {"Code": "ConditionalCheckFailed"}], "refused, no item"),
        ([], "raised"),
        (None, "raised"),  # no CancellationReasons at all
    ],
)
def test_the_cancellation_reasons_decide_the_answer(
    reasons: list[dict[str, Any]] | None, outcome: str
) -> None:
    response: dict[str, Any] = {
        "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}
    }
    if reasons is not None:
        response["CancellationReasons"] = reasons
    error = ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]
    sent: list[dict[str, Any]] = []

    class Client:
        def transact_write_items(self, **request: Any) -> None:
            sent.append(request)
            raise error

    if outcome == "lost":
        with pytest.raises(LeaseLostError):
            _dynamo.fenced_update(Client(), AWS, move("done"), fence())  # type: ignore[arg-type]
    elif outcome == "raised":
        with pytest.raises(Exception) as raised:
            _dynamo.fenced_update(Client(), AWS, move("done"), fence())  # type: ignore[arg-type]
        assert not isinstance(raised.value, (LeaseLostError, ClientError))
        assert raised.value.__cause__ is error
    else:
        refused = _dynamo.fenced_update(Client(), AWS, move("done"), fence())  # type: ignore[arg-type]
        assert refused is not None and refused.error is error
        assert refused.stored == ({"id": {"S": "a"}} if outcome == "refused" else None)
    (request,) = sent
    check, update = request["TransactItems"]
    assert check == {
        "ConditionCheck": {
            "TableName": "locks",
            "Key": {"job_id": {"S": "j"}},
            "ConditionExpression": "#t = :t AND #o = :o AND attribute_exists(#e)",
            "ExpressionAttributeNames": {
                "#t": "lease_token",
                "#o": "lease_owner",
                "#e": "lease_expires_at",
            },
            "ExpressionAttributeValues": {":t": {"N": "7"}, ":o": {"S": "me"}},
        }
    }
    assert update == {"Update": {k: v for k, v in move("done").items() if k != "ReturnValues"}}


def test_lease_keys_of_every_type_are_sent_typed() -> None:
    assert _dynamo._attribute_value("j") == {"S": "j"}
    assert _dynamo._attribute_value(b"j") == {"B": b"j"}
    assert _dynamo._attribute_value(12) == {"N": "12"}


# --- DynamoDB leases: the token comes back with the update ------------------------------


def test_an_update_answered_without_the_token_is_a_service_error_not_a_key_error() -> None:
    """An endpoint that ignores ``ReturnValues`` (an emulator) leaves the token unknown."""
    from stereo_spot_aws_adapters._leases import DynamoLeases
    from stereo_spot_shared.errors import ServiceError

    class Client:
        def update_item(self, **request: Any) -> dict[str, Any]:
            return {}  # applied, but no Attributes

    locks = _dynamo.table_resource("locks", "LOCKS_TABLE", "locks_table_name")
    leases = DynamoLeases(Client(), locks, "locks", "job_id", NAMES)  # type: ignore[arg-type]
    for step in ("acquire", "renew"):
        with pytest.raises(ServiceError) as raised:
            if step == "acquire":
                leases.acquire(J, now=1, expires=31, owner="me", cutoff=0)
            else:
                leases.renew(J, expires=61, owner="me")
        assert raised.value.code == "MissingReturnValues"
        assert raised.value.action == "dynamodb:UpdateItem"
        assert raised.value.resource == "DynamoDB table 'locks'"
        assert str(raised.value) == (
            "dynamodb:UpdateItem on DynamoDB table 'locks' answered without the new lease_token "
            "(ReturnValues=UPDATED_NEW was not honoured); the lease was written but cannot be "
            "fenced: it lapses at its expiry"
        )


# --- DynamoDB leases on moto: the same protocol as the memory one above ------------------


@pytest.fixture
def dynamo_leases(aws: None) -> tuple[Any, Any]:
    from stereo_spot_aws_adapters._leases import DynamoLeases

    client = get_client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="locks",
        KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "job_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    locks = _dynamo.table_resource("locks", "LOCKS_TABLE", "locks_table_name")
    return client, DynamoLeases(client, locks, "locks", "job_id", NAMES)


def stored(client: Any) -> dict[str, object] | None:
    item = client.get_item(TableName="locks", Key={"job_id": {"S": "j"}}).get("Item")
    if item is None:
        return None
    return {name: next(iter(value.values())) for name, value in item.items()}


def test_dynamodb_leases_count_tokens_and_refuse_what_is_not_theirs(
    dynamo_leases: tuple[Any, Any],
) -> None:
    client, leases = dynamo_leases
    assert leases.acquire(J, now=100, expires=130, owner="me", cutoff=99) is None, "no item"
    assert leases.trigger({"job_id": {"S": "j"}, "expires_at": {"N": "500"}}, now=100, cutoff=99)
    assert not leases.trigger(
        {"job_id": {"S": "j"}, "expires_at": {"N": "900"}}, now=100, cutoff=99
    )
    assert leases.acquire(J, now=100, expires=130, owner="me", cutoff=99) == 1
    assert leases.acquire(J, now=100, expires=130, owner="you", cutoff=99) is None, "live"
    assert leases.renew(J, expires=160, owner="you") is None, "not theirs"
    assert leases.renew(J, expires=160, owner="me") == 2
    assert stored(client) == {
        "job_id": "j",
        "expires_at": "500",
        "lease_started_at": "100",
        "lease_owner": "me",
        "lease_expires_at": "160",
        "lease_token": "2",
    }
    assert leases.acquire(J, now=200, expires=230, owner="you", cutoff=160) is None, "at cutoff"
    assert leases.acquire(J, now=200, expires=230, owner="you", cutoff=161) == 3, "lapsed"
    assert not leases.settle(J, owner="me", token=None, remove="#expires")
    assert not leases.settle(J, owner="you", token=2, remove="#expires"), "an old token"
    assert leases.settle(J, owner="you", token=3, remove="#expires")
    assert stored(client) == {
        "job_id": "j",
        "expires_at": "500",
        "lease_started_at": "200",
        "lease_owner": "you",
        "lease_token": "3",
    }, "completed: the expiry removed"
    assert not leases.settle(J, owner="you", token=None, remove="#owner"), "completed"


def test_dynamodb_expired_markers_are_absent_unless_a_lease_is_live(
    dynamo_leases: tuple[Any, Any],
) -> None:
    client, leases = dynamo_leases
    client.put_item(TableName="locks", Item={"job_id": {"S": "j"}, "expires_at": {"N": "99"}})
    assert leases.acquire(J, now=100, expires=130, owner="me", cutoff=99) is None, "expired"
    client.put_item(TableName="locks", Item={"job_id": {"S": "j"}, "expires_at": {"N": "100"}})
    assert not leases.trigger({"job_id": {"S": "j"}, "expires_at": {"N": "900"}}, now=100, cutoff=9)
    assert leases.acquire(J, now=100, expires=150, owner="me", cutoff=99) == 1
    # The marker expires while the lease is live: a trigger must not wipe the lease.
    assert not leases.trigger(
        {"job_id": {"S": "j"}, "expires_at": {"N": "900"}}, now=101, cutoff=150
    )
    assert leases.trigger({"job_id": {"S": "j"}, "expires_at": {"N": "900"}}, now=101, cutoff=151)
    assert stored(client) == {"job_id": "j", "expires_at": "900"}


def test_dynamodb_leases_without_a_ttl_send_no_ttl_placeholders(aws: None) -> None:
    from stereo_spot_aws_adapters._leases import DynamoLeases

    client = get_client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="locks",
        KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "job_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    seen = []
    client.meta.events.register(
        "provide-client-params.dynamodb.*", lambda params, **_: seen.append(dict(params))
    )
    locks = _dynamo.table_resource("locks", "LOCKS_TABLE", "locks_table_name")
    names = LeaseAttributes("lease_started_at", "lease_owner", "lease_expires_at", "lease_token")
    leases = DynamoLeases(client, locks, "locks", "job_id", names)
    assert leases.trigger({"job_id": {"S": "j"}, "expires_at": {"N": "1"}}, now=100, cutoff=99)
    assert not leases.trigger({"job_id": {"S": "j"}}, now=100, cutoff=99), "never expires"
    assert leases.acquire(J, now=100, expires=130, owner="me", cutoff=99) == 1
    assert seen[0]["ConditionExpression"] == "attribute_not_exists(#key)"
    assert seen[0]["ExpressionAttributeNames"] == {"#key": "job_id"}
    assert "ExpressionAttributeValues" not in seen[0]
    assert "#ttl" not in seen[2]["ConditionExpression"]


def test_each_dynamodb_lease_step_is_one_conditional_request_as_documented(
    dynamo_leases: tuple[Any, Any],
) -> None:
    """The conditions on the wire, as ``_leases``' docstring states the protocol."""
    client, leases = dynamo_leases
    sent: list[tuple[str, str, str]] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.*",
        lambda params, model, **_: sent.append(
            (model.name, params.get("UpdateExpression", ""), params["ConditionExpression"])
        ),
    )
    leases.trigger({"job_id": {"S": "j"}, "expires_at": {"N": "500"}}, now=100, cutoff=99)
    leases.acquire(J, now=100, expires=130, owner="me", cutoff=99)
    leases.renew(J, expires=160, owner="me")
    leases.settle(J, owner="me", token=2, remove="#expires")
    leases.settle(J, owner="me", token=None, remove="#owner")
    owned = "#owner = :owner AND attribute_exists(#expires)"
    bump = ", #token = if_not_exists(#token, :zero) + :one"
    assert sent == [
        (
            "PutItem",
            "",
            "attribute_not_exists(#key) OR (#ttl < :now AND "
            "(attribute_not_exists(#expires) OR #expires < :cutoff))",
        ),
        (
            "UpdateItem",
            "SET #started = :now, #owner = :owner, #expires = :expires" + bump,
            "attribute_exists(#key) AND (attribute_not_exists(#started) OR #expires < :cutoff)"
            " AND (attribute_not_exists(#ttl) OR #ttl >= :now)",
        ),
        ("UpdateItem", "SET #expires = :expires" + bump, owned),
        ("UpdateItem", "REMOVE #expires", owned + " AND #token = :token"),
        ("UpdateItem", "REMOVE #owner", owned),
    ]
