"""Backoff for the entries a batch call reports as failed (SQS and DynamoDB alike)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from typing import TypeVar

from stereo_spot_shared.errors import InvalidArgumentError

_P = TypeVar("_P", bound=Sized)
_E = TypeVar("_E", bound=BaseException)


@dataclass(frozen=True)
class BatchRetry:
    """How entries a batch call reports as failed are retried.

    Full-jitter exponential backoff: before retry ``n`` (1-based) sleep a random
    time in ``[0, min(max_delay, base_delay * 2**(n-1))]``. Shared by SQS batch
    sends and deletes and by DynamoDB batch writes; botocore's own retries of a
    whole request come first, this retries the entries a batch reports failed.
    """

    attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise InvalidArgumentError(f"attempts must be at least 1, got {self.attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise InvalidArgumentError("base_delay and max_delay must not be negative")

    def delay_before(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (retry - 1)))


def retry_leftovers(
    pending: _P,
    send_once: Callable[[_P], _P],
    retry: BatchRetry,
    describe: Callable[[_P, int], None],
    stop_on: tuple[type[_E], ...],
) -> tuple[_P, _E | None]:
    """Send a batch, then resend only what each call hands back, with backoff.

    ``send_once`` sends ``pending`` and returns what was not accepted (empty
    when everything was). Before retry ``n`` (attempt ``n + 1``) ``describe``
    is called with what is pending and the attempt number, for the caller's
    log line, then ``retry.sleep`` waits ``retry.delay_before(n)``. At most
    ``retry.attempts`` calls are made. An error in ``stop_on`` (a whole request
    refused, after botocore's own retries) stops at once. Returns what was
    never accepted and that error (``None`` when the attempts ran out or all
    went through); any other error propagates.
    """
    for attempt in range(retry.attempts):
        if attempt:
            describe(pending, attempt + 1)
            retry.sleep(retry.delay_before(attempt))
        try:
            pending = send_once(pending)
        except stop_on as error:
            return pending, error
        if not len(pending):
            break
    return pending, None
