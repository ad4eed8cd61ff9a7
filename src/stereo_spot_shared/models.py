"""Cloud-agnostic domain models shared by every stereo-spot service.

Times are Unix seconds (``int``); nothing here knows about AWS.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class StereoMode(str, Enum):
    """How the stereo output is laid out."""

    ANAGLYPH = "anaglyph"
    SBS = "sbs"


class JobStatus(str, Enum):
    """Where a job is in the pipeline."""

    CREATED = "created"
    CHUNKING_IN_PROGRESS = "chunking_in_progress"
    CHUNKING_COMPLETE = "chunking_complete"
    COMPLETED = "completed"
    FAILED = "failed"


class _Model(BaseModel):
    # defer_build: validators are built on first use, not at import, so a
    # process that imports the models but validates little starts faster.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, defer_build=True)


class Job(_Model):
    """A conversion job, as stored by a ``JobStore``."""

    job_id: str = Field(min_length=1, strict=True)
    mode: StereoMode
    status: JobStatus
    created_at: int | None = Field(default=None, ge=0, strict=True)
    total_segments: int | None = Field(default=None, ge=0, strict=True)
    completed_at: int | None = Field(default=None, ge=0, strict=True)
    failure_reason: str | None = Field(default=None, min_length=1, strict=True)


class JobListItem(_Model):
    """One row of the completed-jobs listing."""

    job_id: str = Field(min_length=1, strict=True)
    mode: StereoMode
    completed_at: int = Field(ge=0, strict=True)


class SegmentCompletion(_Model):
    """A video worker's record that one segment has been converted."""

    job_id: str = Field(min_length=1, strict=True)
    segment_index: int = Field(ge=0, strict=True)
    output_s3_uri: str = Field(min_length=1, strict=True)
    completed_at: int = Field(ge=0, strict=True)
    total_segments: int | None = Field(default=None, ge=1, strict=True)


class ChunkingPayload(_Model):
    """Body of a chunking-queue message: the uploaded source object."""

    bucket: str = Field(min_length=1, strict=True)
    key: str = Field(min_length=1, strict=True)


class VideoWorkerPayload(_Model):
    """Body of a video-worker message: one segment to convert."""

    job_id: str = Field(min_length=1, strict=True)
    segment_index: int = Field(ge=0, strict=True)
    total_segments: int = Field(ge=1, strict=True)
    segment_s3_uri: str = Field(min_length=1, strict=True)
    mode: StereoMode


class ReassemblyPayload(_Model):
    """Body of a reassembly-queue message: the job whose segments are all done."""

    job_id: str = Field(min_length=1, strict=True)


SegmentKeyPayload = VideoWorkerPayload
"""The name the original shared types gave the video-worker payload (a segment key, parsed)."""


class CreateJobRequest(_Model):
    """What the web UI posts to create a job."""

    mode: StereoMode


class CreateJobResponse(_Model):
    """The web UI's answer to a new job: its id and where to upload the source."""

    job_id: str = Field(min_length=1, strict=True)
    upload_url: str = Field(min_length=1, strict=True)


class PresignedPlaybackResponse(_Model):
    """A time-limited URL from which the final video can be played."""

    playback_url: str = Field(min_length=1, strict=True)


__all__ = [
    "ChunkingPayload",
    "CreateJobRequest",
    "CreateJobResponse",
    "Job",
    "JobListItem",
    "JobStatus",
    "PresignedPlaybackResponse",
    "ReassemblyPayload",
    "SegmentCompletion",
    "SegmentKeyPayload",
    "StereoMode",
    "VideoWorkerPayload",
]
