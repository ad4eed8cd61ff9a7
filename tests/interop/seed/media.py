"""The media step of the seed's services: real ffmpeg when it is installed, else the seed's fakes.

With ffmpeg, chunking runs the seed's segment muxer command
(``media-worker/src/media_worker/ffmpeg_chunk.py:14-70``) and reassembly its
concat-demuxer command (``media-worker/src/media_worker/concat.py:55-93``).
Without it, the seed's own tests stand in: ``media-worker/tests/test_chunking.py:56-68``
hands the worker pre-cut segment files instead of calling ffmpeg, and
``media-worker/tests/test_reassembly.py:191-196`` writes the final file itself. Our
fakes cut the source's bytes into pieces and join them back, so the suite can
check the final video holds every segment in order.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Media(Protocol):
    """What the seed's workers need from the media step."""

    real: bool

    def chunk(self, source: Path) -> tuple[list[Path], tempfile.TemporaryDirectory[str]]: ...

    def concat(self, segments: list[Path], output: Path) -> None: ...


@dataclass
class FfmpegMedia:
    """The seed's ffmpeg commands, as ``ffmpeg_chunk.chunk_video`` and ``concat`` run them."""

    segment_duration_sec: int = 1
    real: bool = True

    def chunk(self, source: Path) -> tuple[list[Path], tempfile.TemporaryDirectory[str]]:
        directory = tempfile.TemporaryDirectory(prefix="chunking_")
        out = Path(directory.name)
        subprocess.run(
            [
                *("ffmpeg", "-y", "-i", str(source), "-f", "segment"),
                *("-segment_time", str(self.segment_duration_sec), "-reset_timestamps", "1"),
                *("-c", "copy", "-map", "0", str(out / "segment_%05d.mp4")),
            ],
            check=True,
            capture_output=True,
        )
        segments: list[Path] = []
        while (path := out / f"segment_{len(segments):05d}.mp4").exists():
            segments.append(path)
        return segments, directory

    def concat(self, segments: list[Path], output: Path) -> None:
        listing = output.with_suffix(output.suffix + ".list")
        listing.write_text(
            "".join("file '{}'\n".format(str(p.resolve()).replace("'", "'\\''")) for p in segments)
        )
        subprocess.run(
            [
                *("ffmpeg", "-y", "-f", "concat", "-safe", "0", "-i", str(listing)),
                *("-c", "copy", str(output)),
            ],
            check=True,
            capture_output=True,
        )
        listing.unlink()


@dataclass
class FakeMedia:
    """The seed's test fakes: pre-cut segment files, and a final file written directly."""

    segments: int = 3
    real: bool = False

    def chunk(self, source: Path) -> tuple[list[Path], tempfile.TemporaryDirectory[str]]:
        directory = tempfile.TemporaryDirectory(prefix="chunking_")
        data = source.read_bytes()
        size = -(-len(data) // self.segments)
        paths = []
        for index in range(self.segments):
            path = Path(directory.name) / f"segment_{index:05d}.mp4"
            path.write_bytes(data[index * size : (index + 1) * size])
            paths.append(path)
        return paths, directory

    def concat(self, segments: list[Path], output: Path) -> None:
        output.write_bytes(b"".join(path.read_bytes() for path in segments))


def make_source_video(path: Path, seconds: int = 3) -> None:
    """A small test video with a keyframe every second, so the segment muxer cuts it."""
    subprocess.run(
        [
            *("ffmpeg", "-y", "-f", "lavfi"),
            *("-i", f"testsrc=duration={seconds}:size=64x48:rate=10"),
            *("-c:v", "mpeg4", "-g", "10", str(path)),
        ],
        check=True,
        capture_output=True,
    )


def media_step() -> Media:
    """Real ffmpeg if it is on PATH, else the seed's fakes."""
    return FfmpegMedia() if shutil.which("ffmpeg") else FakeMedia()
