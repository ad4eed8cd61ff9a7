"""Conversion metrics, cloud-agnostic: which data points one converted segment makes.

The original's ETA estimate reads two metrics per segment, both with the
dimensions ``Cloud`` (where it ran) and ``SegmentSizeBucket`` (0-5, 5-20,
20-50 or 50+ MB): ``SegmentConversionDurationSeconds`` and, for a non-empty
segment, ``ConversionSecondsPerMb``. The CloudWatch emitter
(``stereo_spot_aws_adapters.conversion_metrics``) and the in-memory one
(``stereo_spot_shared.memory.metrics``) send the same points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "DURATION_METRIC",
    "SECONDS_PER_MB_METRIC",
    "MetricDatum",
    "conversion_metric_data",
    "segment_size_bucket",
]

DURATION_METRIC = "SegmentConversionDurationSeconds"
SECONDS_PER_MB_METRIC = "ConversionSecondsPerMb"
BYTES_PER_MB = 1_000_000  # the original's: decimal megabytes
_BUCKETS = ((5.0, "0-5"), (20.0, "5-20"), (50.0, "20-50"))


@dataclass(frozen=True)
class MetricDatum:
    """One data point: CloudWatch's ``MetricName``, ``Value``, ``Unit`` and ``Dimensions``."""

    name: str
    value: float
    unit: str
    dimensions: tuple[tuple[str, str], ...]

    def as_cloudwatch(self) -> dict[str, object]:
        """The point as one entry of ``PutMetricData``'s ``MetricData``."""
        return {
            "MetricName": self.name,
            "Value": self.value,
            "Unit": self.unit,
            "Dimensions": [{"Name": name, "Value": value} for name, value in self.dimensions],
        }


def segment_size_bucket(size_mb: float) -> str:
    """The size dimension of a segment of ``size_mb`` megabytes: 0-5, 5-20, 20-50 or 50+."""
    for upper, label in _BUCKETS:
        if size_mb < upper:
            return label
    return "50+"


def conversion_metric_data(
    duration_seconds: float, size_bytes: int, *, cloud: str
) -> tuple[MetricDatum, ...]:
    """The points one converted segment makes; a bad argument raises before any is made."""
    if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, (int, float)):
        raise ArgumentTypeError(
            f"duration_seconds must be a number, got {type(duration_seconds).__name__}"
        )
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int):
        raise ArgumentTypeError(f"size_bytes must be an int, got {type(size_bytes).__name__}")
    if not math.isfinite(duration_seconds) or duration_seconds < 0:
        raise InvalidArgumentError(
            f"duration_seconds must be a finite number >= 0, got {duration_seconds!r}"
        )
    if size_bytes < 0:
        raise InvalidArgumentError(f"size_bytes must be >= 0, got {size_bytes}")
    size_mb = size_bytes / BYTES_PER_MB
    dimensions = (("Cloud", cloud), ("SegmentSizeBucket", segment_size_bucket(size_mb)))
    points = [MetricDatum(DURATION_METRIC, float(duration_seconds), "Seconds", dimensions)]
    if size_mb > 0:
        points.append(
            MetricDatum(SECONDS_PER_MB_METRIC, duration_seconds / size_mb, "None", dimensions)
        )
    return tuple(points)
