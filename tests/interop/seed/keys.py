"""Every object key the seed's services build or parse, as the seed spells it.

Sources (``packages/`` at ``dd40dad``):

- ``shared-types/src/stereo_spot_shared/keys.py:25-41`` ``build_segment_key``,
  ``:44-83`` ``parse_segment_key``, ``:86-105`` ``parse_input_key``;
- ``video-worker/src/video_worker/output_key.py:8-14`` ``build_output_segment_key``;
- ``media-worker/src/media_worker/output_key.py:7-13`` ``build_final_key``;
- ``media-worker/src/media_worker/concat.py:47`` the segment output key it falls back to;
- ``web-ui/src/stereo_spot_web_ui/main.py:22-23`` the input and final key templates;
- ``video-worker/src/video_worker/runner.py:13-21`` and ``media-worker/.../concat.py:17-25``
  ``_parse_s3_uri``.

Our ``stereo_spot_shared`` replaces shared-types, so its keys are checked
against these; the services' own builders are not replaced, so ours must
produce the same bytes.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_SEGMENT_FILENAME = re.compile(r"^(\d{5})_(\d{5})_(anaglyph|sbs)\.mp4$")


class SeedSegment(NamedTuple):
    """What the seed's ``parse_segment_key`` returns (its VideoWorkerPayload's fields)."""

    job_id: str
    segment_index: int
    total_segments: int
    mode: str
    segment_s3_uri: str


def build_segment_key(job_id: str, segment_index: int, total_segments: int, mode: str) -> str:
    return f"segments/{job_id}/{segment_index:05d}_{total_segments:05d}_{mode}.mp4"


def parse_segment_key(bucket: str, key: str) -> SeedSegment | None:
    if not key.startswith("segments/"):
        return None
    rest = key[len("segments/") :]
    if "/" not in rest:
        return None
    job_id, filename = rest.rsplit("/", 1)
    if not job_id:
        return None
    found = _SEGMENT_FILENAME.match(filename)
    if found is None:
        return None
    index, total = int(found.group(1)), int(found.group(2))
    if index >= total:
        return None
    return SeedSegment(job_id, index, total, found.group(3), f"s3://{bucket}/{key}")


def parse_input_key(key: str) -> str | None:
    prefix, suffix = "input/", "/source.mp4"
    if not key.startswith(prefix) or not key.endswith(suffix):
        return None
    if len(key) <= len(prefix) + len(suffix):
        return None
    return key[len(prefix) : -len(suffix)] or None


def build_input_key(job_id: str) -> str:
    """The web UI's ``INPUT_KEY_TEMPLATE.format(job_id=...)``."""
    return f"input/{job_id}/source.mp4"


def build_output_segment_key(job_id: str, segment_index: int) -> str:
    """The video worker's output key: the index unpadded."""
    return f"jobs/{job_id}/segments/{segment_index}.mp4"


def concat_fallback_key(job_id: str, segment_index: int) -> str:
    """The key reassembly reads when a completion's URI is not an s3:// URI."""
    return f"jobs/{job_id}/segments/{segment_index}.mp4"


def build_final_key(job_id: str) -> str:
    """The media worker's final key (and the web UI's ``OUTPUT_FINAL_KEY_TEMPLATE``)."""
    return f"jobs/{job_id}/final.mp4"


def parse_s3_uri(uri: str) -> tuple[str, str] | None:
    if not uri.startswith("s3://"):
        return None
    rest = uri[len("s3://") :]
    if "/" not in rest:
        return None
    bucket, _, key = rest.partition("/")
    return bucket, key
