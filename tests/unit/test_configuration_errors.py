"""A missing region or missing credentials is one typed line, never a botocore traceback.

Each case here raised botocore's ``NoRegionError`` or ``NoCredentialsError``
before: the explicit constructors ("Option 2"), every ``env_config`` factory,
``dlq`` and ``provision()``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import NoCredentialsError, NoRegionError

from stereo_spot_aws_adapters import (
    DynamoDBJobStore,
    DynamoSegmentCompletionStore,
    SQSQueueReceiver,
    SQSQueueSender,
)
from stereo_spot_aws_adapters import env_config as env
from stereo_spot_aws_adapters.devtools.cli import main
from stereo_spot_aws_adapters.devtools.provision import provision, teardown
from stereo_spot_aws_adapters.generated.reassembly_triggered import ReassemblyTriggeredLock
from stereo_spot_shared.errors import InvalidConfigurationError

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/chunking"
UNREACHABLE = "http://127.0.0.1:9"  # never contacted: signing fails first


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookup


EXPLICIT: dict[str, Callable[[], object]] = {
    "DynamoDBJobStore": lambda: DynamoDBJobStore("my-stack-jobs"),
    "DynamoSegmentCompletionStore": lambda: DynamoSegmentCompletionStore("my-stack-segments"),
    "ReassemblyTriggeredLock": lambda: ReassemblyTriggeredLock("my-stack-lock"),
    "SQSQueueReceiver": lambda: SQSQueueReceiver(QUEUE_URL),
    "SQSQueueSender": lambda: SQSQueueSender(QUEUE_URL),
}


def assert_one_line_region_error(error: InvalidConfigurationError, service: str) -> None:
    message = str(error)
    assert "\n" not in message
    assert f"no AWS region for {service}" in message and "AWS_REGION" in message
    assert isinstance(error.__cause__, NoRegionError)


@pytest.mark.usefixtures("no_region")
@pytest.mark.parametrize("name", sorted(EXPLICIT))
def test_explicit_construction_without_a_region_names_the_fix(name: str) -> None:
    with pytest.raises(InvalidConfigurationError) as raised:
        EXPLICIT[name]()
    assert_one_line_region_error(raised.value, "sqs" if name.startswith("SQS") else "dynamodb")


@pytest.mark.usefixtures("no_region")
@pytest.mark.parametrize(
    "factory",
    [
        env.job_store_from_env,
        env.segment_completion_store_from_env,
        env.reassembly_triggered_lock_from_env,
        env.chunking_queue_sender_from_env,
        env.chunking_queue_receiver_from_env,
        env.video_worker_queue_sender_from_env,
        env.video_worker_queue_receiver_from_env,
        env.reassembly_queue_sender_from_env,
        env.reassembly_queue_receiver_from_env,
        env.build_adapters,
    ],
    ids=lambda factory: factory.__name__,
)
def test_every_env_factory_without_a_region_is_a_configuration_error(
    factory: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in env.VARIABLES:
        value = QUEUE_URL if variable.name.endswith("_URL") else "my-stack-resource"
        monkeypatch.setenv(variable.name, value)
    with pytest.raises(InvalidConfigurationError) as raised:
        factory()
    assert isinstance(raised.value.__cause__, NoRegionError)
    assert "\n" not in str(raised.value) and "AWS_REGION" in str(raised.value)


@pytest.mark.usefixtures("no_region")
def test_dlq_without_a_region_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dlq", QUEUE_URL, "--wait", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: no AWS region for sqs") and "--region" in captured.err


@pytest.mark.usefixtures("no_credentials")
def test_provision_without_credentials_is_one_typed_line() -> None:
    with pytest.raises(InvalidConfigurationError) as raised:
        provision(prefix="nocreds", region_name="us-east-1", endpoint_url=UNREACHABLE)
    message = str(raised.value)
    assert "\n" not in message
    assert "Unable to locate credentials" in message and "AWS_ACCESS_KEY_ID" in message
    assert isinstance(raised.value.__cause__, NoCredentialsError)


@pytest.mark.usefixtures("no_credentials")
def test_teardown_without_credentials_is_one_typed_line() -> None:
    with pytest.raises(InvalidConfigurationError) as raised:
        teardown({"JOBS_TABLE_NAME": "t"}, region_name="us-east-1", endpoint_url=UNREACHABLE)
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value.__cause__, NoCredentialsError)
