"""Errors every storage and messaging backend raises.

Services catch these without importing any cloud SDK. Each one subclasses the
built-in exception a caller would already expect (``LookupError``,
``ValueError``, ``TypeError``, ``KeyError``), so existing ``except`` clauses
keep working. docs/reference/errors.md is the table of when each is
raised and what to do about it.

Three families:

- the caller's mistake, found before any request: ``InvalidArgumentError``
  (a ``ValueError``) and ``ArgumentTypeError`` (a ``TypeError``);
- what a request found: ``NotFoundError`` (the addressed record is absent — a
  ``LookupError``), ``ServiceError`` and its kinds (the table, queue or bucket
  is missing, access is denied, the service is throttling or failing,
  the service rejected the request), ``CorruptItemError`` (a stored item
  cannot be read — never a ``LookupError``);
- configuration and message bodies: ``MissingConfigurationError``,
  ``InvalidConfigurationError``, ``MalformedEventError``.
"""

from __future__ import annotations

from collections.abc import Sequence


class StereoSpotError(Exception):
    """Base class of every error raised by the stereo-spot backends."""


class NotFoundError(StereoSpotError, LookupError):
    """The addressed record or object does not exist."""


class ItemNotFoundError(NotFoundError):
    """No item with this key exists (the default for generated stores)."""

    def __init__(self, key: object) -> None:
        super().__init__(f"no item with key {key!r} exists")
        self.key = key


class JobNotFoundError(NotFoundError):
    """No job with this id exists."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r} does not exist")
        self.job_id = job_id


class InvalidTransitionError(StereoSpotError):
    """A job's status may not move from its current value to the requested one.

    Raised by ``JobStore.update(status=...)`` when the schema's lifecycle does
    not allow the move (a late worker setting ``chunking_complete`` on a
    ``completed`` job); nothing was written. ``current`` is ``None`` when the
    stored job has no status at all. ``job_id`` is the item's key: the hash key
    value, or a dict of both key values on a table with a range key.
    """

    def __init__(self, job_id: object, current: str | None, requested: str) -> None:
        super().__init__(
            f"job {job_id!r} is {current!r} and may not move to {requested!r}; nothing was written"
        )
        self.job_id = job_id
        self.current = current
        self.requested = requested


class LeaseLostError(StereoSpotError):
    """A write fenced by a lease was refused: the lease is no longer this holder's.

    Raised by a write given ``fence=`` (``jobs.update(..., fence=lease)``) when
    the lease item no longer carries the holder's fencing token (another worker
    took the lease over, or it was completed or released); the refusal is the
    store's own condition, so nothing was written. Stop the work: another
    worker owns it now. ``key`` is the lease's key, ``token`` the refused token.
    """

    def __init__(self, table_name: str, key: object, token: int) -> None:
        super().__init__(
            f"the lease on {key!r} in {table_name!r} no longer carries fencing token {token}; "
            "nothing was written"
        )
        self.table_name = table_name
        self.key = key
        self.token = token


class ObjectNotFoundError(NotFoundError):
    """No object exists at this bucket and key."""

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"object s3://{bucket}/{key} does not exist")
        self.bucket = bucket
        self.key = key


class InvalidArgumentError(StereoSpotError, ValueError):
    """An argument has a value the service cannot take; raised before any request."""


class ArgumentTypeError(StereoSpotError, TypeError):
    """An argument has the wrong type; raised before any request."""


class InvalidPageTokenError(InvalidArgumentError):
    """A pagination token was malformed or belongs to another listing."""


class InvalidKeyError(InvalidArgumentError):
    """Values an object-key layout cannot hold (a job id with ``/``, a negative index, ...)."""


class MessageTooLargeError(InvalidArgumentError):
    """A queue message body (with its attributes) exceeds the queue's size limit."""


class EmptyMessageError(InvalidArgumentError):
    """A queue message body was empty; queues reject empty messages."""


class MalformedEventError(StereoSpotError, ValueError):
    """A queue message body is not the event or payload it was expected to be."""


class UnexpectedBucketError(MalformedEventError):
    """An S3 event names a bucket the schema does not route to this queue."""

    def __init__(self, message: str, bucket: str, expected: Sequence[str]) -> None:
        super().__init__(message)
        self.bucket = bucket
        self.expected: tuple[str, ...] = tuple(expected)


class ServiceError(StereoSpotError):
    """The cloud service failed a request; ``code`` is its error code.

    ``retryable`` says whether the same call may succeed later unchanged.
    """

    retryable = False

    def __init__(self, message: str, *, action: str, resource: str, code: str) -> None:
        super().__init__(message)
        self.action = action
        self.resource = resource
        self.code = code


class MissingResourceError(ServiceError):
    """The table, queue or bucket does not exist: provision it or fix the variable naming it."""


class AccessDeniedError(ServiceError):
    """The caller's credentials may not perform ``action`` on ``resource``."""


class RetryableServiceError(ServiceError):
    """Throttling, a 5xx or a lost connection outlasted the SDK's retries; back off and retry."""

    retryable = True


class RejectedRequestError(ServiceError, ValueError):
    """The service rejected the request's parameters (e.g. an expired receipt handle)."""


class CorruptItemError(StereoSpotError):
    """A stored item exists but cannot be read as its model; ``table`` and ``key`` name it.

    Deliberately not a ``LookupError``: the item was found, it is the data that is wrong.
    """

    def __init__(self, message: str, *, table: str, key: object) -> None:
        super().__init__(message)
        self.table = table
        self.key = key


class MissingConfigurationError(StereoSpotError, KeyError):
    """A required environment variable is missing or empty.

    A ``KeyError`` so code written as ``os.environ[...]`` keeps its handlers.
    """

    def __init__(self, message: str, variables: Sequence[str]) -> None:
        super().__init__(message)
        self.message = message
        self.variables: tuple[str, ...] = tuple(variables)
        self.variable = self.variables[0] if self.variables else ""

    def __str__(self) -> str:
        # KeyError quotes its argument; configuration errors read better plain.
        return self.message


class InvalidConfigurationError(StereoSpotError, ValueError):
    """Configuration exists but cannot be used: a malformed outputs file, no credentials."""


class UnknownBackendError(InvalidConfigurationError):
    """``STORAGE_ADAPTER`` names a backend no installed package provides.

    ``installed`` lists the backends that are available.
    """

    def __init__(self, message: str, backend: str, installed: Sequence[str]) -> None:
        super().__init__(message)
        self.backend = backend
        self.installed: tuple[str, ...] = tuple(installed)


class DuplicateBackendError(InvalidConfigurationError):
    """Two installed distributions register the same backend name: neither is chosen.

    ``distributions`` names both (or all) of them; uninstall the one not meant.
    """

    def __init__(self, message: str, backend: str, distributions: Sequence[str]) -> None:
        super().__init__(message)
        self.backend = backend
        self.distributions: tuple[str, ...] = tuple(distributions)


class BatchWriteError(StereoSpotError):
    """Some items of a batch could not be written after every retry.

    ``failed`` holds exactly the items (or bodies) that did not land, so the
    caller can retry or report them; everything else was written once.
    """

    def __init__(self, message: str, failed: Sequence[object]) -> None:
        super().__init__(message)
        self.failed: tuple[object, ...] = tuple(failed)


__all__ = [
    "AccessDeniedError",
    "ArgumentTypeError",
    "BatchWriteError",
    "CorruptItemError",
    "DuplicateBackendError",
    "EmptyMessageError",
    "InvalidArgumentError",
    "InvalidConfigurationError",
    "InvalidKeyError",
    "InvalidPageTokenError",
    "InvalidTransitionError",
    "ItemNotFoundError",
    "JobNotFoundError",
    "MalformedEventError",
    "MessageTooLargeError",
    "MissingConfigurationError",
    "MissingResourceError",
    "NotFoundError",
    "ObjectNotFoundError",
    "RejectedRequestError",
    "RetryableServiceError",
    "ServiceError",
    "StereoSpotError",
    "UnexpectedBucketError",
    "UnknownBackendError",
]
