"""``lock.hold(job_id, lease_seconds=...)``: a lease held for the whole ``with`` block.

Generated lock classes (``ReassemblyTriggeredLock``) return a ``HeldLease``
from ``hold``; it drives their ``try_acquire`` / ``renew`` / ``complete`` /
``release`` methods.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Generic, Protocol, TypeVar

from .heartbeat import Heartbeat, beat_interval

__all__ = ["HeldLease", "LeaseMethods"]


K = TypeVar("K", str, int, bytes)
K_contra = TypeVar("K_contra", str, int, bytes, contravariant=True)


class LeaseMethods(Protocol[K_contra]):
    """What ``HeldLease`` needs of a lock: the generated lease methods (the acquiring one may have any name)."""

    def renew(
        self, key: K_contra, /, *, lease_seconds: int = ..., owner: str | None = ...
    ) -> bool: ...

    def release(self, key: K_contra, /, *, owner: str | None = ...) -> bool: ...

    def complete(self, key: K_contra, /, *, owner: str | None = ...) -> bool: ...


class HeldLease(Generic[K]):
    """A lease taken on entering the block, renewed while it runs, settled on exit.

    - ``acquired``: whether this caller got the lease. ``False`` means someone
      else holds it (or the item is missing): the block should do nothing.
    - Renewals run in the background every ``lease_seconds / 3``. ``lost``
      turns ``True`` when a renewal finds another owner (the lease lapsed and
      was taken over); the block should stop early. The loss is logged once, at
      WARNING, with ``table_name``, ``lease_key`` and ``owner`` (``renew`` itself
      only returns ``False``).
    - On a normal exit the lease is completed (the work is never claimed
      again); ``completed`` says whether that succeeded (``False`` if it was
      lost). When the block raises, the lease is released so another worker
      can retry at once, and the exception propagates.
    """

    def __init__(
        self,
        lock: LeaseMethods[K],
        acquire: Callable[..., bool],
        key: K,
        *,
        lease_seconds: int,
        owner: str,
        table_name: str | None = None,
    ) -> None:
        self.key: K = key
        self.lease_seconds = lease_seconds
        self.owner = owner
        self.acquired = False
        self.completed = False
        self._lock: LeaseMethods[K] = lock
        self._acquire = acquire
        self._heartbeat = Heartbeat(
            lambda: lock.renew(key, lease_seconds=lease_seconds, owner=owner),
            beat_interval(lease_seconds),
            name=f"lease-renewal:{key!r}",
            context=_lease_context(table_name, key, owner),
        )

    @property
    def lost(self) -> bool:
        return self._heartbeat.lost

    def __enter__(self) -> HeldLease[K]:
        self.acquired = self._acquire(self.key, lease_seconds=self.lease_seconds, owner=self.owner)
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
            self.completed = self._lock.complete(self.key, owner=self.owner)
            return
        # Best effort: the block's own error is what matters, and the lease lapses anyway.
        with contextlib.suppress(Exception):
            self._lock.release(self.key, owner=self.owner)

    def __repr__(self) -> str:
        state = "lost" if self.lost else "held" if self.acquired else "not acquired"
        return f"HeldLease({self.key!r}, {state})"


def _lease_context(table_name: str | None, key: object, owner: str) -> dict[str, object]:
    """What the heartbeat's WARNINGs name: the lease's table, key and owner."""
    context: dict[str, object] = {} if table_name is None else {"table_name": table_name}
    return {**context, "lease_key": key, "owner": owner}
