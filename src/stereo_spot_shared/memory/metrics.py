"""Conversion metrics in memory: the points the CloudWatch emitter would send, recorded."""

from __future__ import annotations

import logging
import threading

from ..conversion_metrics import MetricDatum, conversion_metric_data
from ..errors import StereoSpotError

__all__ = ["MemoryConversionMetricsEmitter"]

_log = logging.getLogger(__name__)


class MemoryConversionMetricsEmitter:
    """A ``ConversionMetricsEmitter`` that keeps every point it is given, by namespace.

    ``put_conversion_metrics`` raises a typed error for bad input, as the
    CloudWatch emitter's does; ``emit_conversion_metrics`` logs it and goes on.
    """

    def __init__(
        self, namespace: str = "StereoSpot/Conversion", cloud_name: str = "memory"
    ) -> None:
        self.namespace = namespace
        self.cloud_name = cloud_name
        self._lock = threading.Lock()
        self._points: list[tuple[str, MetricDatum]] = []

    def put_conversion_metrics(self, duration_seconds: float, size_bytes: int) -> None:
        points = conversion_metric_data(duration_seconds, size_bytes, cloud=self.cloud_name)
        with self._lock:
            self._points += [(self.namespace, point) for point in points]

    def emit_conversion_metrics(self, duration_seconds: float, size_bytes: int) -> None:
        try:
            self.put_conversion_metrics(duration_seconds, size_bytes)
        except StereoSpotError as error:
            _log.warning("conversion metrics not recorded: %s", error)

    @property
    def points(self) -> list[tuple[str, MetricDatum]]:
        """Every (namespace, point) recorded, oldest first."""
        with self._lock:
            return list(self._points)
