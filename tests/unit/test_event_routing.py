"""Generated S3-event parsers accept events only from the buckets the schema routes to a queue."""

from __future__ import annotations

import json

import pytest

from stereo_spot_aws_adapters import parse_chunking_event, parse_video_worker_event
from stereo_spot_shared.errors import (
    MalformedEventError,
    MissingConfigurationError,
    UnexpectedBucketError,
)


def event(bucket: str, key: str = "input/job-1/source.mp4") -> str:
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 5}},
    }
    return json.dumps({"Records": [record]})


@pytest.fixture(autouse=True)
def input_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INPUT_BUCKET_NAME", "stack-input")


@pytest.mark.parametrize("parse", [parse_chunking_event, parse_video_worker_event])
def test_events_of_the_routed_bucket_are_parsed(parse: object) -> None:
    assert callable(parse)
    [ref] = parse(event("stack-input"))
    assert (ref.bucket, ref.key) == ("stack-input", "input/job-1/source.mp4")


@pytest.mark.parametrize("parse", [parse_chunking_event, parse_video_worker_event])
def test_an_event_of_another_bucket_is_refused(parse: object) -> None:
    assert callable(parse)
    with pytest.raises(UnexpectedBucketError, match=r"s3://stack-output/.*\['stack-input'\]"):
        parse(event("stack-output"))


def test_the_buckets_can_be_named_directly() -> None:
    assert parse_chunking_event(event("elsewhere"), buckets={"elsewhere"})[0].bucket == "elsewhere"
    with pytest.raises(UnexpectedBucketError):
        parse_chunking_event(event("stack-input"), buckets={"elsewhere"})


def test_a_test_event_needs_no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INPUT_BUCKET_NAME")
    assert parse_chunking_event('{"Event": "s3:TestEvent", "Bucket": "any"}') == []
    with pytest.raises(MissingConfigurationError, match="INPUT_BUCKET_NAME"):
        parse_chunking_event(event("stack-input"))


def test_a_foreign_bucket_is_a_malformed_event_for_existing_handlers() -> None:
    with pytest.raises(MalformedEventError):
        parse_video_worker_event(event("stack-output"))
