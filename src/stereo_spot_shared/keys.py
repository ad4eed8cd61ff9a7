"""The original's key-parser names, over the layouts generated from the schema.

``parse_output_segment_key(bucket, key)`` is the original's name and signature
for ``parse_segment_output_key(key)``: the bucket is accepted, as the original's
services pass it, and not read.
"""

from __future__ import annotations

from .generated.keys import SegmentOutputKey, parse_segment_output_key

__all__ = ["parse_output_segment_key"]


def parse_output_segment_key(bucket: str, key: str) -> SegmentOutputKey | None:
    """``(job_id, segment_index)`` of a converted segment's key; None for any other key."""
    del bucket  # the original's signature; the layout alone decides
    return parse_segment_output_key(key)
