"""The key functions' types, pinned: ``mypy --strict tests/typing`` checks every ``assert_type``."""

from __future__ import annotations

from typing import assert_type

import pytest

from stereo_spot_shared import (
    LAYOUTS,
    InvalidKeyError,
    KeyLayout,
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


def test_key_function_types() -> None:
    segment = build_segment_key("j", 0, 1, StereoMode.SBS)
    assert_type(segment, str)
    assert_type(build_segment_key("j", 0, 1, "sbs"), str)
    payload = parse_segment_key("bucket", segment)
    assert_type(payload, VideoWorkerPayload | None)
    assert payload is not None and payload.mode is StereoMode.SBS
    assert_type(parse_input_key(build_input_key("j")), str | None)
    output = parse_segment_output_key(build_segment_output_key("j", 2))
    assert_type(output, SegmentOutputKey | None)
    assert output is not None and output.segment_index == 2
    assert_type(parse_final_key(build_final_key("j")), str | None)
    assert_type(LAYOUTS, tuple[KeyLayout, ...])
    with pytest.raises(InvalidKeyError):
        build_segment_key("j", "0", 1, "sbs")  # type: ignore[arg-type]
