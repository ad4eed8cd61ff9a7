"""The ``endpoint`` backend takes one endpoint per service (dynalite beside LocalStack).

Before, the suite took ``STEREO_SPOT_TEST_ENDPOINT`` for all three services and
deleted botocore's ``AWS_ENDPOINT_URL_<SERVICE>``, so DynamoDB on one emulator
and SQS/S3 on another needed a hand-written router.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stereo_spot_aws_adapters.devtools.embedded import EmbeddedMotoServer
from stereo_spot_shared.models import Job, JobStatus, StereoMode
from tests.conformance.conftest import Backend, _aws_backend, endpoints_under_test

DYNALITE = "http://localhost:4567"
LOCALSTACK = "http://localhost:4566"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"STEREO_SPOT_TEST_ENDPOINT": ""}, None),  # what `make conformance` passes by default
        ({"AWS_ENDPOINT_URL_S3": LOCALSTACK}, None),  # a stray botocore variable runs nothing
        (
            {"STEREO_SPOT_TEST_ENDPOINT": LOCALSTACK},
            {"dynamodb": LOCALSTACK, "sqs": LOCALSTACK, "s3": LOCALSTACK},
        ),
        (
            {"STEREO_SPOT_TEST_ENDPOINT": LOCALSTACK, "AWS_ENDPOINT_URL_DYNAMODB": DYNALITE},
            {"dynamodb": DYNALITE, "sqs": LOCALSTACK, "s3": LOCALSTACK},
        ),
        (
            {
                "STEREO_SPOT_TEST_ENDPOINT": LOCALSTACK,
                "STEREO_SPOT_TEST_ENDPOINT_DYNAMODB": DYNALITE,
                "AWS_ENDPOINT_URL_DYNAMODB": "http://elsewhere:1",
            },
            {"dynamodb": DYNALITE, "sqs": LOCALSTACK, "s3": LOCALSTACK},
        ),
        (
            {
                "AWS_ENDPOINT_URL_DYNAMODB": DYNALITE,
                "AWS_ENDPOINT_URL_SQS": LOCALSTACK,
                "AWS_ENDPOINT_URL_S3": LOCALSTACK,
            },
            {"dynamodb": DYNALITE, "sqs": LOCALSTACK, "s3": LOCALSTACK},
        ),
    ],
)
def test_each_service_takes_the_first_endpoint_set_for_it(
    environ: dict[str, str], expected: dict[str, str] | None
) -> None:
    assert endpoints_under_test(environ) == expected


def test_a_service_left_without_an_endpoint_is_a_usage_error() -> None:
    with pytest.raises(
        pytest.UsageError, match="no endpoint for sqs: set STEREO_SPOT_TEST_ENDPOINT_SQS"
    ):
        endpoints_under_test({"STEREO_SPOT_TEST_ENDPOINT_DYNAMODB": DYNALITE})


@pytest.fixture
def split_backend() -> Iterator[tuple[Backend, str, str]]:
    """DynamoDB on one server, SQS and S3 on another, as dynalite beside LocalStack."""
    with EmbeddedMotoServer() as dynamodb, EmbeddedMotoServer() as others:
        endpoints = {
            "dynamodb": dynamodb.endpoint_url,
            "sqs": others.endpoint_url,
            "s3": others.endpoint_url,
        }
        for backend in _aws_backend("endpoint", endpoints):
            yield backend, dynamodb.endpoint_url, others.endpoint_url


def test_the_bundle_sends_each_service_to_its_own_endpoint(
    split_backend: tuple[Backend, str, str],
) -> None:
    backend, dynamodb, others = split_backend
    adapters = backend.adapters
    assert adapters.jobs._client.meta.endpoint_url == dynamodb  # type: ignore[attr-defined]
    assert adapters.chunking_sender._client.meta.endpoint_url == others  # type: ignore[attr-defined]
    assert adapters.objects._client.meta.endpoint_url == others  # type: ignore[attr-defined]

    job = Job(job_id=backend.unique("split"), mode=StereoMode.SBS, status=JobStatus.CREATED)
    adapters.jobs.put(job)
    assert adapters.jobs.get(job.job_id) == job
    sender, receiver = backend.new_queue_pair()
    sender.send("routed")
    assert [m.body for m in receiver.receive(max_messages=1)] == ["routed"]
