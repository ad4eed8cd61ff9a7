"""The cloud-agnostic interfaces every stereo-spot service is written against.

Services import them from here: ``from stereo_spot_shared.interfaces import JobStore``.

Backends (``stereo_spot_aws_adapters`` for AWS) implement these structurally;
the Protocols are ``runtime_checkable`` so wiring code can assert it got one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .message_attributes import MessageAttributeValue
from .queue_message import MessageBody, QueueMessage

if TYPE_CHECKING:
    # Annotations only: importing the interfaces does not import pydantic.
    from .leases import HeldLease
    from .models import Job, JobListItem, JobStatus, SegmentCompletion
    from .processing import BatchWork, MessageWork

PageToken = dict[str, "str | int"]
"""An opaque, JSON-serialisable continuation token returned by a listing."""

ProgressCallback = Callable[[int], None]
"""Called with the number of bytes transferred since the previous call."""


@runtime_checkable
class JobStore(Protocol):
    def get(self, job_id: str, *, consistent_read: bool = True) -> Job | None:
        """The job, or None. Reads are always strongly consistent; ``consistent_read``
        is accepted for the original's callers (its progress page) and changes nothing."""
        ...

    def put(self, job: Job, /) -> None: ...

    def update(
        self,
        job_id: str,
        *,
        status: JobStatus | str | None = None,
        total_segments: int | None = None,
        completed_at: int | None = None,
    ) -> None: ...

    def list_completed(
        self, limit: int, exclusive_start_key: Mapping[str, object] | None = None
    ) -> tuple[list[JobListItem], PageToken | None]: ...


@runtime_checkable
class SegmentCompletionStore(Protocol):
    def put(self, completion: SegmentCompletion, /) -> None: ...

    def query_by_job(self, job_id: str) -> list[SegmentCompletion]: ...


@runtime_checkable
class ReassemblyLock(Protocol):
    def try_acquire(self, job_id: str) -> bool: ...


@runtime_checkable
class QueueSender(Protocol):
    def send(self, body: MessageBody) -> str: ...

    def send_batch(self, bodies: Sequence[MessageBody]) -> list[str]: ...


@runtime_checkable
class QueueReceiver(Protocol):
    def receive(self, max_messages: int = 1) -> list[QueueMessage]: ...

    def delete(self, receipt_handle: str) -> None: ...

    def delete_batch(self, receipt_handles: Sequence[str]) -> None: ...

    def change_visibility(self, receipt_handle: str, seconds: int) -> None: ...


@runtime_checkable
class ObjectStorage(Protocol):
    def presign_upload(
        self, bucket: str, key: str, *, expires_in: int = 3600, content_type: str = "video/mp4"
    ) -> str: ...

    def presign_download(
        self,
        bucket: str,
        key: str,
        *,
        expires_in: int = 3600,
        response_content_disposition: str | None = None,
    ) -> str: ...

    def upload(self, bucket: str, key: str, body: bytes) -> None: ...

    def download(self, bucket: str, key: str) -> bytes: ...

    def exists(self, bucket: str, key: str) -> bool: ...

    def delete(self, bucket: str, key: str) -> None: ...

    def list_object_keys(self, bucket: str, prefix: str = "") -> list[str]: ...

    def upload_file(
        self,
        bucket: str,
        key: str,
        path: str | PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> None: ...

    def download_file(
        self,
        bucket: str,
        key: str,
        path: str | PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> None: ...


# --- Beyond the seed's interfaces ---------------------------------------------------------
# What the pipeline added after the seed (issues 11 and 14). Separate Protocols, each
# extending the seed's, so a consumer's fake of the seed interface still
# satisfies the seed Protocol; services that use the additions ask for these.


@runtime_checkable
class JobStoreWithLifecycle(JobStore, Protocol):
    """A ``JobStore`` whose status moves along the schema's lifecycle, with a failed state."""

    def update(
        self,
        job_id: str,
        *,
        status: JobStatus | str | None = None,
        total_segments: int | None = None,
        completed_at: int | None = None,
        failure_reason: str | None = None,
    ) -> None:
        """Set fields; ``status`` moves only as the job lifecycle allows.

        A refused move raises ``InvalidTransitionError``; re-setting the current
        status succeeds; a missing job raises ``JobNotFoundError``.
        """
        ...

    def list_in_progress_page(
        self, limit: int, exclusive_start_key: Mapping[str, object] | None = None
    ) -> tuple[list[Job], PageToken | None]:
        """Every job whose status is not final, newest ``created_at`` first, one page at a time."""
        ...

    def list_in_progress(self, limit: int = 20) -> list[Job]:
        """The original's listing: up to ``limit`` jobs that are not completed or deleted
        (failed ones too), newest ``created_at`` first."""
        ...


@runtime_checkable
class SegmentCompletionStoreWithDelete(SegmentCompletionStore, Protocol):
    def delete_by_job(self, job_id: str) -> int:
        """Delete every completion of the job; return how many were deleted."""
        ...


@runtime_checkable
class ReassemblyLockWithHold(ReassemblyLock, Protocol):
    def hold(self, job_id: str, *, lease_seconds: int = ...) -> HeldLease[str]:
        """The lease for a whole ``with`` block, renewed in the background."""
        ...


@runtime_checkable
class QueueSenderWithAttributes(QueueSender, Protocol):
    """A ``QueueSender`` whose messages carry message attributes (issue 14).

    With OpenTelemetry installed, the current trace context travels among them.
    """

    def send(
        self, body: MessageBody, *, attributes: Mapping[str, MessageAttributeValue] | None = None
    ) -> str: ...

    def send_batch(
        self,
        bodies: Sequence[MessageBody],
        *,
        attributes: Sequence[Mapping[str, MessageAttributeValue] | None] | None = None,
    ) -> list[str]: ...


@runtime_checkable
class QueueReceiverWithProcessing(QueueReceiver, Protocol):
    def processing(self, message: QueueMessage, *, retry_delay_seconds: int = 0) -> MessageWork:
        """Keep ``message`` hidden while a ``with`` block works on it; delete it on success."""
        ...

    def processing_batch(
        self, messages: Sequence[QueueMessage], *, retry_delay_seconds: int = 0
    ) -> BatchWork:
        """``processing`` for several received messages at once."""
        ...


# --- Operator and platform services ------------------------------------------------------
# What the original's later services use beyond tables, queues and objects (issue 26):
# console links, conversion metrics, the Hugging Face token. Each has a no-op (or
# in-memory) form, so a service runs off AWS unchanged.


@runtime_checkable
class OperatorLinksProvider(Protocol):
    """Operator-facing console links (a job's logs, the cost dashboard); None hides a link."""

    def get_job_logs_url(self, job_id: str) -> str | None:
        """A deep link to the logs of ``job_id``, or None when there is none."""
        ...

    def get_cost_dashboard_url(self) -> str | None:
        """A deep link to the deployment's cost dashboard, or None."""
        ...


@runtime_checkable
class ConversionMetricsEmitter(Protocol):
    """Records how long one segment's conversion took, for the ETA estimate.

    Best effort: an emitter never fails the conversion it measures.
    """

    def emit_conversion_metrics(self, duration_seconds: float, size_bytes: int) -> None: ...


class NoOpConversionMetricsEmitter:
    """A ``ConversionMetricsEmitter`` that records nothing (metrics disabled or unsupported)."""

    def emit_conversion_metrics(self, duration_seconds: float, size_bytes: int) -> None:
        return None


@runtime_checkable
class HfTokenProvider(Protocol):
    """The Hugging Face token from a secret store; None when none is configured."""

    def get_hf_token(self) -> str | None: ...


class NoOpHfTokenProvider:
    """An ``HfTokenProvider`` without a secret store: there is never a token."""

    def get_hf_token(self) -> str | None:
        return None


__all__ = [
    "ConversionMetricsEmitter",
    "HfTokenProvider",
    "JobStore",
    "JobStoreWithLifecycle",
    "MessageAttributeValue",
    "MessageBody",
    "NoOpConversionMetricsEmitter",
    "NoOpHfTokenProvider",
    "ObjectStorage",
    "OperatorLinksProvider",
    "PageToken",
    "ProgressCallback",
    "QueueMessage",
    "QueueReceiver",
    "QueueReceiverWithProcessing",
    "QueueSender",
    "QueueSenderWithAttributes",
    "ReassemblyLock",
    "ReassemblyLockWithHold",
    "SegmentCompletionStore",
    "SegmentCompletionStoreWithDelete",
]
