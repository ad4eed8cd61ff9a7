"""stereo-spot shared types: models, interfaces, errors and key layouts, free of any cloud SDK."""

import logging
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

from ._keys import KeyLayout
from .errors import (
    BatchWriteError,
    EmptyMessageError,
    InvalidKeyError,
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
from .generated import (
    FINAL_LAYOUT,
    INPUT_LAYOUT,
    LAYOUTS,
    SEGMENT_LAYOUT,
    SEGMENT_OUTPUT_LAYOUT,
    SegmentOutputKey,
    build_final_key,
    build_input_key,
    build_segment_key,
    build_segment_output_key,
    parse_final_key,
    parse_input_key,
    parse_segment_key,
    parse_segment_output_key,
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
    KEY_SEGMENT_PATTERN,
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
try:
    __version__ = _distribution_version("stereo-spot-shared")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "FINAL_LAYOUT",
    "INPUT_LAYOUT",
    "KEY_SEGMENT_PATTERN",
    "LAYOUTS",
    "SEGMENT_LAYOUT",
    "SEGMENT_OUTPUT_LAYOUT",
    "BatchWriteError",
    "ChunkingPayload",
    "CreateJobRequest",
    "CreateJobResponse",
    "EmptyMessageError",
    "InvalidKeyError",
    "InvalidPageTokenError",
    "ItemNotFoundError",
    "Job",
    "JobListItem",
    "JobNotFoundError",
    "JobStatus",
    "JobStore",
    "KeyLayout",
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
    "SegmentOutputKey",
    "StereoMode",
    "StereoSpotError",
    "VideoWorkerPayload",
    "__version__",
    "build_final_key",
    "build_input_key",
    "build_segment_key",
    "build_segment_output_key",
    "parse_final_key",
    "parse_input_key",
    "parse_payload",
    "parse_s3_event",
    "parse_segment_key",
    "parse_segment_output_key",
]
