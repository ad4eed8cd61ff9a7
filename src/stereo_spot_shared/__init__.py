"""stereo-spot shared types: models, interfaces and errors, free of any cloud SDK."""

import logging

from .errors import (
    BatchWriteError,
    EmptyMessageError,
    InvalidPageTokenError,
    ItemNotFoundError,
    JobNotFoundError,
    MalformedEventError,
    MessageTooLargeError,
    MissingConfigurationError,
    NotFoundError,
    ObjectNotFoundError,
    StereoSpotError,
)
from .interfaces import (
    JobStore,
    MessageAttributeValue,
    MessageBody,
    ObjectStorage,
    PageToken,
    ProgressCallback,
    QueueMessage,
    QueueReceiver,
    QueueSender,
    ReassemblyLock,
    SegmentCompletionStore,
)
from .models import (
    ChunkingPayload,
    CreateJobRequest,
    CreateJobResponse,
    Job,
    JobListItem,
    JobStatus,
    PresignedPlaybackResponse,
    ReassemblyPayload,
    SegmentCompletion,
    SegmentKeyPayload,
    StereoMode,
    VideoWorkerPayload,
)
from .s3_events import S3ObjectRef, parse_payload, parse_s3_event

# A library leaves logging to the application: until it configures logging,
# records stop here instead of reaching Python's last-resort stderr handler.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BatchWriteError",
    "ChunkingPayload",
    "CreateJobRequest",
    "CreateJobResponse",
    "EmptyMessageError",
    "InvalidPageTokenError",
    "ItemNotFoundError",
    "Job",
    "JobListItem",
    "JobNotFoundError",
    "JobStatus",
    "JobStore",
    "MalformedEventError",
    "MessageAttributeValue",
    "MessageBody",
    "MessageTooLargeError",
    "MissingConfigurationError",
    "NotFoundError",
    "ObjectNotFoundError",
    "ObjectStorage",
    "PageToken",
    "PresignedPlaybackResponse",
    "ProgressCallback",
    "QueueMessage",
    "QueueReceiver",
    "QueueSender",
    "ReassemblyLock",
    "ReassemblyPayload",
    "S3ObjectRef",
    "SegmentCompletion",
    "SegmentCompletionStore",
    "SegmentKeyPayload",
    "StereoMode",
    "StereoSpotError",
    "VideoWorkerPayload",
    "parse_payload",
    "parse_s3_event",
]
