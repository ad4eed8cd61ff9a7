"""The key layouts generated from the schema into ``stereo_spot_shared``.

Builders and parsers are generated from ``[buckets.*.layouts.*]``; these tests
pin the stereo-spot layouts (facts of the pipeline) and prove with hypothesis
that every builder round-trips through its parser and no parser ever raises.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from stereo_spot_shared import (
    FINAL_LAYOUT,
    INPUT_LAYOUT,
    LAYOUTS,
    SEGMENT_LAYOUT,
    SEGMENT_OUTPUT_LAYOUT,
    InvalidKeyError,
    Job,
    JobListItem,
    ReassemblyPayload,
    SegmentCompletion,
    SegmentOutputKey,
    StereoMode,
    VideoWorkerPayload,
    build_final_key,
    build_input_key,
    build_segment_key,
    build_segment_output_key,
    parse_final_key,
    parse_input_key,
    parse_segment_key,
    parse_segment_output_key,
)

# At most 200 characters (800 UTF-8 bytes): every key stays within S3's 1,024 bytes.
job_ids = st.text(min_size=1, max_size=200).filter(lambda text: "/" not in text)
indexes = st.integers(min_value=0, max_value=10**7)
modes = st.sampled_from(StereoMode)


# --- the layouts themselves (facts of the pipeline) ----------------------------------


def test_the_pipeline_layouts() -> None:
    assert build_input_key("job-1") == "input/job-1/source.mp4"
    assert build_segment_key("job-1", 3, 12, StereoMode.SBS) == (
        "segments/job-1/00003_00012_sbs.mp4"
    )
    assert build_segment_key("job-1", 3, 12, "anaglyph") == (
        "segments/job-1/00003_00012_anaglyph.mp4"
    )
    assert build_segment_output_key("job-1", 3) == "jobs/job-1/segments/3.mp4"
    assert build_final_key("job-1") == "jobs/job-1/final.mp4"
    # Wider than the padding: still one spelling, still in order.
    assert build_segment_key("j", 123456, 123457, "sbs") == "segments/j/123456_123457_sbs.mp4"


def test_layouts_as_data_carry_the_notification_filters() -> None:
    assert [(layout.name, layout.bucket) for layout in LAYOUTS] == [
        ("input", "input"),
        ("segment", "input"),
        ("segment_output", "output"),
        ("final", "output"),
    ]
    assert (INPUT_LAYOUT.prefix, INPUT_LAYOUT.suffix, INPUT_LAYOUT.notify_queue) == (
        "input/",
        "/source.mp4",
        "chunking",
    )
    assert (SEGMENT_LAYOUT.prefix, SEGMENT_LAYOUT.suffix, SEGMENT_LAYOUT.notify_queue) == (
        "segments/",
        ".mp4",
        "video_worker",
    )
    assert SEGMENT_OUTPUT_LAYOUT.notify_queue is None and FINAL_LAYOUT.notify_queue is None
    for layout in LAYOUTS:
        assert layout.match("x") is None
        assert layout.match(None) is None


def test_parse_segment_key_gives_the_video_worker_payload() -> None:
    key = "segments/job-1/00003_00012_sbs.mp4"
    assert parse_segment_key("in-bucket", key) == VideoWorkerPayload(
        job_id="job-1",
        segment_index=3,
        total_segments=12,
        mode=StereoMode.SBS,
        segment_s3_uri="s3://in-bucket/segments/job-1/00003_00012_sbs.mp4",
    )


@pytest.mark.parametrize(
    "key",
    [
        "segments/job-1/00003_00012_sbs.mp4/",
        "/segments/job-1/00003_00012_sbs.mp4",
        "segment/job-1/00003_00012_sbs.mp4",  # wrong prefix
        "segments//00003_00012_sbs.mp4",  # missing job id
        "segments/00003_00012_sbs.mp4",
        "segments/a/b/00003_00012_sbs.mp4",  # a job id with '/'
        "segments/job-1/0003_00012_sbs.mp4",  # too few digits
        "segments/job-1/000003_00012_sbs.mp4",  # an extra leading zero
        "segments/job-1/0000x_00012_sbs.mp4",  # bad digits
        "segments/job-1/-0001_00012_sbs.mp4",
        "segments/job-1/0000\u0663_00012_sbs.mp4",  # an Arabic-Indic digit, which int() takes
        "segments/job-1/00003_00012_3d.mp4",  # unknown mode
        "segments/job-1/00003_00012_SBS.mp4",
        "segments/job-1/00012_00012_sbs.mp4",  # segment_index == total_segments
        "segments/job-1/00013_00012_sbs.mp4",
        "segments/job-1/00000_00000_sbs.mp4",
        "segments/job-1/00003_00012_sbs.mp4\n",
        "segments/job-1/00003_00012_sbs.mkv",
        "",
    ],
)
def test_parse_segment_key_rejects_anything_else(key: str) -> None:
    assert parse_segment_key("in-bucket", key) is None


@pytest.mark.parametrize(
    ("key", "job_id"),
    [
        ("input/job-1/source.mp4", "job-1"),
        ("input/a b+c%/source.mp4", "a b+c%"),
        ("input/job-1/source.mp4.tmp", None),
        ("input/job-1/other.mp4", None),
        ("input/a/b/source.mp4", None),
        ("input//source.mp4", None),
        ("segments/job-1/source.mp4", None),
        ("input/job-1/source.mp4\n", None),
    ],
)
def test_parse_input_key(key: str, job_id: str | None) -> None:
    assert parse_input_key(key) == job_id


def test_output_layouts_parse() -> None:
    assert parse_segment_output_key("jobs/j/segments/7.mp4") == SegmentOutputKey("j", 7)
    assert parse_segment_output_key("jobs/j/segments/00007.mp4") is None, "one spelling: unpadded"
    assert parse_segment_output_key("jobs/j/segments/007.mp4") is None
    assert parse_segment_output_key("jobs/j/final.mp4") is None
    assert parse_final_key("jobs/j/final.mp4") == "j"
    assert parse_final_key("jobs/j/segments/00007.mp4") is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: build_input_key("a/b"),
        lambda: build_input_key(""),
        lambda: build_final_key("../other"),
        lambda: build_segment_output_key("j", -1),
        lambda: build_segment_output_key("j", True),
        lambda: build_segment_key("j", 3, 3, "sbs"),  # index must be below the total
        lambda: build_segment_key("j", 0, 0, "sbs"),
        lambda: build_segment_key("j", 0, 1, "3d"),
        lambda: build_segment_key("j", "0", 1, "sbs"),
        lambda: build_segment_key("j/k", 0, 1, "sbs"),
        lambda: build_input_key("x" * 1008),  # a key of 1,025 bytes: longer than S3 takes
        lambda: build_final_key("\ud800"),  # a lone surrogate is not UTF-8
        lambda: build_segment_key("j", 0, 10**1020, "sbs"),
    ],
)
def test_builders_refuse_values_the_layout_cannot_hold(build: object) -> None:
    assert callable(build)
    with pytest.raises(InvalidKeyError):
        build()


def test_text_s3_cannot_store_is_no_key() -> None:
    assert parse_input_key("input/" + "x" * 1013 + "/source.mp4") is None  # 1,030 bytes
    assert parse_input_key("input/" + "x" * 1007 + "/source.mp4") == "x" * 1007  # 1,024 bytes
    assert parse_input_key("input/\ud800/source.mp4") is None
    # Far more digits than int() converts by default: refused before any conversion.
    assert parse_segment_key("b", "segments/j/" + "1" * 5000 + "_00002_sbs.mp4") is None
    assert parse_segment_output_key("jobs/j/segments/" + "9" * 5000 + ".mp4") is None


# --- the job-id rule: one path segment -----------------------------------------------


def test_a_job_id_with_a_slash_cannot_name_another_jobs_key() -> None:
    # Without the rule, job "a/segments/b" would build a key inside job "a"'s prefix.
    with pytest.raises(InvalidKeyError):
        build_segment_key("a/segments/b", 0, 1, "sbs")
    assert parse_input_key("input/a/source.mp4/x/source.mp4") is None
    for model, extra in (
        (Job, {"mode": "sbs", "status": "created"}),
        (JobListItem, {"mode": "sbs", "completed_at": 1}),
        (ReassemblyPayload, {}),
        (SegmentCompletion, {"segment_index": 0, "output_s3_uri": "s3://b/k", "completed_at": 1}),
    ):
        with pytest.raises(ValidationError, match="pattern"):
            model.model_validate({"job_id": "a/b", **extra})
        assert model.model_validate({"job_id": "a b", **extra}).job_id == "a b"


def test_video_worker_payload_needs_the_index_below_the_total() -> None:
    with pytest.raises(ValidationError, match="below total_segments"):
        VideoWorkerPayload(
            job_id="j", segment_index=2, total_segments=2, segment_s3_uri="s3://b/k", mode="sbs"
        )


# --- properties ------------------------------------------------------------------------


@given(job_id=job_ids, data=st.data(), mode=modes, bucket=st.text(min_size=1))
def test_segment_keys_round_trip(
    job_id: str, data: st.DataObject, mode: StereoMode, bucket: str
) -> None:
    total = data.draw(st.integers(min_value=1, max_value=10**7), label="total_segments")
    index = data.draw(st.integers(min_value=0, max_value=total - 1), label="segment_index")
    key = build_segment_key(job_id, index, total, mode)
    payload = parse_segment_key(bucket, key)
    assert payload is not None
    assert (payload.job_id, payload.segment_index, payload.total_segments, payload.mode) == (
        job_id,
        index,
        total,
        mode,
    )
    assert payload.segment_s3_uri == f"s3://{bucket}/{key}"
    assert key.startswith(SEGMENT_LAYOUT.prefix) and key.endswith(SEGMENT_LAYOUT.suffix)
    # A key of one layout is never a key of another.
    assert parse_input_key(key) is None and parse_final_key(key) is None


@given(job_id=job_ids, index=indexes)
def test_single_and_tuple_layouts_round_trip(job_id: str, index: int) -> None:
    assert parse_input_key(build_input_key(job_id)) == job_id
    assert parse_final_key(build_final_key(job_id)) == job_id
    assert parse_segment_output_key(build_segment_output_key(job_id, index)) == (job_id, index)
    assert parse_segment_output_key(build_final_key(job_id)) is None


@given(job_id=job_ids, other=job_ids)
def test_distinct_job_ids_never_share_a_prefix(job_id: str, other: str) -> None:
    key = build_input_key(job_id)
    assert (parse_input_key(key) == other) == (job_id == other)
    assert key.startswith(f"input/{other}/") == (job_id == other)


_KEYISH = st.text(alphabet=st.sampled_from("segmntsijobfalurp/_.0123456789xSBs-\u0663\n"))


_SURROGATES = st.text(alphabet=st.characters(categories=["Cs", "Nd", "Ll"]))


@given(key=st.one_of(st.text(), _KEYISH, _SURROGATES), bucket=st.text())
def test_parsers_never_raise_and_accept_only_what_builders_write(key: str, bucket: str) -> None:
    job_id = parse_input_key(key)
    assert job_id is None or build_input_key(job_id) == key
    payload = parse_segment_key(bucket, key)
    assert payload is None or key == build_segment_key(
        payload.job_id, payload.segment_index, payload.total_segments, payload.mode
    )
    output = parse_segment_output_key(key)
    assert output is None or build_segment_output_key(*output) == key
    final = parse_final_key(key)
    assert final is None or build_final_key(final) == key


@given(
    key=st.builds(
        "{}/{}/{}_{}_{}.mp4".format,
        st.sampled_from(["segments", "segment", "input"]),
        st.text(alphabet="ab/", max_size=3),
        st.text(alphabet="0123456789-", max_size=7),
        st.text(alphabet="0123456789", max_size=7),
        st.sampled_from(["sbs", "anaglyph", "3d", ""]),
    )
)
def test_a_parsed_segment_key_is_exactly_what_its_builder_writes(key: str) -> None:
    payload = parse_segment_key("b", key)
    if payload is not None:
        assert (
            build_segment_key(
                payload.job_id, payload.segment_index, payload.total_segments, payload.mode
            )
            == key
        )
