"""``lock.hold(job_id, lease_seconds=...)``: a lease held for the whole ``with`` block.

The generated lock classes (``ReassemblyTriggeredLock``) return a ``HeldLease``
from ``hold``; it drives their ``try_acquire`` / ``renew`` / ``complete`` /
``release`` methods.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from .heartbeat import Heartbeat, beat_interval

__all__ = ["HeldLease", "LeaseMethods"]


class LeaseMethods(Protocol):
    """What ``HeldLease`` needs of a lock: the generated lease methods."""

    def try_acquire(self, key: str, /, *, lease_seconds: int = ..., owner: str | None = ...) -> bool: ...

    def renew(self, key: str, /, *, lease_seconds: int = ..., owner: str | None = ...) -> bool: ...

    def release(self, key: str, /, *, owner: str | None = ...) -> bool: ...

    def complete(self, key: str, /, *, owner: str | None = ...) -> bool: ...


class HeldLease:
    """A lease taken on entering the block, renewed while it runs, settled on exit.

    - ``acquired``: whether this caller got the lease. ``False`` means someone
      else holds it (or the item is missing): the block should do nothing.
    - Renewals run in the background every ``lease_seconds / 3``. ``lost``
      turns ``True`` when a renewal finds another owner (the lease lapsed and
      was taken over); the block should stop early.
    - On a normal exit the lease is completed (the work is never claimed
      again); ``completed`` says whether that succeeded (``False`` if it was
      lost). When the block raises, the lease is released so another worker
      can retry at once, and the exception propagates.
    """

    def __init__(self, lock: LeaseMethods, job_id: str, *, lease_seconds: int, owner: str) -> None:
        self.job_id = job_id
        self.lease_seconds = lease_seconds
        self.owner = owner
        self.acquired = False
        self.completed = False
        self._lock = lock
        self._heartbeat = Heartbeat(
            lambda: lock.renew(job_id, lease_seconds=lease_seconds, owner=owner),
            beat_interval(lease_seconds),
            name=f"lease-renewal:{job_id}",
        )

    @property
    def lost(self) -> bool:
        return self._heartbeat.lost

    def __enter__(self) -> HeldLease:
        self.acquired = self._lock.try_acquire(
            self.job_id, lease_seconds=self.lease_seconds, owner=self.owner
        )
        if self.acquired:
            self._heartbeat.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._heartbeat.stop()
        if not self.acquired or self.lost:
            return
        if exc_type is None:
            self.completed = self._lock.complete(self.job_id, owner=self.owner)
            return
        try:
            self._lock.release(self.job_id, owner=self.owner)
        except Exception:  # noqa: BLE001 - the block's own error matters; the lease lapses anyway
            pass

    def __repr__(self) -> str:
        state = "lost" if self.lost else "held" if self.acquired else "not acquired"
        return f"HeldLease({self.job_id!r}, {state})"
