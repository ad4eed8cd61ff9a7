"""Conversion metrics: the points, CloudWatch (moto), errors, the no-op and in-memory emitters."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import boto3
import pytest
import tomllib
from botocore.stub import Stubber

from stereo_spot_aws_adapters import conversion_metrics, env_config
from stereo_spot_aws_adapters.conversion_metrics import CloudWatchConversionMetricsEmitter
from stereo_spot_shared import ConversionMetricsEmitter, NoOpConversionMetricsEmitter
from stereo_spot_shared.conversion_metrics import conversion_metric_data, segment_size_bucket
from stereo_spot_shared.errors import (
    AccessDeniedError,
    ArgumentTypeError,
    InvalidArgumentError,
    RejectedRequestError,
)
from stereo_spot_shared.memory import MemoryConversionMetricsEmitter

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "stereo_spot.toml"


@pytest.mark.parametrize(
    ("size_mb", "bucket"),
    [
        (0, "0-5"),
        (4.999, "0-5"),
        (5, "5-20"),
        (19.9, "5-20"),
        (20, "20-50"),
        (49.9, "20-50"),
        (50, "50+"),
        (1e6, "50+"),
    ],
)
def test_size_buckets_have_their_lower_bound_included(size_mb: float, bucket: str) -> None:
    assert segment_size_bucket(size_mb) == bucket
    assert conversion_metrics._segment_size_bucket(size_mb) == bucket  # the original's name


def test_a_segment_makes_a_duration_and_a_seconds_per_mb_point() -> None:
    duration, per_mb = conversion_metric_data(77.5, 50_000_000, cloud="aws")
    dimensions = (("Cloud", "aws"), ("SegmentSizeBucket", "50+"))
    assert (duration.name, duration.value, duration.unit, duration.dimensions) == (
        "SegmentConversionDurationSeconds",
        77.5,
        "Seconds",
        dimensions,
    )
    assert (per_mb.name, per_mb.value, per_mb.unit) == ("ConversionSecondsPerMb", 1.55, "None")
    # An empty segment has no rate: one point only.
    assert [p.name for p in conversion_metric_data(3, 0, cloud="aws")] == [duration.name]


@pytest.mark.parametrize(
    ("duration", "size", "error"),
    [
        (-1.0, 10, InvalidArgumentError),
        (math.nan, 10, InvalidArgumentError),
        (math.inf, 10, InvalidArgumentError),
        (1.0, -5, InvalidArgumentError),
        ("1", 10, ArgumentTypeError),
        (1.0, 2.5, ArgumentTypeError),
        (True, 10, ArgumentTypeError),
    ],
)
def test_bad_input_is_a_typed_error_before_any_request(
    duration: object, size: object, error: type[Exception]
) -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    emitter = CloudWatchConversionMetricsEmitter(client=client)
    with Stubber(client):  # no response queued: any request would fail the stubber
        with pytest.raises(error):
            emitter.put_conversion_metrics(duration, size)  # type: ignore[arg-type]
        emitter.emit_conversion_metrics(duration, size)  # type: ignore[arg-type]


def test_metrics_reach_cloudwatch_in_the_schemas_namespace(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace = tomllib.loads(SCHEMA.read_text("utf-8"))["metrics"]["conversion"]["namespace"]
    assert namespace == conversion_metrics.DEFAULT_NAMESPACE
    monkeypatch.delenv("METRICS_NAMESPACE", raising=False)
    monkeypatch.setenv("ETA_CLOUD_NAME", "aws-test")
    emitter = env_config.conversion_metrics_emitter_from_env()
    assert isinstance(emitter, ConversionMetricsEmitter)
    emitter.emit_conversion_metrics(12.0, 8_000_000)
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    found = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert sorted(m["MetricName"] for m in found) == [
        "ConversionSecondsPerMb",
        "SegmentConversionDurationSeconds",
    ]
    for metric in found:
        assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
            "Cloud": "aws-test",
            "SegmentSizeBucket": "5-20",
        }
    # The variable overrides the namespace (the original's METRICS_NAMESPACE).
    monkeypatch.setenv("METRICS_NAMESPACE", "Staging/Conversion")
    env_config.conversion_metrics_emitter_from_env().put_conversion_metrics(1.0, 0)
    assert cloudwatch.list_metrics(Namespace="Staging/Conversion")["Metrics"]


def test_a_refused_request_is_a_shared_error_and_emit_only_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    emitter = CloudWatchConversionMetricsEmitter("Ns/Test", "aws", client=client)
    with Stubber(client) as stub:
        stub.add_client_error("put_metric_data", "AccessDenied", http_status_code=403)
        stub.add_client_error("put_metric_data", "InvalidParameterValue", http_status_code=400)
        stub.add_client_error("put_metric_data", "AccessDenied", http_status_code=403)
        with pytest.raises(AccessDeniedError) as denied:
            emitter.put_conversion_metrics(1.0, 1)
        assert denied.value.action == "cloudwatch:PutMetricData"
        assert type(denied.value.__cause__).__module__.startswith("botocore")
        with pytest.raises(RejectedRequestError):
            emitter.put_conversion_metrics(1.0, 1)
        with caplog.at_level(logging.WARNING):
            emitter.emit_conversion_metrics(1.0, 1)  # best effort: never raises
    assert "cloudwatch:PutMetricData" in caplog.text


def test_the_no_op_and_memory_emitters_satisfy_the_interface() -> None:
    assert isinstance(NoOpConversionMetricsEmitter(), ConversionMetricsEmitter)
    NoOpConversionMetricsEmitter().emit_conversion_metrics(1.0, 1)
    memory = MemoryConversionMetricsEmitter("Ns/Test", cloud_name="memory")
    assert isinstance(memory, ConversionMetricsEmitter)
    memory.emit_conversion_metrics(30.0, 25_000_000)
    memory.emit_conversion_metrics(-1.0, 1)  # refused, logged, not recorded
    assert [(ns, p.name, p.value) for ns, p in memory.points] == [
        ("Ns/Test", "SegmentConversionDurationSeconds", 30.0),
        ("Ns/Test", "ConversionSecondsPerMb", 1.2),
    ]
    with pytest.raises(InvalidArgumentError):
        memory.put_conversion_metrics(-1.0, 1)


def test_memory_records_exactly_what_cloudwatch_is_sent() -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    cloudwatch = CloudWatchConversionMetricsEmitter("Ns/Test", "aws", client=client)
    memory = MemoryConversionMetricsEmitter("Ns/Test", cloud_name="aws")
    memory.put_conversion_metrics(42.5, 12_345_678)
    expected = {
        "Namespace": "Ns/Test",
        "MetricData": [point.as_cloudwatch() for _, point in memory.points],
    }
    with Stubber(client) as stub:
        stub.add_response("put_metric_data", {}, expected)  # the stubber compares the request
        cloudwatch.put_conversion_metrics(42.5, 12_345_678)
        stub.assert_no_pending_responses()
