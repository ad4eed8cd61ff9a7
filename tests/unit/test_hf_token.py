"""The Hugging Face token: Secrets Manager (moto), the secret's shapes, errors, no-op and memory."""

from __future__ import annotations

import boto3
import pytest

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters.hf_token import AwsSecretsManagerHfTokenProvider, _region_from_arn
from stereo_spot_shared import HfTokenProvider, NoOpHfTokenProvider
from stereo_spot_shared.errors import InvalidConfigurationError, MissingResourceError
from stereo_spot_shared.memory import MemoryHfTokenProvider
from stereo_spot_shared.secret_values import token_from_secret


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("hf_plain", "hf_plain"),
        ('{"hf_token": "a", "HF_TOKEN": "b", "token": "c"}', "a"),
        ('{"HF_TOKEN": "b", "token": "c"}', "b"),
        ('{"token": "c"}', "c"),
        ('{"other": "x"}', None),
        ('{"hf_token": ""}', None),
        ("[1, 2]", None),
        ("", None),
        (None, None),
    ],
)
def test_a_secret_holds_the_token_or_json_with_it(text: str | None, token: str | None) -> None:
    assert token_from_secret(text) == token
    assert MemoryHfTokenProvider(text).get_hf_token() == token


def test_the_region_comes_from_a_secrets_manager_arn_only() -> None:
    assert _region_from_arn("arn:aws:secretsmanager:eu-west-1:1:secret:x") == "eu-west-1"
    assert _region_from_arn("arn:aws:sqs:eu-west-1:1:q") is None
    assert _region_from_arn("not-an-arn") is None
    assert _region_from_arn("") is None


def test_the_token_is_read_from_the_secret_hf_token_arn_names(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    arn = secrets.create_secret(Name="test/hf-token", SecretString='{"token": "hf_x"}')["ARN"]
    monkeypatch.setenv("HF_TOKEN_ARN", arn)
    provider = env_config.hf_token_provider_from_env()
    assert isinstance(provider, HfTokenProvider)
    assert provider.get_hf_token() == "hf_x"
    secrets.put_secret_value(SecretId=arn, SecretString="hf_plain")
    assert provider.get_hf_token() == "hf_plain"  # read on each call: a rotated token is seen


def test_an_optional_secret_left_out_gives_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN_ARN", raising=False)
    assert env_config.hf_token_provider_from_env().get_hf_token() is None
    assert "HF_TOKEN_ARN" not in [v.name for v in env_config.VARIABLES]
    assert NoOpHfTokenProvider().get_hf_token() is None


def test_a_missing_secret_is_a_shared_error_naming_its_variable(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"
    monkeypatch.setenv("HF_TOKEN_ARN", arn)
    with pytest.raises(MissingResourceError) as missing:
        env_config.hf_token_provider_from_env().get_hf_token()
    assert "$HF_TOKEN_ARN" in str(missing.value)
    assert "hf_token_secret_arn" in str(missing.value)
    assert type(missing.value.__cause__).__module__.startswith("botocore")


def test_without_a_region_the_secret_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(InvalidConfigurationError):
        AwsSecretsManagerHfTokenProvider(arn="my-secret-name").get_hf_token()
