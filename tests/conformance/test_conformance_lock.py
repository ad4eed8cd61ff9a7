"""The reassembly lock: trigger once (with TTL), and an owned, expiring lease, on every backend."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from stereo_spot_shared import Adapters
from stereo_spot_shared.leases import LeaseTiming
from tests.conformance.conftest import Backend, another

NOW = 1_800_000_000


def test_try_trigger_is_true_once_and_an_expired_marker_counts_as_absent(
    backend: Backend, adapters: Adapters
) -> None:
    lock = another(adapters.reassembly_triggered)
    lock.clock = lambda: NOW
    job_id = backend.unique("job")
    assert lock.try_trigger(job_id, ttl_seconds=60) is True
    assert lock.try_trigger(job_id, ttl_seconds=60) is False
    lock.clock = lambda: NOW + 60
    assert lock.try_trigger(job_id) is False, "expires only after ttl_seconds"
    lock.clock = lambda: NOW + 61
    assert lock.try_trigger(job_id) is True
    with pytest.raises(ValueError, match="ttl_seconds must be at least 1"):
        lock.try_trigger(backend.unique("job"), ttl_seconds=0)


def test_exactly_one_of_many_racing_workers_acquires_the_lease(
    backend: Backend, adapters: Adapters
) -> None:
    job_id = backend.unique("job")
    assert adapters.reassembly_triggered.try_acquire(job_id) is False, "needs an existing item"
    assert adapters.reassembly_triggered.try_trigger(job_id) is True
    racers = 6
    locks = [another(adapters.reassembly_triggered) for _ in range(racers)]
    start = threading.Barrier(racers, timeout=30)

    def claim(index: int) -> bool:
        start.wait()
        return bool(locks[index].try_acquire(job_id, owner=f"worker-{index}"))

    with ThreadPoolExecutor(max_workers=racers) as pool:
        results = list(pool.map(claim, range(racers)))
    assert results.count(True) == 1


def test_a_lapsed_lease_can_be_taken_over_and_only_the_holder_renews_releases_completes(
    backend: Backend, adapters: Adapters
) -> None:
    lock = another(adapters.reassembly_triggered)
    lock.clock = lambda: NOW
    job_id = backend.unique("job")
    lock.try_trigger(job_id)
    assert lock.try_acquire(job_id, lease_seconds=30, owner="a") is True
    assert lock.try_acquire(job_id, owner="b") is False
    assert lock.renew(job_id, lease_seconds=30, owner="b") is False
    assert lock.release(job_id, owner="b") is False
    assert lock.complete(job_id, owner="b") is False

    lock.clock = lambda: NOW + 20
    assert lock.renew(job_id, lease_seconds=30, owner="a") is True  # now held until NOW + 50
    lock.clock = lambda: NOW + 45
    assert lock.try_acquire(job_id, owner="b") is False, "renewed, so not lapsed"
    skew = int(lock.lease_timing.tolerated_skew_seconds)
    lock.clock = lambda: NOW + 51
    assert lock.try_acquire(job_id, owner="b") is False, "lapsed, but a's clock may be behind"
    lock.clock = lambda: NOW + 51 + skew
    assert lock.try_acquire(job_id, owner="b") is False, "not yet a second past the skew"
    lock.clock = lambda: NOW + 52 + skew
    assert lock.try_acquire(job_id, lease_seconds=30, owner="b") is True, "lapsed: taken over"
    assert lock.renew(job_id, owner="a") is False, "a lost it"

    assert lock.release(job_id, owner="b") is True
    assert lock.try_acquire(job_id, owner="c") is True, "released: free at once"
    assert lock.complete(job_id, owner="c") is True
    lock.clock = lambda: NOW + 10_000_000
    assert lock.try_acquire(job_id, owner="d") is False, "completed: never claimed again"
    assert lock.renew(job_id, owner="c") is False
    with pytest.raises(ValueError, match="lease_seconds must be from 1 to 604800, got 0"):
        lock.try_acquire(job_id, lease_seconds=0)


def test_the_default_owner_is_the_lock_objects_own_id(backend: Backend, adapters: Adapters) -> None:
    first, second = another(adapters.reassembly_triggered), another(adapters.reassembly_triggered)
    second.owner_id = "someone-else"
    job_id = backend.unique("job")
    first.try_trigger(job_id)
    assert first.try_acquire(job_id) is True
    assert second.renew(job_id) is False
    assert first.renew(job_id) is True
    assert first.complete(job_id) is True


def test_hold_keeps_the_lease_for_a_block_and_settles_it_on_exit(
    backend: Backend, adapters: Adapters
) -> None:
    lock = adapters.reassembly_triggered
    done, failed = backend.unique("job"), backend.unique("job")
    for job_id in (done, failed):
        lock.try_trigger(job_id)
    with lock.hold(done, lease_seconds=60) as lease:
        assert lease.acquired
        with lock.hold(done, lease_seconds=60, owner="someone-else") as other:
            assert not other.acquired
    assert lease.completed
    assert lock.try_acquire(done, owner="late") is False, "completed: never claimed again"

    with pytest.raises(RuntimeError), lock.hold(failed, lease_seconds=60) as lease:
        assert lease.acquired
        raise RuntimeError("the work failed")
    assert lock.try_acquire(failed, owner="retry") is True, "released on error: free at once"


def test_a_lease_taken_over_under_hold_is_one_warning_naming_the_lease(
    backend: Backend,
    adapters: Adapters,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    holder, rival = another(adapters.reassembly_triggered), another(adapters.reassembly_triggered)
    holder.lease_timing = LeaseTiming(margin_seconds=0.1, tolerated_skew_seconds=0)
    # The backend would refuse a completion by the wrong owner anyway: count the requests.
    settled: list[str] = []
    monkeypatch.setattr(holder, "complete", lambda *_, **__: settled.append("complete"))
    monkeypatch.setattr(holder, "release", lambda *_, **__: settled.append("release"))
    holder.clock = lambda: NOW  # every renewal of the holder ends at NOW + 1
    rival.clock = lambda: NOW + 3600  # so to the rival the lease has always lapsed
    job_id = backend.unique("job")
    holder.try_trigger(job_id)
    caplog.set_level(logging.DEBUG)
    with holder.hold(job_id, lease_seconds=1, owner="holder") as lease:
        assert lease.acquired
        assert rival.try_acquire(job_id, owner="rival") is True
        deadline = time.monotonic() + 30  # a wait for the beat, not a timing assertion
        while not lease.lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lease.lost
    assert not lease.completed
    assert settled == [], "a lost lease is neither completed nor released"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert lease.owner.startswith("holder/"), "each block is its own owner"
    assert [(r.name, r.getMessage()) for r in warnings] == [
        (
            "stereo_spot_shared.heartbeat",
            f"lease-renewal:{job_id!r} (table_name={holder.table_name!r}, "
            f"lease_key={job_id!r}, owner={lease.owner!r}): "
            "the claim is lost (another worker may have it); stop the work",
        )
    ]
    assert rival.renew(job_id, owner="rival") is True, "the rival holds it"
