"""Writes count an item's size exactly only when a cheap bound says it may be near a limit.

``job_to_item`` and ``segment_completion_to_item`` pass short ASCII items without
counting them (``fits_uncounted``: the schema bounds names and numbers, ASCII
text is as many bytes as characters); anything else is counted as DynamoDB
counts it (``storable_record``). The guarantee does not change: the same typed
error, with the same message, before any request, as the memory backend's
exact check gives for the same model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stereo_spot_aws_adapters.generated import jobs, segment_completions
from stereo_spot_aws_adapters.generated.jobs import job_to_item
from stereo_spot_aws_adapters.generated.segment_completions import segment_completion_to_item
from stereo_spot_shared._checks import (
    MAX_ITEM_BYTES,
    MAX_RANGE_KEY_BYTES,
    fits_uncounted,
    item_size,
)
from stereo_spot_shared.errors import ArgumentTypeError, InvalidArgumentError
from stereo_spot_shared.generated import memory_jobs, memory_segment_completions
from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode

_URI_ITEM_OVERHEAD = (
    len("job_id") + len("job")
    + len("segment_index") + 2  # 0: one digit, (1 + 1) // 2 + 1 bytes
    + len("completed_at") + 2
    + len("output_s3_uri")
)  # fmt: skip
"""Bytes of a ``_completion("job", uri)`` item besides the URI's own."""


def _completion(job_id: str, uri: str = "s3://b/k", total: int | None = None) -> SegmentCompletion:
    # model_construct: the limits under test are the item's, not the model's.
    return SegmentCompletion.model_construct(
        job_id=job_id, segment_index=0, output_s3_uri=uri, completed_at=1, total_segments=total
    )


def _job(job_id: str, reason: str | None = None, status: JobStatus = JobStatus.FAILED) -> Job:
    return Job.model_construct(
        job_id=job_id,
        mode=StereoMode.SBS,
        status=status,
        created_at=1,
        total_segments=None,
        completed_at=None,
        failure_reason=reason,
    )


def _outcome(write: Callable[[Any], object], model: object) -> tuple[type[Exception], str] | None:
    try:
        write(model)
    except (ArgumentTypeError, InvalidArgumentError) as error:
        return type(error), str(error)
    return None


# --- the exact limit, on the uncounted path and on the counted one ----------------------------


@pytest.mark.parametrize(
    ("character", "width"), [("s", 1), ("\u00e9", 2), ("\u20ac", 3), ("\U0001f600", 4)]
)
def test_an_item_of_exactly_400_kb_is_written_and_one_byte_more_is_refused(
    character: str, width: int
) -> None:
    room = MAX_ITEM_BYTES - _URI_ITEM_OVERHEAD
    filler = "s" * (room % width)
    at_limit = filler + character * (room // width)
    assert len(at_limit.encode()) == room
    item = segment_completion_to_item(_completion("job", at_limit))
    assert item["output_s3_uri"] == {"S": at_limit}
    with pytest.raises(InvalidArgumentError) as raised:
        segment_completion_to_item(_completion("job", at_limit + "s"))
    assert str(raised.value) == (
        "item is 409601 bytes as DynamoDB counts them (attribute names plus values); "
        "a DynamoDB item holds at most 409600 (400 KB)"
    )


def test_a_partition_key_of_2048_bytes_is_written_and_2049_refused() -> None:
    assert job_to_item(_job("j" * 2048))["job_id"] == {"S": "j" * 2048}
    for job_id, size in (("j" * 2049, 2049), ("\u00e9" * 1025, 2050)):
        with pytest.raises(InvalidArgumentError) as raised:
            job_to_item(_job(job_id))
        assert str(raised.value) == (
            f"job_id is {size} bytes of UTF-8; DynamoDB keys hold at most 2048"
        )


@pytest.mark.parametrize(
    ("job", "error", "message"),
    [
        (_job(""), InvalidArgumentError, "job_id must not be empty"),
        (_job("job-\ud800"), InvalidArgumentError, "job_id is not valid Unicode"),
        (_job("job", "bad \udfff"), InvalidArgumentError, "failure_reason is not valid Unicode"),
    ],
)
def test_short_items_are_still_checked_for_what_the_count_would_refuse(
    job: Job, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        job_to_item(job)


# --- the bound ---------------------------------------------------------------------------------


def test_the_bounded_part_covers_the_widest_item_the_schema_allows() -> None:
    # Every optional field set, each number with 38 significant digits, the in-progress marker.
    widest = 10**38 - 1
    job = Job.model_construct(
        job_id="j",
        mode=max(StereoMode, key=lambda mode: len(mode.value)),
        status=JobStatus.CHUNKING_IN_PROGRESS,
        created_at=widest,
        total_segments=widest,
        completed_at=widest,
        failure_reason="r",
    )
    record = memory_jobs._to_record(job)
    assert "in_progress" in record
    measured = sum(
        len(str(record[name])) for name in ("job_id", "mode", "status", "failure_reason")
    )
    assert item_size(record) - measured <= jobs._BOUNDED_ITEM_BYTES
    completion = _completion("j", "u", total=widest)
    completion = completion.model_copy(update={"segment_index": widest, "completed_at": widest})
    record = memory_segment_completions._to_record(completion)
    measured = len("j") + len("u")
    assert item_size(record) - measured <= segment_completions._BOUNDED_ITEM_BYTES


def test_fits_uncounted_takes_only_short_ascii_and_binary_with_non_empty_keys() -> None:
    assert fits_uncounted(10, ("k", b"k"), ("v", None, b"\xff"))
    assert fits_uncounted(MAX_ITEM_BYTES - 2, ("k",), ("v",))
    assert not fits_uncounted(MAX_ITEM_BYTES - 1, ("k",), ("v",))  # over by one: count it
    assert fits_uncounted(0, ("k" * MAX_RANGE_KEY_BYTES,), ())
    assert not fits_uncounted(0, ("k" * (MAX_RANGE_KEY_BYTES + 1),), ())
    for keys in (("",), (b"",), ("\u00e9",), (None,), (1,)):
        assert not fits_uncounted(0, keys, ())
    for value in ("\u00e9", "\ud800", 1, 1.5):
        assert not fits_uncounted(0, ("k",), (value,))


# --- the same verdict as the exact count -------------------------------------------------------

_PIECES = st.sampled_from(["a", "/", "\u00e9", "\u20ac", "\U0001f600", "\ud800", ""])


@st.composite
def _texts(draw: st.DrawFn, near: int) -> str:
    """Text whose UTF-8 size lands anywhere from tiny to a few bytes either side of ``near``."""
    pieces = draw(st.lists(_PIECES, max_size=4))
    padding = draw(st.one_of(st.integers(0, 40), st.integers(near - 8, near + 8)))
    return "x" * padding + "".join(pieces)


@settings(max_examples=60, deadline=None)
@given(
    job_id=_texts(MAX_RANGE_KEY_BYTES),
    reason=st.none() | _texts(MAX_ITEM_BYTES - 150),
    status=st.sampled_from(JobStatus),
)
def test_job_to_item_refuses_exactly_what_the_exact_count_refuses(
    job_id: str, reason: str | None, status: JobStatus
) -> None:
    job = _job(job_id, reason, status)
    assert _outcome(job_to_item, job) == _outcome(memory_jobs._to_record, job)


@settings(max_examples=60, deadline=None)
@given(job_id=_texts(2048), uri=_texts(MAX_ITEM_BYTES - _URI_ITEM_OVERHEAD))
def test_segment_completion_to_item_refuses_exactly_what_the_exact_count_refuses(
    job_id: str, uri: str
) -> None:
    completion = _completion(job_id, uri)
    expected = _outcome(memory_segment_completions._to_record, completion)
    assert _outcome(segment_completion_to_item, completion) == expected
