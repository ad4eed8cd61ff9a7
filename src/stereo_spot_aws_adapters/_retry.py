"""Backoff for the entries a batch call reports as failed (SQS and DynamoDB alike)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stereo_spot_shared.errors import InvalidArgumentError


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
