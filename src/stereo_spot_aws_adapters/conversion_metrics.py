"""Conversion metrics on CloudWatch: ``CloudWatchConversionMetricsEmitter``.

Each converted segment becomes one ``PutMetricData`` request with the points
``stereo_spot_shared.conversion_metrics`` makes. The namespace is the schema's
``[metrics.conversion]`` (``METRICS_NAMESPACE`` overrides it); the generated
IAM policies allow ``cloudwatch:PutMetricData`` in that namespace only.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from stereo_spot_shared.conversion_metrics import conversion_metric_data
from stereo_spot_shared.conversion_metrics import segment_size_bucket as _shared_bucket
from stereo_spot_shared.errors import StereoSpotError

from ._clients import new_client
from ._errors import AwsCall, Resource

__all__ = [
    "CLOUD_NAME_VARIABLE",
    "DEFAULT_CLOUD_NAME",
    "DEFAULT_NAMESPACE",
    "NAMESPACE_VARIABLE",
    "CloudWatchConversionMetricsEmitter",
]

_log = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "StereoSpot/Conversion"
"""The namespace without ``METRICS_NAMESPACE``: the schema's (a test holds them equal)."""
NAMESPACE_VARIABLE = "METRICS_NAMESPACE"
CLOUD_NAME_VARIABLE = "ETA_CLOUD_NAME"
DEFAULT_CLOUD_NAME = "aws"


def _segment_size_bucket(size_mb: float) -> str:
    """The original's name for ``stereo_spot_shared.conversion_metrics.segment_size_bucket``."""
    return _shared_bucket(size_mb)


class CloudWatchConversionMetricsEmitter:
    """A ``ConversionMetricsEmitter`` publishing to CloudWatch.

    ``namespace`` and ``cloud_name`` left out are read at each emit from
    ``$METRICS_NAMESPACE`` (default ``StereoSpot/Conversion``) and
    ``$ETA_CLOUD_NAME`` (default ``aws``), as the original's emitter reads them.
    The client is built at the first emit (or pass ``client=``).
    """

    def __init__(
        self,
        namespace: str | None = None,
        cloud_name: str | None = None,
        *,
        region_name: str | None = None,
        client: Any = None,
    ) -> None:
        self._namespace = namespace
        self._cloud_name = cloud_name
        self._region_name = region_name
        self._client = client
        self._lock = threading.Lock()

    @property
    def namespace(self) -> str:
        return self._namespace or os.environ.get(NAMESPACE_VARIABLE) or DEFAULT_NAMESPACE

    @property
    def cloud_name(self) -> str:
        return self._cloud_name or os.environ.get(CLOUD_NAME_VARIABLE) or DEFAULT_CLOUD_NAME

    def put_conversion_metrics(self, duration_seconds: float, size_bytes: int) -> None:
        """Publish one segment's points; raises a ``stereo_spot_shared.errors`` class on failure.

        Bad arguments raise ``InvalidArgumentError`` / ``ArgumentTypeError`` before
        any request; a refused or failed request its ``ServiceError`` subclass.
        """
        points = conversion_metric_data(duration_seconds, size_bytes, cloud=self.cloud_name)
        namespace = self.namespace
        call = AwsCall(
            Resource("cloudwatch", "CloudWatch namespace", namespace, NAMESPACE_VARIABLE)
        )
        with call:
            self._cloudwatch().put_metric_data(
                Namespace=namespace, MetricData=[point.as_cloudwatch() for point in points]
            )

    def emit_conversion_metrics(self, duration_seconds: float, size_bytes: int) -> None:
        """``put_conversion_metrics``, best effort: a failure is logged, never raised.

        Metrics must not fail the conversion they measure (the original's contract).
        """
        try:
            self.put_conversion_metrics(duration_seconds, size_bytes)
        except StereoSpotError as error:
            _log.warning("conversion metrics not published: %s", error)

    def _cloudwatch(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = new_client("cloudwatch", region_name=self._region_name)
            return self._client
