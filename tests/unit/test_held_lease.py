"""``HeldLease`` against a spy lock: which requests ``__enter__`` / ``__exit__`` make, and when.

No backend: a conditional write would hide a missing guard (completing a lease
never acquired is refused by the table), so the spy counts every call instead.
Renewals beat every millisecond (``beat_interval`` patched).
"""

from __future__ import annotations

import contextlib
import logging
import threading

import pytest

from stereo_spot_shared import leases
from stereo_spot_shared.leases import HeldLease

WAIT = 10  # seconds: an upper bound on waiting for a beat, never a timing assertion


class SpyLock:
    """Answers as told and records every request with its arguments."""

    def __init__(
        self, *, acquired: bool = True, renewed: bool = True, completed: bool = True
    ) -> None:
        self.acquired = acquired
        self.renewed = renewed
        self.completed = completed
        self.release_error: Exception | None = None
        self.calls: list[tuple[object, ...]] = []
        self.renewals = threading.Semaphore(0)

    def try_acquire(self, key: str, /, *, lease_seconds: int, owner: str) -> bool:
        self.calls.append(("acquire", key, lease_seconds, owner))
        return self.acquired

    def renew(self, key: str, /, *, lease_seconds: int = 0, owner: str | None = None) -> bool:
        self.calls.append(("renew", key, lease_seconds, owner))
        self.renewals.release()
        return self.renewed

    def release(self, key: str, /, *, owner: str | None = None) -> bool:
        self.calls.append(("release", key, owner))
        if self.release_error is not None:
            raise self.release_error
        return True

    def complete(self, key: str, /, *, owner: str | None = None) -> bool:
        self.calls.append(("complete", key, owner))
        return self.completed

    def settled(self) -> list[tuple[object, ...]]:
        return [call for call in self.calls if call[0] in ("release", "complete")]


@pytest.fixture
def intervals(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Renewals every millisecond; records the lifetime each interval was asked for."""
    asked: list[float] = []

    def fast(lifetime: float) -> float:
        asked.append(lifetime)
        return 0.001

    monkeypatch.setattr(leases, "beat_interval", fast)
    return asked


def hold(lock: SpyLock, key: str = "job-1", table_name: str | None = "locks") -> HeldLease[str]:
    return HeldLease(
        lock, lock.try_acquire, key, lease_seconds=90, owner="me", table_name=table_name
    )


def renewal_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("lease-renewal:")]


def test_an_acquired_lease_is_renewed_while_held_and_completed_on_success(
    intervals: list[float],
) -> None:
    lock = SpyLock()
    lease = hold(lock)
    assert (lease.key, lease.lease_seconds, lease.owner) == ("job-1", 90, "me")
    assert lease.acquired is False and lease.completed is False
    with lease as entered:
        assert entered is lease and lease.acquired
        assert lock.renewals.acquire(timeout=WAIT) and lock.renewals.acquire(timeout=WAIT)
        assert [t.name for t in renewal_threads()] == ["lease-renewal:'job-1'"]
        assert not lease.lost
    assert renewal_threads() == []
    assert intervals == [90]
    assert lock.calls[0] == ("acquire", "job-1", 90, "me")
    assert {call for call in lock.calls[1:-1]} == {("renew", "job-1", 90, "me")}
    assert lock.settled() == [("complete", "job-1", "me")]
    assert lease.completed


def test_a_refused_completion_is_reported(intervals: list[float]) -> None:
    lock = SpyLock(completed=False)
    with hold(lock) as lease:
        pass
    assert lock.settled() == [("complete", "job-1", "me")]
    assert lease.acquired and not lease.completed


def test_a_lease_not_acquired_makes_no_other_request(intervals: list[float]) -> None:
    lock = SpyLock(acquired=False)
    with hold(lock) as lease:
        assert not lease.acquired and renewal_threads() == []
    assert lock.calls == [("acquire", "job-1", 90, "me")]
    assert lease.completed is False


def test_a_lease_not_acquired_is_not_released_when_the_block_raises(
    intervals: list[float],
) -> None:
    lock = SpyLock(acquired=False)
    with pytest.raises(RuntimeError), hold(lock):
        raise RuntimeError("boom")
    assert lock.calls == [("acquire", "job-1", 90, "me")]


@pytest.mark.parametrize("interruption", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_block_releases_once_and_never_completes(
    intervals: list[float], interruption: BaseException
) -> None:
    lock = SpyLock()
    with pytest.raises(type(interruption)), hold(lock) as lease:
        raise interruption
    assert renewal_threads() == []
    assert lock.settled() == [("release", "job-1", "me")]
    assert not lease.completed


def test_a_failing_release_does_not_hide_the_blocks_error(intervals: list[float]) -> None:
    lock = SpyLock()
    lock.release_error = ConnectionError("reset")
    with pytest.raises(RuntimeError, match="the work failed"), hold(lock):
        raise RuntimeError("the work failed")
    assert lock.settled() == [("release", "job-1", "me")]


def wait_until_lost(lease: HeldLease[str]) -> None:
    stopped = threading.Event()
    for _ in range(WAIT * 1000):
        if lease.lost:
            return
        stopped.wait(0.001)
    raise AssertionError("the lease was never lost")


@pytest.mark.parametrize("fails", [False, True])
def test_a_lost_lease_is_neither_completed_nor_released(
    intervals: list[float], caplog: pytest.LogCaptureFixture, fails: bool
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    lock = SpyLock(renewed=False)
    with pytest.raises(RuntimeError) if fails else _nothing(), hold(lock) as lease:
        wait_until_lost(lease)
        assert repr(lease) == "HeldLease('job-1', lost)"
        if fails:
            raise RuntimeError("stopped early")
    assert lock.settled() == []
    assert [call[0] for call in lock.calls] == ["acquire", "renew"]  # no renewal after the loss
    assert not lease.completed
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage() == (
        "lease-renewal:'job-1' (table_name='locks', lease_key='job-1', owner='me'): "
        "the claim is lost; stop the work, another worker may have it"
    )
    assert (warning.table_name, warning.lease_key, warning.owner) == ("locks", "job-1", "me")  # type: ignore[attr-defined]


def test_without_a_table_name_the_warning_names_the_key_and_owner(
    intervals: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    with hold(SpyLock(renewed=False), key="k", table_name=None) as lease:
        wait_until_lost(lease)
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage().startswith("lease-renewal:'k' (lease_key='k', owner='me'): ")
    assert not hasattr(warning, "table_name")


def test_repr_says_whether_the_lease_is_held(intervals: list[float]) -> None:
    lease = hold(SpyLock())
    assert repr(lease) == "HeldLease('job-1', not acquired)"
    with lease:
        assert repr(lease) == "HeldLease('job-1', held)"
    assert repr(hold(SpyLock(acquired=False)).__enter__()) == "HeldLease('job-1', not acquired)"


def test_the_real_interval_is_a_third_of_the_lease() -> None:
    lock = SpyLock()
    with HeldLease(lock, lock.try_acquire, "j", lease_seconds=3600, owner="me") as lease:
        assert lease.acquired
    assert lock.calls == [("acquire", "j", 3600, "me"), ("complete", "j", "me")]  # no beat yet


def _nothing() -> contextlib.nullcontext[None]:
    return contextlib.nullcontext()
