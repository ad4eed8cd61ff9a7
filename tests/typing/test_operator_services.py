"""The types of the operator services' factories, pinned: ``mypy --strict tests/typing``."""

from __future__ import annotations

from typing import assert_type

import pytest

from stereo_spot_aws_adapters import AWSOperatorLinksProvider, env_config
from stereo_spot_aws_adapters.conversion_metrics import CloudWatchConversionMetricsEmitter
from stereo_spot_aws_adapters.hf_token import AwsSecretsManagerHfTokenProvider
from stereo_spot_shared import ConversionMetricsEmitter, HfTokenProvider, OperatorLinksProvider


def test_factory_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAME_PREFIX", "p")
    links = env_config.operator_links_from_env()
    assert_type(links, AWSOperatorLinksProvider | None)
    assert isinstance(links, OperatorLinksProvider)
    assert_type(links.get_job_logs_url("j"), str | None)
    emitter = env_config.conversion_metrics_emitter_from_env()
    assert_type(emitter, CloudWatchConversionMetricsEmitter)
    assert isinstance(emitter, ConversionMetricsEmitter)
    provider = env_config.hf_token_provider_from_env()
    assert_type(provider, AwsSecretsManagerHfTokenProvider)
    assert isinstance(provider, HfTokenProvider)
    emitter.emit_conversion_metrics(1.0, "1")  # type: ignore[arg-type]
