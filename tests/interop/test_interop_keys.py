"""Issue 20, item 3: every key the seed's services build or parse is ours, byte for byte.

Our ``stereo_spot_shared`` replaces the seed's shared-types, so its builders
and parsers stand in for the seed's (``seed/keys.py`` cites each one); the
services' own builders (the video worker's output key, the media worker's
final key, the web UI's templates) are not replaced, so our layouts must
spell their keys the same way. Notifications and IAM policies come from the
same layouts, so they are checked against the seed's keys too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stereo_spot_shared import (
    LAYOUTS,
    build_final_key,
    build_input_key,
    build_segment_key,
    build_segment_output_key,
    parse_final_key,
    parse_input_key,
    parse_segment_key,
    parse_segment_output_key,
)
from tests.interop.seed import keys as seed

ROOT = Path(__file__).resolve().parents[2]

job_ids = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEF0123456789-_."), min_size=1, max_size=40
)
modes = st.sampled_from(["anaglyph", "sbs"])


def test_the_video_workers_output_key_is_the_segment_output_layout() -> None:
    key = seed.build_output_segment_key("j", 0)
    assert key == "jobs/j/segments/0.mp4"
    assert build_segment_output_key("j", 0) == key
    assert parse_segment_output_key(key) == ("j", 0)
    assert parse_segment_output_key("jobs/j/segments/00000.mp4") is None, "one spelling only"
    assert build_segment_output_key("j", 123456) == "jobs/j/segments/123456.mp4"


@given(job_id=job_ids, index=st.integers(0, 10**6), extra=st.integers(1, 10**6), mode=modes)
def test_our_builders_spell_every_key_as_the_seed_does(
    job_id: str, index: int, extra: int, mode: str
) -> None:
    total = index + extra
    assert build_input_key(job_id) == seed.build_input_key(job_id)
    assert build_segment_key(job_id, index, total, mode) == seed.build_segment_key(
        job_id, index, total, mode
    )
    assert build_segment_output_key(job_id, index) == seed.build_output_segment_key(job_id, index)
    assert build_segment_output_key(job_id, index) == seed.concat_fallback_key(job_id, index)
    assert build_final_key(job_id) == seed.build_final_key(job_id)


@given(job_id=job_ids, index=st.integers(0, 99998), extra=st.integers(1, 99999), mode=modes)
def test_our_parsers_read_every_key_the_seed_builds_as_the_seed_does(
    job_id: str, index: int, extra: int, mode: str
) -> None:
    total = min(index + extra, 99999)  # the seed's segment parser reads five digits
    segment = seed.build_segment_key(job_id, index, total, mode)
    ours = parse_segment_key("in", segment)
    assert ours is not None
    assert (
        ours.job_id,
        ours.segment_index,
        ours.total_segments,
        ours.mode.value,
        ours.segment_s3_uri,
    ) == seed.parse_segment_key("in", segment)
    assert parse_input_key(seed.build_input_key(job_id)) == seed.parse_input_key(
        seed.build_input_key(job_id)
    )
    assert parse_final_key(seed.build_final_key(job_id)) == job_id
    assert parse_segment_output_key(seed.build_output_segment_key(job_id, index)) == (
        job_id,
        index,
    )


def _declared_difference(key: str) -> str | None:
    """Why our parsers may answer differently from the seed's for ``key`` (docs: interop.md)."""
    if re.search(r"[^\x00-\x7f]", key):
        return "non-ASCII digits: the seed's \\d reads them as numbers; we read 0-9 only"
    if key.startswith("input/") and key.count("/") > 2:
        return "a job id with '/': the seed reads it; ours is one path segment"
    if key.startswith("segments/") and (key.count("/") > 2 or re.search(r"\d{6}", key)):
        return "a job id with '/', or a number of six digits or more (the seed reads five)"
    return None


keys = st.one_of(
    st.builds(
        lambda j, s: f"input/{j}{s}",
        st.text(max_size=12),
        st.sampled_from(["/source.mp4", "source.mp4", "/source.mp4x"]),
    ),
    st.builds(
        lambda j, i, t, m: f"segments/{j}/{i}_{t}_{m}.mp4",
        st.text(max_size=8),
        st.from_regex(r"\d{0,7}", fullmatch=True),
        st.from_regex(r"\d{0,7}", fullmatch=True),
        st.sampled_from(["anaglyph", "sbs", "SBS", ""]),
    ),
)


@given(key=keys)
def test_for_any_other_key_the_parsers_agree_or_differ_only_as_documented(key: str) -> None:
    seed_segment = seed.parse_segment_key("b", key)
    our_segment = parse_segment_key("b", key)
    ours = (
        None
        if our_segment is None
        else (
            our_segment.job_id,
            our_segment.segment_index,
            our_segment.total_segments,
            our_segment.mode.value,
            our_segment.segment_s3_uri,
        )
    )
    if ours != seed_segment or parse_input_key(key) != seed.parse_input_key(key):
        assert _declared_difference(key) is not None, key
        assert ours is None or seed_segment is None, "never two different readings"


def _allows(policy: dict[str, object], action: str, arn: str) -> bool:
    for statement in policy["Statement"]:  # type: ignore[attr-defined]
        if action not in statement["Action"]:
            continue
        for resource in statement["Resource"]:
            resource = re.sub(r"\{\{(\w+)_bucket_name\.arn\}\}", r"arn:aws:s3:::\1", resource)
            pattern = "".join(
                ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in resource
            )
            if re.fullmatch(pattern, arn):
                return True
    return False


SEED_OBJECT_ACCESS = [
    # (consumer, action, bucket, key the seed's service uses, where)
    (
        "web_ui",
        "s3:PutObject",
        "input",
        seed.build_input_key("j-1"),
        "web-ui main.py:106-109 (presigned)",
    ),
    (
        "web_ui",
        "s3:GetObject",
        "output",
        seed.build_final_key("j-1"),
        "web-ui main.py:138-141 (presigned)",
    ),
    (
        "media_worker",
        "s3:GetObject",
        "input",
        seed.build_input_key("j-1"),
        "media-worker chunking.py:49",
    ),
    (
        "media_worker",
        "s3:PutObject",
        "input",
        seed.build_segment_key("j-1", 3, 12, "sbs"),
        "media-worker chunking.py:66-68",
    ),
    (
        "media_worker",
        "s3:GetObject",
        "output",
        seed.build_final_key("j-1"),
        "media-worker reassembly.py:73 (HeadObject)",
    ),
    (
        "media_worker",
        "s3:GetObject",
        "output",
        seed.build_output_segment_key("j-1", 3),
        "media-worker concat.py:48",
    ),
    (
        "media_worker",
        "s3:PutObject",
        "output",
        seed.build_final_key("j-1"),
        "media-worker reassembly.py:94",
    ),
    (
        "video_worker",
        "s3:GetObject",
        "input",
        seed.build_segment_key("j-1", 3, 12, "sbs"),
        "video-worker runner.py:42",
    ),
    (
        "video_worker",
        "s3:PutObject",
        "output",
        seed.build_output_segment_key("j-1", 3),
        "video-worker runner.py:44-45",
    ),
]


@pytest.mark.parametrize(("consumer", "action", "bucket", "key", "where"), SEED_OBJECT_ACCESS)
def test_each_consumer_policy_allows_the_object_access_of_its_seed_service(
    consumer: str, action: str, bucket: str, key: str, where: str
) -> None:
    document = json.loads((ROOT / "infra" / "policies" / f"{consumer}.json").read_text())
    assert _allows(document["policy"], action, f"arn:aws:s3:::{bucket}/{key}"), where
    assert any(layout.bucket == bucket and layout.match(key) for layout in LAYOUTS), key


def test_notifications_reach_the_queue_of_every_key_the_seed_uploads_to_a_notified_bucket() -> None:
    notified = {layout.name: layout for layout in LAYOUTS if layout.notify_queue is not None}
    for key, queue in (
        (seed.build_input_key("j-1"), "chunking"),
        (seed.build_segment_key("j-1", 0, 1, "anaglyph"), "video_worker"),
    ):
        routed = [
            layout.notify_queue
            for layout in notified.values()
            if key.startswith(layout.prefix) and key.endswith(layout.suffix)
        ]
        assert routed == [queue], key


def test_the_documented_differences_between_our_parsers_and_the_seeds() -> None:
    # A job id is one path segment for us (models.KEY_SEGMENT_PATTERN); the seed reads any.
    assert seed.parse_input_key("input/a/b/source.mp4") == "a/b"
    assert parse_input_key("input/a/b/source.mp4") is None
    assert seed.parse_segment_key("in", "segments/a/b/00000_00001_sbs.mp4") is not None
    assert parse_segment_key("in", "segments/a/b/00000_00001_sbs.mp4") is None
    # The seed builds six digits from segment 100000 on, then cannot read its own key.
    six = seed.build_segment_key("j", 100000, 100001, "sbs")
    assert seed.parse_segment_key("in", six) is None
    parsed = parse_segment_key("in", six)
    assert parsed is not None and parsed.segment_index == 100000
    # The seed's \d also matches other scripts' digits; our layouts read 0-9 only.
    arabic = "segments/j/\u0660\u0660\u0660\u0660\u0660_\u0660\u0660\u0660\u0660\u0662_sbs.mp4"
    assert seed.parse_segment_key("in", arabic) is not None
    assert parse_segment_key("in", arabic) is None
