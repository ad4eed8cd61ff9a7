"""Operator console links: what each link names, escaping, and the factory's variables."""

from __future__ import annotations

import urllib.parse

import pytest

from stereo_spot_aws_adapters import AWSOperatorLinksProvider, env_config, operator_links_from_env
from stereo_spot_shared import OperatorLinksProvider


def _console_text(text: str) -> str:
    """The CloudWatch console's escaping undone: ``*xx`` back to the character."""
    return urllib.parse.unquote(text.replace("*", "%"))


def test_the_logs_link_names_the_region_the_log_groups_and_the_job() -> None:
    provider = AWSOperatorLinksProvider("my-app", "eu-west-1")
    url = provider.get_job_logs_url("job-abc-123")
    assert url is not None
    assert url.startswith(
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights"
    )
    decoded = _console_text(url)
    for group in (
        "/ecs/my-app/web-ui",
        "/ecs/my-app/video-worker",
        "/ecs/my-app/media-worker",
        "/aws/sagemaker/Endpoints/my-app-inference",
    ):
        assert f"~'{group}" in decoded
    assert "@message like /job_id=job-abc-123/" in decoded
    assert "(INFO|WARNING|ERROR)" in decoded


def test_a_job_id_cannot_break_out_of_the_query_or_the_url() -> None:
    url = AWSOperatorLinksProvider("app", "us-east-1").get_job_logs_url("a/b.c~'d e")
    assert url is not None
    fragment = url.split("#", 1)[1]
    # Only the console's own structure characters appear raw; the job id is escaped.
    assert "a/b" not in fragment and " " not in fragment and "~'d" not in fragment
    assert "job_id=a\\/b\\.c~'d e/" in _console_text(fragment)


def test_the_cost_link_filters_on_the_app_tag_unless_overridden() -> None:
    url = AWSOperatorLinksProvider("stereo-spot", "eu-west-1").get_cost_dashboard_url()
    assert url is not None and url.startswith(
        "https://us-east-1.console.aws.amazon.com/costmanagement/"
    )
    query = urllib.parse.parse_qs(url.split("?", 2)[2])
    (tag_filter,) = query["filter"]
    assert '"values":[{"value":"stereo-spot"' in tag_filter
    assert '"growableValue":{"value":"App"' in tag_filter
    custom = "https://example.com/cost"
    provider = AWSOperatorLinksProvider("x", "us-east-1", cost_explorer_url=custom)
    assert provider.get_cost_dashboard_url() == custom


def test_the_factory_reads_the_three_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NAME_PREFIX", raising=False)
    assert operator_links_from_env() is None
    monkeypatch.setenv("NAME_PREFIX", "")
    assert operator_links_from_env() is None
    monkeypatch.setenv("NAME_PREFIX", "prod")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    provider = env_config.operator_links_from_env()
    assert isinstance(provider, OperatorLinksProvider)
    assert "region=ap-south-1" in (provider.get_job_logs_url("j") or "")
    monkeypatch.setenv("LOGS_REGION", "eu-north-1")
    monkeypatch.setenv("COST_EXPLORER_URL", "https://example.com/c")
    provider = operator_links_from_env()
    assert provider is not None
    assert "region=eu-north-1" in (provider.get_job_logs_url("j") or "")
    assert "/ecs/prod/web-ui" in _console_text(provider.get_job_logs_url("j") or "")
    assert provider.get_cost_dashboard_url() == "https://example.com/c"
