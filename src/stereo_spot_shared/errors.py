"""Errors every storage and messaging backend raises.

Services catch these without importing any cloud SDK. Each one subclasses the
built-in exception a caller would already expect (``LookupError``,
``ValueError``, ``KeyError``), so existing ``except`` clauses keep working.
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


class ObjectNotFoundError(NotFoundError):
    """No object exists at this bucket and key."""

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"object s3://{bucket}/{key} does not exist")
        self.bucket = bucket
        self.key = key


class InvalidPageTokenError(StereoSpotError, ValueError):
    """A pagination token was malformed or belongs to another listing."""


class InvalidKeyError(StereoSpotError, ValueError):
    """Values an object-key layout cannot hold (a job id with ``/``, a negative index, ...)."""


class MessageTooLargeError(StereoSpotError, ValueError):
    """A queue message body (with its attributes) exceeds the queue's size limit."""


class EmptyMessageError(StereoSpotError, ValueError):
    """A queue message body was empty; queues reject empty messages."""


class MalformedEventError(StereoSpotError, ValueError):
    """A queue message body is not the event or payload it was expected to be."""


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


class UnknownBackendError(StereoSpotError, ValueError):
    """``STORAGE_ADAPTER`` names a backend no installed package provides.

    ``installed`` lists the backends that are available.
    """

    def __init__(self, message: str, backend: str, installed: Sequence[str]) -> None:
        super().__init__(message)
        self.backend = backend
        self.installed: tuple[str, ...] = tuple(installed)


class BatchWriteError(StereoSpotError):
    """Some items of a batch could not be written after every retry.

    ``failed`` holds exactly the items (or bodies) that did not land, so the
    caller can retry or report them; everything else was written once.
    """

    def __init__(self, message: str, failed: Sequence[object]) -> None:
        super().__init__(message)
        self.failed: tuple[object, ...] = tuple(failed)


__all__ = [
    "BatchWriteError",
    "EmptyMessageError",
    "InvalidKeyError",
    "InvalidPageTokenError",
    "ItemNotFoundError",
    "JobNotFoundError",
    "MalformedEventError",
    "MessageTooLargeError",
    "MissingConfigurationError",
    "NotFoundError",
    "ObjectNotFoundError",
    "StereoSpotError",
    "UnknownBackendError",
]
