"""The shared clients: botocore's own configuration decides, and every call is logged."""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.retries.standard
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.core.botocore_stubber import MockRawResponse

import stereo_spot_aws_adapters
import stereo_spot_shared
from stereo_spot_aws_adapters._clients import clear_client_cache, get_client

SRC = Path(stereo_spot_aws_adapters.__file__).parents[1]


def write_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    config = tmp_path / "config"
    config.write_text("[profile worker]\n" + body, encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "worker")


def retries_of(service: Any = "sqs") -> dict[str, Any]:
    retries = get_client(service).meta.config.retries
    assert retries is not None
    return dict(retries)


# -- retries ------------------------------------------------------------------


def test_library_default_when_nothing_is_configured() -> None:
    assert retries_of() == {"mode": "standard", "total_max_attempts": 6}


def test_environment_retry_settings_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    assert retries_of() == {"mode": "adaptive", "total_max_attempts": 2}


def test_profile_retry_settings_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_profile(tmp_path, monkeypatch, "retry_mode = legacy\nmax_attempts = 3\n")
    assert retries_of() == {"mode": "legacy", "total_max_attempts": 3}


def test_each_retry_setting_is_decided_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The profile names only the mode: the library still caps the attempts...
    write_profile(tmp_path, monkeypatch, "retry_mode = adaptive\n")
    assert retries_of() == {"mode": "adaptive", "total_max_attempts": 6}
    # ...and an environment attempt count beats the library's with the profile's mode.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    assert retries_of() == {"mode": "adaptive", "total_max_attempts": 4}


def test_environment_beats_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_profile(tmp_path, monkeypatch, "retry_mode = legacy\nmax_attempts = 3\n")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    assert retries_of() == {"mode": "standard", "total_max_attempts": 7}


# -- endpoints ----------------------------------------------------------------


def test_service_variable_beats_the_global_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://everything.test:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://queues.test:9324")
    assert get_client("sqs").meta.endpoint_url == "http://queues.test:9324"
    assert get_client("dynamodb").meta.endpoint_url == "http://everything.test:4566"
    assert get_client("s3").meta.endpoint_url == "http://everything.test:4566"


def test_argument_beats_every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://queues.test:9324")
    client = get_client("sqs", endpoint_url="http://explicit.test:1")
    assert client.meta.endpoint_url == "http://explicit.test:1"


def test_ignore_configured_endpoints_ignores_variables_and_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profile(tmp_path, monkeypatch, "endpoint_url = http://profile.test:1\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://everything.test:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://queues.test:9324")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert get_client("sqs").meta.endpoint_url == "https://sqs.us-east-1.amazonaws.com"
    # The argument is not "configured": it still wins.
    assert get_client("sqs", endpoint_url="http://x.test:1").meta.endpoint_url == "http://x.test:1"


def test_profile_endpoints_are_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile worker]\nendpoint_url = http://profile.test:1\nservices = local\n"
        "[services local]\nsqs =\n  endpoint_url = http://profile-queues.test:2\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "worker")
    assert get_client("sqs").meta.endpoint_url == "http://profile-queues.test:2"
    assert get_client("s3").meta.endpoint_url == "http://profile.test:1"


def test_changing_an_endpoint_variable_builds_a_new_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://one.test:1")
    first = get_client("sqs")
    assert get_client("sqs") is first
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://two.test:2")
    assert get_client("sqs").meta.endpoint_url == "http://two.test:2"


# -- call logging -------------------------------------------------------------


@pytest.fixture
def debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_aws_adapters")
    return caplog


def call_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "stereo_spot_aws_adapters._logging"]


def test_each_call_is_logged_with_operation_resource_duration_and_retries(
    aws: None, debug: pytest.LogCaptureFixture
) -> None:
    sqs = get_client("sqs")
    url = sqs.create_queue(QueueName="logged")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a body that must not be logged")

    records = call_records(debug)
    assert [r.aws_operation for r in records] == ["CreateQueue", "SendMessage"]  # type: ignore[attr-defined]
    send = records[1]
    assert send.levelno == logging.DEBUG
    assert (send.aws_service, send.aws_resource, send.http_status) == ("sqs", url, 200)  # type: ignore[attr-defined]
    assert send.retry_attempts == 0 and send.duration_ms >= 0  # type: ignore[attr-defined]
    assert send.getMessage().startswith(f"sqs SendMessage {url}: HTTP 200 in ")
    assert "a body" not in send.getMessage()


def test_an_error_response_is_logged_with_its_code(
    aws: None, debug: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ClientError):
        get_client("dynamodb").describe_table(TableName="missing")
    (record,) = call_records(debug)
    assert (record.http_status, record.error_code) == (400, "ResourceNotFoundException")  # type: ignore[attr-defined]
    assert record.aws_resource == "missing"  # type: ignore[attr-defined]


def test_botocore_retries_are_counted(
    aws: None, debug: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = botocore.retries.standard.ExponentialBackoff.delay_amount
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff,
        "delay_amount",
        lambda self, context: float(original(self, context)) / 1000,
    )
    s3 = get_client("s3")
    s3.create_bucket(Bucket="retried")
    failures = [2]

    def unavailable_twice(request: Any, **_: Any) -> AWSResponse | None:
        if request.url.endswith("/key") and failures[0]:
            failures[0] -= 1
            return AWSResponse(request.url, 503, {}, MockRawResponse(b""))
        return None

    s3.meta.events.register_first("before-send.s3.PutObject", unavailable_twice)
    s3.put_object(Bucket="retried", Key="key", Body=b"x")

    put = next(r for r in call_records(debug) if r.aws_operation == "PutObject")  # type: ignore[attr-defined]
    assert put.retry_attempts == 2  # type: ignore[attr-defined]
    assert put.aws_resource == "s3://retried/key"  # type: ignore[attr-defined]
    assert put.getMessage().endswith(" after 2 retries")


def test_a_call_that_never_got_a_response_is_logged(
    debug: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    client = get_client("dynamodb", endpoint_url="http://127.0.0.1:9")  # discard port
    with pytest.raises(EndpointConnectionError):
        client.describe_table(TableName="t")
    (record,) = call_records(debug)
    assert record.aws_operation == "DescribeTable"  # type: ignore[attr-defined]
    assert record.error_code == "EndpointConnectionError"  # type: ignore[attr-defined]
    assert "failed with EndpointConnectionError" in record.getMessage()


def test_nothing_is_logged_or_timed_when_debug_is_off(
    aws: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stereo_spot_aws_adapters")
    get_client("sqs").create_queue(QueueName="quiet")
    assert call_records(caplog) == []


# -- the packages' logging manners ---------------------------------------------


@pytest.mark.parametrize("package", [stereo_spot_aws_adapters, stereo_spot_shared])
def test_package_root_has_a_null_handler(package: Any) -> None:
    handlers = logging.getLogger(package.__name__).handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_library_modules_never_print() -> None:
    # The developer tools (the command line among them) may print; library modules never do.
    offenders = []
    for path in sorted(SRC.glob("stereo_spot_*/**/*.py")):
        if "devtools" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_clear_client_cache_forgets_clients() -> None:
    first = get_client("sqs")
    clear_client_cache()
    assert get_client("sqs") is not first


def test_the_cache_is_dropped_at_exit_and_adapters_keep_their_clients() -> None:
    # A fresh interpreter: run its exit handlers by hand, then look at the cache.
    code = """
import atexit
from stereo_spot_aws_adapters import _clients
from stereo_spot_aws_adapters.sqs import SQSQueueSender
sender = SQSQueueSender("https://sqs.us-east-1.amazonaws.com/123456789012/q")
assert _clients._clients and _clients._sessions
atexit._run_exitfuncs()
assert _clients._clients == {} and _clients._sessions == {}
assert sender._client.meta.service_model.service_name == "sqs"
print("ok")
"""
    environment = {
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_dropping_the_cache_at_exit_never_waits_for_the_lock() -> None:
    from stereo_spot_aws_adapters import _clients

    client = get_client("sqs")
    lock = _clients._lock
    with lock:  # as a daemon thread inside get_client would hold it at exit
        _clients._drop_cache_at_exit()
    assert get_client("sqs") is client  # left alone, not waited for
    _clients._drop_cache_at_exit()
    assert get_client("sqs") is not client
