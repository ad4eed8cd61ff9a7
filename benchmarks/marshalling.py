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
from stereo_spot_shared._checks import ModelFields
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


def _best_us(call: Callable[[], object], iterations: int, repeats: int = 7) -> float:
    """The fastest of ``repeats`` loops of ``call``, in µs of thread CPU per call (no profiler)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        for _ in range(iterations):
            call()
        best = min(best, (time.thread_time() - start) / iterations * 1e6)
    return best


def split_note(
    kind: str,
    model: BaseModel,
    to_item: Callable[[Any], Any],
    from_item: Callable[[Any], Any],
    iterations: int,
) -> str:
    """Where each side's time goes, step by step, timed without a profiler.

    cProfile charges every Python call a fixed cost, so it inflates ours (many
    small calls) far more than the pydantic validator (one call into Rust):
    this table shows the steps' real shares.
    """
    item = to_item(model)
    validator = type(model).__pydantic_validator__
    fields = ModelFields(model.model_dump(mode="json", exclude_none=True))
    dumped = model.model_dump(mode="json", exclude_none=True)
    serialized = {name: _serializer.serialize(value) for name, value in dumped.items()}
    plain = {name: _plain(_deserializer.deserialize(v)) for name, v in serialized.items()}
    steps = [
        ("ours: model → item (`to_item`, with the item checks)", lambda: to_item(model)),
        ("ours: item → model (`from_item`)", lambda: from_item(item)),
        (
            "ours, inside `from_item`: the model's validator alone",
            lambda: validator.validate_python(fields, extra="ignore"),
        ),
        (
            "baseline: `model_dump(mode='json', exclude_none=True)`",
            lambda: model.model_dump(mode="json", exclude_none=True),
        ),
        (
            "baseline: `TypeSerializer` per attribute",
            lambda: {name: _serializer.serialize(value) for name, value in dumped.items()},
        ),
        (
            "baseline: `TypeDeserializer` per attribute, `Decimal` to `int`",
            lambda: {name: _plain(_deserializer.deserialize(v)) for name, v in serialized.items()},
        ),
        ("baseline: `model_validate`", lambda: type(model).model_validate(plain)),
    ]
    lines = [
        f"Row 1 missed for `{kind}`: each step alone, fastest of 7 loops of {iterations:,} calls "
        "(thread CPU, no profiler):",
        "",
        "| Step | µs per call |",
        "|---|---|",
        *(f"| {label} | {_best_us(call, iterations):.2f} |" for label, call in steps),
    ]
    return "\n".join(lines)


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
    codecs: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "Job": (job_to_item, job_from_item),
        "SegmentCompletion": (segment_completion_to_item, segment_completion_from_item),
    }
    for comparison, (kind, (ours, model)) in zip(comparisons, models.items(), strict=True):
        if comparison.met is False:
            to_item, from_item = codecs[kind]
            notes.append(split_note(kind, model, to_item, from_item, n))
            notes.append(
                profile_note(
                    f"Row 1 missed for `{kind}`: where ours spends its time under cProfile "
                    "(which inflates every small Python call)",
                    lambda ours=ours, model=model: ours(model),  # type: ignore[misc]
                    lambda model=model: boto3_round_trip(model),  # type: ignore[misc]
                    n,
                )
            )
    return RowResult(comparisons, notes)
