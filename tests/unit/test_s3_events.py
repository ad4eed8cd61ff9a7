"""parse_s3_event and parse_payload: what S3, SNS and our own senders put on a queue."""

from __future__ import annotations

import json

import pytest

from stereo_spot_shared.errors import MalformedEventError, UnexpectedBucketError
from stereo_spot_shared.models import ChunkingPayload
from stereo_spot_shared.s3_events import (
    S3ObjectRef,
    check_event_buckets,
    parse_payload,
    parse_s3_event,
)


def _record(
    key: str, *, bucket: str = "input", size: int | None = 42, event: str = "ObjectCreated:Put"
) -> dict[str, object]:
    obj: dict[str, object] = {"key": key, "eTag": "abc"}
    if size is not None:
        obj["size"] = size
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": event,
        "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}, "object": obj},
    }


def _notification(*records: dict[str, object]) -> str:
    return json.dumps({"Records": list(records)})


def test_parses_one_record() -> None:
    body = _notification(_record("input/job-1/source.mp4", size=1234))

    assert parse_s3_event(body) == [
        S3ObjectRef(
            bucket="input", key="input/job-1/source.mp4", size=1234, event_name="ObjectCreated:Put"
        )
    ]


def test_parses_every_record_in_order_from_bytes() -> None:
    body = _notification(
        _record("a.mp4"), _record("b.mp4", event="ObjectRemoved:Delete", size=None)
    )

    refs = parse_s3_event(body.encode("utf-8"))

    assert [(ref.key, ref.event_name, ref.size) for ref in refs] == [
        ("a.mp4", "ObjectCreated:Put", 42),
        ("b.mp4", "ObjectRemoved:Delete", None),
    ]


def test_plus_in_key_is_a_space() -> None:
    body = _notification(_record("input/my+holiday+video.mp4"))

    assert parse_s3_event(body)[0].key == "input/my holiday video.mp4"


def test_encoded_plus_stays_a_plus() -> None:
    body = _notification(_record("input/a%2Bb.mp4"))

    assert parse_s3_event(body)[0].key == "input/a+b.mp4"


def test_percent_encoded_unicode_key_is_decoded() -> None:
    # "vidéo 東京.mp4" as S3 form-encodes it.
    body = _notification(_record("input/vid%C3%A9o+%E6%9D%B1%E4%BA%AC.mp4"))

    assert parse_s3_event(body)[0].key == "input/vidéo 東京.mp4"


def test_test_event_yields_nothing() -> None:
    body = json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": "2025-01-01T00:00:00.000Z",
            "Bucket": "input",
            "RequestId": "r",
            "HostId": "h",
        }
    )

    assert parse_s3_event(body) == []


def test_sns_wrapped_notification() -> None:
    inner = _notification(_record("input/x+y.mp4", bucket="wrapped"))
    body = json.dumps({"Type": "Notification", "MessageId": "m-1", "Message": inner})

    assert parse_s3_event(body) == [
        S3ObjectRef(bucket="wrapped", key="input/x y.mp4", size=42, event_name="ObjectCreated:Put")
    ]


def test_sns_wrapped_test_event_yields_nothing() -> None:
    inner = json.dumps({"Event": "s3:TestEvent", "Bucket": "input"})
    body = json.dumps({"Type": "Notification", "Message": inner})

    assert parse_s3_event(body) == []


def test_empty_records_yields_nothing() -> None:
    assert parse_s3_event('{"Records": []}') == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("not json", "not JSON", id="not-json"),
        pytest.param(b"\xff\xfe", "not JSON", id="not-utf8"),
        pytest.param("[1, 2]", "expected an object", id="json-array"),
        pytest.param('{"foo": 1}', "no 'Records' list", id="no-records"),
        pytest.param('{"Records": {"a": 1}}', "no 'Records' list", id="records-not-list"),
        pytest.param(
            '{"Records": ["x"]}', r"Records\[0\] is not an object", id="record-not-object"
        ),
        pytest.param(
            '{"Type": "Notification", "Message": 7}', "not a string", id="sns-message-not-str"
        ),
        pytest.param(
            '{"Type": "Notification", "Message": "nope"}',
            "inside the SNS",
            id="sns-message-not-json",
        ),
    ],
)
def test_malformed_bodies_name_the_problem(body: str | bytes, expected: str) -> None:
    with pytest.raises(MalformedEventError, match=expected):
        parse_s3_event(body)


def _without(path: tuple[str, ...]) -> str:
    record = _record("k.mp4")
    node: dict[str, object] = record
    for name in path[:-1]:
        child = node[name]
        assert isinstance(child, dict)
        node = child
    del node[path[-1]]
    return _notification(_record("ok.mp4"), record)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("s3",), r"Records\[1\]\.s3 is missing"),
        (("s3", "bucket"), r"Records\[1\]\.s3\.bucket is missing"),
        (("s3", "bucket", "name"), r"Records\[1\]\.s3\.bucket\.name is missing"),
        (("s3", "object"), r"Records\[1\]\.s3\.object is missing"),
        (("s3", "object", "key"), r"Records\[1\]\.s3\.object\.key is missing"),
        (("eventName",), r"Records\[1\]\.eventName is missing"),
    ],
)
def test_record_missing_a_field_names_it(path: tuple[str, ...], expected: str) -> None:
    with pytest.raises(MalformedEventError, match=expected):
        parse_s3_event(_without(path))


@pytest.mark.parametrize("size", ["12", -1, True, 1.5])
def test_bad_size_is_malformed(size: object) -> None:
    record = _record("k.mp4")
    s3 = record["s3"]
    assert isinstance(s3, dict)
    s3["object"]["size"] = size

    with pytest.raises(MalformedEventError, match="size"):
        parse_s3_event(_notification(record))


def test_parse_payload_round_trips_a_model() -> None:
    payload = ChunkingPayload(bucket="input", key="input/job-1/source.mp4")

    assert parse_payload(payload.model_dump_json(), ChunkingPayload) == payload
    assert parse_payload(payload.model_dump_json().encode(), ChunkingPayload) == payload


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("{not json", "Invalid JSON", id="invalid-json"),
        pytest.param('{"bucket": "input"}', "key", id="missing-field"),
        pytest.param('{"bucket": "input", "key": "k", "extra": 1}', "extra", id="extra-field"),
        pytest.param('{"bucket": "", "key": "k"}', "bucket", id="empty-bucket"),
    ],
)
def test_parse_payload_rejects_invalid_bodies(body: str, expected: str) -> None:
    with pytest.raises(MalformedEventError, match="ChunkingPayload") as caught:
        parse_payload(body, ChunkingPayload)

    assert expected in str(caught.value)


# --- issue 12: hardening -------------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_to_any_depth_is_malformed_not_a_recursion_error(depth: int) -> None:
    body = "[" * depth + "]" * depth
    with pytest.raises(MalformedEventError):
        parse_s3_event(body)
    nested_records = '{"Records": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(MalformedEventError):
        parse_s3_event(nested_records)
    with pytest.raises(MalformedEventError):
        parse_payload('{"job_id": ' + "[" * depth + "]" * depth + "}", ChunkingPayload)


def test_sns_envelope_with_a_deeply_nested_message_is_malformed() -> None:
    inner = "[" * 100_000 + "]" * 100_000
    with pytest.raises(MalformedEventError, match="inside the SNS 'Message'"):
        parse_s3_event(json.dumps({"Type": "Notification", "Message": inner}))


@pytest.mark.parametrize(
    ("raw_key", "reason"),
    [
        ("input/%ff%fe.mp4", r"escapes are not UTF-8"),  # not UTF-8 bytes
        ("input/%C3.mp4", r"escapes are not UTF-8"),  # a truncated sequence
        ("input/100%.mp4", r"'%' at index 9 that is not a %XX escape"),
        ("input/%zz.mp4", r"'%' at index 6 that is not a %XX escape"),
        ("input/%4.mp4", r"'%' at index 6 that is not a %XX escape"),
    ],
)
def test_invalid_percent_encoding_is_malformed_never_replaced(raw_key: str, reason: str) -> None:
    with pytest.raises(MalformedEventError, match=rf"Records\[0\]\.s3\.object\.key.*{reason}"):
        parse_s3_event(_notification(_record(raw_key)))


def test_valid_escapes_still_decode() -> None:
    body = _notification(_record("input/caf%C3%A9+100%25.mp4"))
    assert parse_s3_event(body)[0].key == "input/café 100%.mp4"


def test_check_event_buckets_refuses_a_foreign_bucket() -> None:
    refs = parse_s3_event(_notification(_record("a.mp4"), _record("b.mp4", bucket="theirs")))

    with pytest.raises(UnexpectedBucketError, match=r"s3://theirs/b\.mp4 on the work queue") as e:
        check_event_buckets(refs, {"input"}, "work")

    assert isinstance(e.value, MalformedEventError)  # a poison message, like any other
    assert (e.value.bucket, e.value.expected) == ("theirs", ("input",))
    assert check_event_buckets(refs[:1], {"input"}, "work") == refs[:1]
