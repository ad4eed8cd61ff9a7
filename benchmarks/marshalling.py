"""Row 1: model -> item -> model through our generated codecs vs boto3's type (de)serializers."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from benchmarks._harness import RowResult, Sizes, at_most, interleaved, profile_note
from benchmarks._samples import sample_job, sample_segment
from stereo_spot_aws_adapters.generated.jobs import job_from_item, job_to_item
from stereo_spot_aws_adapters.generated.segment_completions import (
    segment_completion_from_item,
    segment_completion_to_item,
)
from stereo_spot_shared.models import Job, SegmentCompletion

ROW = 1
TARGET_RATIO = 0.25
"""Ours must be at least 4x faster: our time at most a quarter of the baseline's."""

M = TypeVar("M", bound=BaseModel)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    # TypeDeserializer returns every number as Decimal; the models take strict ints.
    return int(value) if isinstance(value, Decimal) else value


def boto3_round_trip(model: M) -> M:
    """What a boto3 user writes: dump, serialize, deserialize, validate."""
    item = {
        name: _serializer.serialize(value)
        for name, value in model.model_dump(mode="json", exclude_none=True).items()
    }
    plain = {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}
    return type(model).model_validate(plain)


def ours_job(job: Job) -> Job:
    return job_from_item(job_to_item(job))


def ours_segment(segment: SegmentCompletion) -> SegmentCompletion:
    return segment_completion_from_item(segment_completion_to_item(segment))


def _per_call_us(round_trip: Callable[[M], M], model: M, iterations: int) -> Callable[[], float]:
    def measure() -> float:
        # CPU time of this thread, as row 2: on a shared machine, wall time also counts
        # whatever else ran while this loop waited for a core.
        start = time.thread_time()
        for _ in range(iterations):
            round_trip(model)
        return (time.thread_time() - start) / iterations * 1e6

    return measure


def run(sizes: Sizes) -> RowResult:
    job = sample_job()
    segment = sample_segment(7)
    # Both paths must give back the model they were handed, or timing them means nothing.
    assert ours_job(job) == job and boto3_round_trip(job) == job
    assert ours_segment(segment) == segment and boto3_round_trip(segment) == segment
    n = sizes.marshal_iterations
    stats = interleaved(
        {
            "ours job": _per_call_us(ours_job, job, n),
            "boto3 job": _per_call_us(boto3_round_trip, job, n),
            "ours segment": _per_call_us(ours_segment, segment, n),
            "boto3 segment": _per_call_us(boto3_round_trip, segment, n),
        },
        sizes.marshal_rounds,
    )
    baseline = "TypeSerializer/TypeDeserializer + model_dump/model_validate"
    label = f"≤ {TARGET_RATIO:g}x (≥ 4x faster)"
    comparisons = [
        at_most(
            ROW,
            f"Marshalling: `{kind}` round trip (model → item → model)",
            stats[f"ours {key}"],
            baseline,
            stats[f"boto3 {key}"],
            "µs",
            TARGET_RATIO,
            digits=2,
            label=label,
        )
        for kind, key in (("Job", "job"), ("SegmentCompletion", "segment"))
    ]
    note = (
        f"Row 1: CPU time of the calling thread (`time.thread_time`) per round trip, mean of "
        f"{n:,} calls per repetition. Ours includes the write's item checks (keys, Unicode, "
        "the 400 KB limit: counted exactly only when a cheap bound says the item may be near "
        "it); the baseline checks nothing. Both sides validate "
        "what they read back through the model; ours hands the model's validator the plain "
        "fields (`ModelFields`), the baseline converts the deserializer's `Decimal`s to `int` "
        "itself (faster than leaving that to the models, which accept them too)."
    )
    notes = [note]
    models = {"Job": (ours_job, job), "SegmentCompletion": (ours_segment, segment)}
    for comparison, (kind, (ours, model)) in zip(comparisons, models.items(), strict=True):
        if comparison.met is False:
            notes.append(
                profile_note(
                    f"Row 1 missed for `{kind}`: where ours spends its time",
                    lambda ours=ours, model=model: ours(model),  # type: ignore[misc]
                    lambda model=model: boto3_round_trip(model),  # type: ignore[misc]
                    n,
                )
            )
    return RowResult(comparisons, notes)
