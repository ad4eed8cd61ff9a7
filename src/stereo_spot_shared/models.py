"""Cloud-agnostic domain models shared by every stereo-spot service.

Times are Unix seconds (``int``); nothing here knows about AWS.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

KEY_SEGMENT_PATTERN = r"^[^/]+$"
"""A job id is one object-key path segment: non-empty, without ``/``.

Every key layout puts the job id between slashes (``input/{job_id}/source.mp4``),
so a job id with ``/`` could name a key under another job's prefix; the models
refuse it, and the generated key builders refuse it too.
"""


class StereoMode(str, Enum):
    """How the stereo output is laid out."""

    ANAGLYPH = "anaglyph"
    SBS = "sbs"


class JobStatus(str, Enum):
    """Where a job is in the pipeline."""

    CREATED = "created"
    INGESTING = "ingesting"
    CHUNKING_IN_PROGRESS = "chunking_in_progress"
    CHUNKING_COMPLETE = "chunking_complete"
    REASSEMBLING = "reassembling"
    COMPLETED = "completed"
    FAILED = "failed"
    DELETED = "deleted"


class _Model(BaseModel):
    # defer_build: validators are built on first use, not at import, so a
    # process that imports the models but validates little starts faster.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _read_stored_item(cls, data: Any) -> Any:
        """A raw stored item as the model's fields, the way a consumer may have read it.

        It may carry the attributes the adapters store for their own use (schema:
        ``storage_only``): they are dropped, and any other unknown key is still
        refused. boto3's ``TypeDeserializer`` (and its resource API) read every
        number as a ``Decimal``: an integral one is an int here, anything else
        stays as strict as before.
        """
        if type(data) is not dict:  # a model, or ModelFields (plain already), or invalid
            return data
        ignored = _storage_only(cls.__name__)
        if (ignored and not ignored.isdisjoint(data)) or any(
            type(value) is Decimal for value in data.values()
        ):
            return {name: _integral(value) for name, value in data.items() if name not in ignored}
        return data


def _integral(value: object) -> object:
    """An integral ``Decimal`` in DynamoDB's range as an int; any other value unchanged."""
    if (
        type(value) is Decimal
        and value.is_finite()
        and value.adjusted() <= _DYNAMODB_MAX_EXPONENT
        and value == value.to_integral_value()
    ):
        return int(value)
    return value


_DYNAMODB_MAX_EXPONENT = 125
"""DynamoDB numbers reach 9.9999...E+125: no stored integer has more digits."""


@functools.cache
def _storage_only(model: str) -> frozenset[str]:
    """The storage-only attribute names of the tables storing ``model`` (generated from the schema)."""
    # Read on first validation, not at import: the generator imports these models to
    # write storage_only.py, which must not be needed before it exists.
    from .storage_only import STORAGE_ONLY_BY_MODEL

    return STORAGE_ONLY_BY_MODEL.get(model, frozenset())


class Job(_Model):
    """A conversion job, as stored by a ``JobStore``."""

    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)
    mode: StereoMode
    status: JobStatus
    created_at: int | None = Field(default=None, ge=0, strict=True)
    total_segments: int | None = Field(default=None, ge=0, strict=True)
    completed_at: int | None = Field(default=None, ge=0, strict=True)
    failure_reason: str | None = Field(default=None, min_length=1, strict=True)
    title: str | None = Field(default=None, strict=True)
    uploaded_at: int | None = Field(default=None, ge=0, strict=True)
    source_file_size_bytes: int | None = Field(default=None, ge=0, strict=True)


class JobListItem(_Model):
    """One row of the completed-jobs listing."""

    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)
    mode: StereoMode
    completed_at: int = Field(ge=0, strict=True)
    title: str | None = Field(default=None, strict=True)
    uploaded_at: int | None = Field(default=None, ge=0, strict=True)
    source_file_size_bytes: int | None = Field(default=None, ge=0, strict=True)


class SegmentCompletion(_Model):
    """A video worker's record that one segment has been converted."""

    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)
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

    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)
    segment_index: int = Field(ge=0, strict=True)
    total_segments: int = Field(ge=1, strict=True)
    segment_s3_uri: str = Field(min_length=1, strict=True)
    mode: StereoMode

    @model_validator(mode="after")
    def _index_within_total(self) -> VideoWorkerPayload:
        if self.segment_index >= self.total_segments:
            raise ValueError(
                f"segment_index {self.segment_index} must be below total_segments {self.total_segments}"
            )
        return self


class ReassemblyPayload(_Model):
    """Body of a reassembly-queue message: the job whose segments are all done."""

    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)


class DeletionPayload(_Model):
    """Body of a deletion-queue message: the job whose objects and records are removed."""

    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)


class YoutubeIngestPayload(_Model):
    """Body of an ingest-queue message: a job's source to download from a URL (yt-dlp)."""

    source_type: Literal["youtube"] = "youtube"
    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)
    source_url: str = Field(min_length=1, strict=True)


IngestPayloadUnion = YoutubeIngestPayload
"""Every ingest payload variant (one so far); a new source type joins this union."""

IngestPayload = Annotated[IngestPayloadUnion, Field(discriminator="source_type")]
"""The ingest-queue body, told apart by ``source_type``."""


@functools.cache
def _ingest_payload() -> TypeAdapter[IngestPayloadUnion]:
    # Built on first use, like the models' validators (defer_build).
    return TypeAdapter(IngestPayload)


def parse_ingest_payload(data: dict[str, Any]) -> IngestPayloadUnion | None:
    """The ingest payload ``data`` holds, or ``None`` when it is not a valid one."""
    try:
        return _ingest_payload().validate_python(data)
    except ValidationError:
        return None


SegmentKeyPayload = VideoWorkerPayload
"""The name the original shared types gave the video-worker payload (a segment key, parsed)."""


class JobTableChange(_Model):
    """A job's row changed: its new image, decoded from a stream record (``normalize_stream_record``)."""

    job_id: str = Field(min_length=1, strict=True)
    new_image: dict[str, Any]


class SegmentCompletionInsert(_Model):
    """A segment completion was recorded (an INSERT on the segment-completions stream)."""

    job_id: str = Field(min_length=1, strict=True)
    segment_index: int = Field(ge=0, strict=True)


class JobEvent(_Model):
    """A job's progress as the web UI shows it: the body of a job-events sink's message."""

    job_id: str = Field(min_length=1, strict=True)
    status: str = Field(strict=True)
    progress_percent: int = Field(ge=0, le=100, strict=True)
    stage_label: str = Field(strict=True)
    title: str | None = Field(default=None, strict=True)
    completed_at: int | None = Field(default=None, ge=0, strict=True)


class PushSubscription(_Model):
    """A browser's Web Push subscription, stored under its endpoint (the original's layout).

    ``subscription`` is the subscription object as JSON text; ``from_subscription``
    and ``subscription_info`` convert to and from the dict a browser posts.
    """

    endpoint: str = Field(min_length=1, strict=True)
    subscription: str = Field(strict=True)

    @classmethod
    def from_subscription(cls, subscription: Mapping[str, Any]) -> PushSubscription:
        """The stored form of a browser's subscription object (``endpoint`` is its key)."""
        return cls(
            endpoint=str(subscription.get("endpoint") or ""),
            subscription=json.dumps(dict(subscription)),
        )

    def subscription_info(self) -> dict[str, Any] | None:
        """The subscription object, or ``None`` when the stored JSON is not an object."""
        try:
            info = json.loads(self.subscription)
        except ValueError:
            return None
        return info if isinstance(info, dict) else None


class CreateJobRequest(_Model):
    """What the web UI posts to create a job."""

    mode: StereoMode


class CreateJobResponse(_Model):
    """The web UI's answer to a new job: its id and where to upload the source."""

    job_id: str = Field(min_length=1, pattern=KEY_SEGMENT_PATTERN, strict=True)
    upload_url: str = Field(min_length=1, strict=True)


class PresignedPlaybackResponse(_Model):
    """A time-limited URL from which the final video can be played."""

    playback_url: str = Field(min_length=1, strict=True)


__all__ = [
    "KEY_SEGMENT_PATTERN",
    "ChunkingPayload",
    "CreateJobRequest",
    "CreateJobResponse",
    "DeletionPayload",
    "IngestPayload",
    "IngestPayloadUnion",
    "Job",
    "JobEvent",
    "JobListItem",
    "JobStatus",
    "JobTableChange",
    "PresignedPlaybackResponse",
    "PushSubscription",
    "ReassemblyPayload",
    "SegmentCompletion",
    "SegmentCompletionInsert",
    "SegmentKeyPayload",
    "StereoMode",
    "VideoWorkerPayload",
    "YoutubeIngestPayload",
    "parse_ingest_payload",
]
