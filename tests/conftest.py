"""Fixtures shared by every test tier: fake credentials, moto, a clean client cache."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings
from moto import mock_aws

from stereo_spot_aws_adapters._clients import clear_client_cache

# Property tests are reproducible by default: the same examples on every run, so
# a red CI run is red again on a developer's machine. `HYPOTHESIS_PROFILE=explore`
# draws fresh, many more examples (run it by hand to hunt for new failures).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", max_examples=1000, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_AWS_VARIABLES_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_S3",
    "AWS_SESSION_TOKEN",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "SQS_LONG_POLL_WAIT_SECONDS",  # would change every receiver factory's wait
)


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never let a test see real credentials or endpoints."""
    for name in _AWS_VARIABLES_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    clear_client_cache()
    yield
    clear_client_cache()


@pytest.fixture
def aws() -> Iterator[None]:
    """moto in-process: every DynamoDB, SQS and S3 call stays in this process."""
    with mock_aws():
        yield
