"""The walk's media: a fake MP4 source, the sizes it is cut into, and a progress line."""

from __future__ import annotations

import random
import threading
from typing import TextIO

MIB = 1024 * 1024
SEGMENT_COUNT = 4
SOURCE_SIZE = 384 * 1024
# Above the 8 MiB multipart threshold, so the final upload goes in parts.
FINAL_SIZE = 10 * MIB


class ProgressLine:
    """A one-line transfer display, redrawn in place with ``\\r``; safe across threads."""

    def __init__(self, out: TextIO, label: str, total: int) -> None:
        self.out = out
        self.label = label
        self.total = total
        self.done = 0
        self._shown = -1
        self._lock = threading.Lock()
        # Redraw on every percent in a terminal; in a log, every quarter is plenty.
        self._every = 1 if out.isatty() else 25

    def __call__(self, transferred: int) -> None:
        with self._lock:
            self.done += transferred
            percent = self.done * 100 // self.total
            if percent // self._every != self._shown // self._every:
                self._shown = percent
                self.out.write(
                    f"\r    {self.label}: {self.done / MIB:5.1f} / {self.total / MIB:.1f} MiB "
                    f"{percent:3d}%"
                )
                self.out.flush()

    def finish(self) -> None:
        self.out.write("\n")
        self.out.flush()


def fake_video(size: int, *, seed: int) -> bytes:
    """``size`` deterministic bytes laid out like an MP4: ``ftyp`` box, then ``mdat``."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41"
    mdat_size = size - len(ftyp)
    if mdat_size < 8:
        raise ValueError(f"a fake video needs at least {len(ftyp) + 8} bytes, got {size}")
    payload = random.Random(seed).randbytes(mdat_size - 8)
    return ftyp + mdat_size.to_bytes(4, "big") + b"mdat" + payload


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key
