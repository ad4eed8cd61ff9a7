"""``lock.hold(job_id, lease_seconds=...)``: a lease held for the whole ``with`` block.

Generated lock classes (``ReassemblyTriggeredLock``) return a ``HeldLease``
from ``hold``; it drives their ``acquire_token`` / ``renew_token`` /
``complete`` / ``release`` methods. The protocol (docs/concepts/leases.md):

- **Deadline.** The holder keeps the lease's deadline on its own monotonic
  clock, from the moment the confirmed acquire or renewal was *sent*;
  ``lost`` turns ``True`` ``margin_seconds`` before it, whatever the
  endpoint does.
- **Takeover.** Another worker takes a lapsed lease over only once its own
  wall clock is past the stored expiry plus ``tolerated_skew_seconds``.
- **Fencing.** Every acquire and renewal stores a strictly increasing token
  on the lease item; ``HeldLease.token`` is the holder's. ``complete`` and
  writes given ``fence=lease`` are conditioned on it, so a paused or cut-off
  holder's write is refused by the store itself (``LeaseLostError``).
- **Owners.** Each ``hold`` block is its own owner, and a forked child never
  settles a block its parent entered.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Protocol, TypeVar

from . import _clock
from .errors import ArgumentTypeError, InvalidArgumentError, LeaseLostError
from .heartbeat import Heartbeat, beat_interval

__all__ = [
    "MAX_LEASE_SECONDS",
    "Fence",
    "FenceSource",
    "HeldLease",
    "LeaseAttributes",
    "LeaseMethods",
    "LeaseTiming",
    "check_lease_seconds",
    "fencing",
]

MAX_LEASE_SECONDS = 604_800
"""The longest lease ``try_acquire`` / ``hold`` accept: one week (the trigger marker's default TTL)."""

K = TypeVar("K", str, int, bytes)
K_contra = TypeVar("K_contra", str, int, bytes, contravariant=True)


def check_lease_seconds(lease_seconds: object, *, margin_seconds: float = 0.0) -> int:
    """A lease length: an ``int`` from 1 to ``MAX_LEASE_SECONDS``, at least three margins.

    A lease shorter than three margins would be lost before its second renewal.
    """
    if not isinstance(lease_seconds, int) or isinstance(lease_seconds, bool):
        raise ArgumentTypeError(f"lease_seconds must be an int, got {type(lease_seconds).__name__}")
    if not 1 <= lease_seconds <= MAX_LEASE_SECONDS:
        raise InvalidArgumentError(
            f"lease_seconds must be from 1 to {MAX_LEASE_SECONDS}, got {lease_seconds}"
        )
    if lease_seconds < 3 * margin_seconds:
        raise InvalidArgumentError(
            f"lease_seconds must be at least three times the lease margin "
            f"({margin_seconds:g} s), got {lease_seconds}"
        )
    return lease_seconds


@dataclass(frozen=True)
class LeaseTiming:
    """How much a lock table trusts clocks; declared per lock table in the schema.

    - ``margin_seconds``: a holder counts its lease lost this long before the
      deadline on its own monotonic clock (covers request latency and clock
      rate drift).
    - ``tolerated_skew_seconds``: how far apart two workers' wall clocks may
      be; a lapsed lease is taken over only after its stored expiry plus this.
    """

    margin_seconds: float
    tolerated_skew_seconds: float

    def __post_init__(self) -> None:
        for name in ("margin_seconds", "tolerated_skew_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ArgumentTypeError(f"{name} must be a number, got {type(value).__name__}")
            if not math.isfinite(value) or value < 0:
                raise InvalidArgumentError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.margin_seconds <= 0:
            raise InvalidArgumentError(
                f"margin_seconds must be above 0, got {self.margin_seconds!r}"
            )

    def takeover_cutoff(self, now: int) -> int:
        """A lease whose stored expiry is below this (Unix seconds) may be taken over at ``now``.

        The tolerated skew, plus one second: clocks read in whole seconds
        (``_clock.now`` rounds down) may be up to a second behind.
        """
        return now - math.ceil(self.tolerated_skew_seconds) - 1


@dataclass(frozen=True)
class LeaseAttributes:
    """Where a lock table keeps a lease: the schema's attribute names (``ttl``: the marker's TTL)."""

    started: str
    owner: str
    expires: str
    token: str
    ttl: str | None = None


@dataclass(frozen=True)
class Fence:
    """What a fenced write checks: the lease item still carries this holder's token.

    Backend-neutral: ``key`` maps the lease table's key attributes to their
    values; ``*_attribute`` name the lease item's attributes.
    """

    table_name: str
    key: Mapping[str, str | int | bytes]
    token_attribute: str
    token: int
    owner_attribute: str
    owner: str
    expires_attribute: str

    def fencing(self) -> contextlib.AbstractContextManager[Fence]:
        return contextlib.nullcontext(self)

    @property
    def key_value(self) -> object:
        """The lease's key as errors name it: the hash key's value (or all key values)."""
        values = tuple(self.key.values())
        return values[0] if len(values) == 1 else dict(self.key)


class FenceSource(Protocol):
    """A ``Fence`` or a ``HeldLease``: what ``fence=`` accepts."""

    def fencing(self) -> contextlib.AbstractContextManager[Fence]: ...


def fencing(source: FenceSource | None) -> contextlib.AbstractContextManager[Fence | None]:
    """The fence to check for one write (``None``: an unfenced write)."""
    if source is None:
        return contextlib.nullcontext(None)
    return source.fencing()


class LeaseMethods(Protocol[K_contra]):
    """What ``HeldLease`` needs of a lock: the generated lease methods."""

    table_name: str
    lease_timing: LeaseTiming

    def acquire_token(
        self, key: K_contra, /, *, lease_seconds: int = ..., owner: str | None = ...
    ) -> int | None: ...

    def renew_token(
        self, key: K_contra, /, *, lease_seconds: int = ..., owner: str | None = ...
    ) -> int | None: ...

    def release(
        self, key: K_contra, /, *, owner: str | None = ..., token: int | None = ...
    ) -> bool: ...

    def complete(
        self, key: K_contra, /, *, owner: str | None = ..., token: int | None = ...
    ) -> bool: ...

    def fence(self, key: K_contra, /, *, owner: str, token: int) -> Fence: ...


class HeldLease(Generic[K]):
    """A lease taken on entering the block, renewed while it runs, settled on exit.

    - ``acquired``: whether this block got the lease. ``False`` means someone
      else holds it (or the item is missing or its marker expired): the block
      should do nothing.
    - ``token``: the lease's current fencing token (``None`` until acquired).
      Pass the lease as ``fence=lease`` to the writes that finish the job; a
      write after the lease was taken over is refused (``LeaseLostError``).
    - Renewals run in the background every ``lease_seconds / 3``. ``lost``
      turns ``True`` when a renewal finds another owner, or when no renewal
      was confirmed by the deadline less the table's margin (a silent
      endpoint, a paused process). The block should stop early. The loss is
      logged once, at WARNING, with ``table_name``, ``lease_key`` and ``owner``.
    - On a normal exit the lease is completed (the work is never claimed
      again); ``completed`` says whether that succeeded. When the block
      raises, the lease is released so another worker can retry at once, and
      the exception propagates. A lost lease is left alone; a child process
      forked inside the block settles nothing.
    - ``owner`` is this block's own owner id (the lock's, or the one given,
      plus a random suffix), so two blocks never act for each other.

    ``clock`` times the deadline (``time.monotonic``; the in-memory backend
    passes its own clock). ``background=False`` runs no thread: the caller
    renews with ``beat()``.
    """

    def __init__(
        self,
        lock: LeaseMethods[K],
        key: K,
        *,
        lease_seconds: int,
        owner: str,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
    ) -> None:
        timing = lock.lease_timing
        self._background = background
        self.key: K = key
        self.lease_seconds = check_lease_seconds(
            lease_seconds, margin_seconds=timing.margin_seconds
        )
        self.owner = _clock.holder_id(owner)
        self.acquired = False
        self.completed = False
        self._token: int | None = None
        self._lock: LeaseMethods[K] = lock
        self._clock = clock
        self._mutex = threading.Lock()  # a renewal and a fenced write never overlap
        self._generation = _clock.fork_generation()
        self._heartbeat = Heartbeat(
            self._renew,
            beat_interval(lease_seconds),
            lifetime=lease_seconds,
            margin=timing.margin_seconds,
            clock=clock,
            name=f"lease-renewal:{key!r}",
            context={"table_name": lock.table_name, "lease_key": key, "owner": self.owner},
        )

    @property
    def token(self) -> int | None:
        """The fencing token of this holder's latest confirmed acquire or renewal."""
        return self._token

    @property
    def lost(self) -> bool:
        if self._inherited():
            return True  # a forked child never works on its parent's lease
        return self.acquired and self._heartbeat.lost

    def _inherited(self) -> bool:
        return self._generation != _clock.fork_generation()

    @property
    def deadline(self) -> float | None:
        """When the lease lapses on this holder's monotonic clock (``None``: not acquired)."""
        return self._heartbeat.deadline

    def fencing(self) -> contextlib.AbstractContextManager[Fence]:
        """The fence for one write, with renewals held off until the write is answered.

        Raises ``LeaseLostError`` before any request when the lease was never
        acquired or is already lost.
        """
        return self._fencing()

    @contextlib.contextmanager
    def _fencing(self) -> Iterator[Fence]:
        if self._inherited():
            raise LeaseLostError(self._lock.table_name, self.key, self._token or 0)
        with self._mutex:
            if self._token is None or self.lost:
                raise LeaseLostError(self._lock.table_name, self.key, self._token or 0)
            yield self._lock.fence(self.key, owner=self.owner, token=self._token)

    def _renew(self) -> bool:
        with self._mutex:
            token = self._lock.renew_token(
                self.key, lease_seconds=self.lease_seconds, owner=self.owner
            )
            if token is None:
                return False
            self._token = token
            return True

    def __enter__(self) -> HeldLease[K]:
        sent_at = self._clock()
        token = self._lock.acquire_token(
            self.key, lease_seconds=self.lease_seconds, owner=self.owner
        )
        if token is not None:
            self._token = token
            self.acquired = True
            self._heartbeat.confirm(sent_at)
            if self._background:
                self._heartbeat.start()
        return self

    def beat(self) -> bool:
        """Renew once, now, on this thread; ``False`` once the lease is lost.

        What the background thread does every ``lease_seconds / 3``; a block
        built with ``background=False`` (a test driving a fake clock) calls it.
        """
        return self.acquired and not self._inherited() and self._heartbeat.beat_once()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._inherited():
            return  # a forked child leaving its parent's block: the parent settles it
        self._heartbeat.stop()
        if not self.acquired or self.lost:
            return
        with self._mutex:
            if exc_type is None:
                self.completed = self._lock.complete(self.key, owner=self.owner, token=self._token)
                return
            # Best effort: the block's own error is what matters, and the lease lapses anyway.
            with contextlib.suppress(Exception):
                self._lock.release(self.key, owner=self.owner, token=self._token)

    def __repr__(self) -> str:
        state = "lost" if self.lost else "held" if self.acquired else "not acquired"
        return f"HeldLease({self.key!r}, {state}, token={self._token})"
