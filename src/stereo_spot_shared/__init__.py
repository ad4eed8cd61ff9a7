"""stereo-spot shared types: models, interfaces and errors, free of any cloud SDK."""

from .errors import (
    InvalidPageTokenError,
    JobNotFoundError,
    MissingConfigurationError,
    NotFoundError,
    StereoSpotError,
)
from .models import (
    ChunkingPayload,
    Job,
    JobListItem,
    JobStatus,
    ReassemblyPayload,
    SegmentCompletion,
    StereoMode,
    VideoWorkerPayload,
)
from .protocols import (
    JobStore,
    ObjectStorage,
    PageToken,
    QueueMessage,
    QueueReceiver,
    QueueSender,
    ReassemblyLock,
    SegmentCompletionStore,
)

__all__ = [
    "ChunkingPayload",
    "InvalidPageTokenError",
    "Job",
    "JobListItem",
    "JobNotFoundError",
    "JobStatus",
    "JobStore",
    "MissingConfigurationError",
    "NotFoundError",
    "ObjectStorage",
    "PageToken",
    "QueueMessage",
    "QueueReceiver",
    "QueueSender",
    "ReassemblyLock",
    "ReassemblyPayload",
    "SegmentCompletion",
    "SegmentCompletionStore",
    "StereoMode",
    "StereoSpotError",
    "VideoWorkerPayload",
]
