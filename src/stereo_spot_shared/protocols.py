"""Deprecated: the interfaces moved to :mod:`stereo_spot_shared.interfaces`.

This module only re-exports them, with a ``DeprecationWarning`` on import,
so code written against the earlier name keeps working for one release.
"""

from __future__ import annotations

import warnings

from .interfaces import (
    JobStore,
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

warnings.warn(
    "stereo_spot_shared.protocols is deprecated; import from stereo_spot_shared.interfaces",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "JobStore",
    "MessageBody",
    "ObjectStorage",
    "PageToken",
    "ProgressCallback",
    "QueueMessage",
    "QueueReceiver",
    "QueueSender",
    "ReassemblyLock",
    "SegmentCompletionStore",
]
