"""The inference-invocations table (optional; the original's SageMaker correlation), on every backend."""

from __future__ import annotations

import pytest

from stereo_spot_shared import Adapters
from tests.conformance.conftest import Backend, another


def test_put_get_and_delete_by_output_location(backend: Backend, adapters: Adapters) -> None:
    assert adapters.inference_invocations is not None, "provisioned, so built"
    store = another(adapters.inference_invocations)
    location = f"s3://out/sagemaker-async-responses/{backend.unique('inv')}"
    assert store.get(location) is None
    store.put(location, "job-1", 2, 5, "s3://out/jobs/job-1/segments/2.mp4")
    assert store.get(location) == {
        "job_id": "job-1",
        "segment_index": 2,
        "total_segments": 5,
        "output_s3_uri": "s3://out/jobs/job-1/segments/2.mp4",
    }
    store.delete(location)
    store.delete(location)  # a missing item is not an error
    assert store.get(location) is None


def test_bad_arguments_are_refused_before_anything_is_written(
    backend: Backend, adapters: Adapters
) -> None:
    store = adapters.inference_invocations
    assert store is not None
    location = f"s3://out/{backend.unique('inv')}"
    with pytest.raises(ValueError, match="ttl_seconds must be at least 1"):
        store.put(location, "job-1", 0, 1, "s3://o/0.mp4", ttl_seconds=0)
    with pytest.raises(ValueError):
        store.put(location, "", 0, 1, "s3://o/0.mp4")
    assert store.get(location) is None
