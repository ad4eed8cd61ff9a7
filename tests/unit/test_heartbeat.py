"""The heartbeat's shared timer and its beat thread, with millisecond intervals: no slow waits.

Each test uses a timer of its own (``_Timer()``, or ``heartbeat._shared_timer``
replaced by a fresh one), so what it schedules and cancels can be read back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from stereo_spot_shared import heartbeat as heartbeat_module
from stereo_spot_shared.heartbeat import Heartbeat, _Timer

WAIT = 10.0  # seconds a test waits for something that must happen (never reached when green)


def waiting(timer: _Timer) -> None:
    """Return once the timer's thread waits on its condition (nothing due, or not due yet)."""
    for _ in range(10_000):
        with timer._condition:
            if timer._condition._waiters:  # type: ignore[attr-defined]
                return
        time.sleep(0.001)
    raise AssertionError("the timer thread never waited")


class Calls:
    """Records when, and on which thread, each scheduled function ran."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, float, str, bool]] = []
        self.done = threading.Semaphore(0)

    def function(self, label: str) -> Callable[[], None]:
        def call() -> None:
            thread = threading.current_thread()
            self.ran.append((label, time.monotonic(), thread.name, thread.daemon))
            self.done.release()

        return call

    def wait(self, count: int = 1) -> None:
        for _ in range(count):
            assert self.done.acquire(timeout=WAIT), f"only {self.ran} ran"


@pytest.fixture
def shared_timer(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Timer]:
    """A fresh shared timer for heartbeats, so a test can see what they schedule."""
    timer = _Timer()
    monkeypatch.setattr(heartbeat_module, "_shared_timer", timer)
    yield timer


# --- the shared timer ------------------------------------------------------------------


def test_the_timer_runs_each_function_when_due_never_early_on_one_daemon_thread() -> None:
    timer, calls = _Timer(), Calls()
    scheduled = time.monotonic()
    timer.schedule(0.06, calls.function("later"))
    timer.schedule(0.03, calls.function("sooner"))  # due first: wakes the waiting thread
    calls.wait(2)
    assert [label for label, *_ in calls.ran] == ["sooner", "later"]
    (_, sooner, *_), (_, later, *_) = calls.ran
    assert sooner >= scheduled + 0.03 and later >= scheduled + 0.06, "never before its delay"
    assert {(name, daemon) for *_, name, daemon in calls.ran} == {("heartbeat-timer", True)}


def test_a_cancelled_function_never_runs_and_the_timer_goes_on() -> None:
    timer, calls = _Timer(), Calls()
    inside, release = threading.Event(), threading.Event()

    def blocker() -> None:  # holds the timer's thread while the test schedules and cancels
        inside.set()
        release.wait(WAIT)

    timer.schedule(0, blocker)
    assert inside.wait(WAIT)
    cancelled = timer.schedule(0, calls.function("cancelled"))
    timer.schedule(0.001, calls.function("kept"))
    timer.cancel(cancelled)  # the head of the heap: dropped when the thread reaches it
    release.set()
    calls.wait()
    timer.cancel(cancelled)  # a no-op, as once it has run
    waiting(timer)
    assert [label for label, *_ in calls.ran] == ["kept"]


def test_an_idle_timer_wakes_for_work_scheduled_later() -> None:
    timer, calls = _Timer(), Calls()
    timer.schedule(0, calls.function("first"))
    calls.wait()
    waiting(timer)  # nothing left: the thread sleeps until something is scheduled
    timer.schedule(0, calls.function("second"))
    calls.wait()
    assert [label for label, *_ in calls.ran] == ["first", "second"]


def test_a_failing_function_is_logged_and_the_timer_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    timer, calls = _Timer(), Calls()

    def fail() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="stereo_spot_shared.heartbeat"):
        timer.schedule(0, fail)
        timer.schedule(0.01, calls.function("after"))
        calls.wait()
    records = [r for r in caplog.records if r.name == "stereo_spot_shared.heartbeat"]
    assert [r.getMessage() for r in records] == ["heartbeat timer: a scheduled call failed"]
    assert records[0].exc_info is not None and isinstance(records[0].exc_info[1], RuntimeError)


@contextlib.contextmanager
def busy(timer: _Timer) -> Iterator[None]:
    """Keep the timer's thread inside a call, so it cannot drop cancelled entries meanwhile."""
    inside, release = threading.Event(), threading.Event()

    def blocker() -> None:
        inside.set()
        release.wait(WAIT)

    timer.schedule(0, blocker)
    assert inside.wait(WAIT)
    try:
        yield
    finally:
        release.set()


@pytest.mark.parametrize(("scheduled", "compacted_after"), [(100, 83), (101, 83)])
def test_cancelled_entries_are_dropped_in_bulk_past_64_plus_twice_the_pending(
    scheduled: int, compacted_after: int
) -> None:
    # Cancelled entries wait in the heap until the heap holds more than 64 + 2 x pending.
    timer = _Timer()
    with busy(timer):
        tickets = [timer.schedule(3600, lambda: None) for _ in range(scheduled)]
        for ticket in tickets[: compacted_after - 1]:
            timer.cancel(ticket)
        assert len(timer._due) == scheduled, "not yet: at most 64 + 2 x pending"
        timer.cancel(tickets[compacted_after - 1])
        assert sorted(ticket for _, ticket in timer._due) == tickets[compacted_after:]
        for ticket in tickets[compacted_after:]:
            timer.cancel(ticket)


def test_cancelling_an_unknown_ticket_drops_nothing() -> None:
    timer = _Timer()
    with busy(timer):
        tickets = [timer.schedule(3600, lambda: None) for _ in range(100)]
        for ticket in tickets[:82]:
            timer.cancel(ticket)
        timer.cancel(10**9)
        assert len(timer._due) == 100
        for ticket in tickets[82:]:
            timer.cancel(ticket)


# --- heartbeats on the shared timer ----------------------------------------------------


def test_the_first_beat_comes_after_one_interval_on_a_daemon_thread_of_its_own(
    shared_timer: _Timer,
) -> None:
    beats: list[tuple[float, str, bool]] = []
    beaten = threading.Semaphore(0)

    def beat() -> bool:
        thread = threading.current_thread()
        beats.append((time.monotonic(), thread.name, thread.daemon))
        beaten.release()
        return True

    heartbeat = Heartbeat(beat, 0.02, lifetime=60, margin=1, name="lease-renewal:'j'")
    started = time.monotonic()
    heartbeat.start()
    assert beaten.acquire(timeout=WAIT) and beaten.acquire(timeout=WAIT)
    heartbeat.stop()
    assert beats[0][0] >= started + 0.02 and beats[1][0] >= beats[0][0] + 0.02
    assert {(name, daemon) for _, name, daemon in beats} == {("lease-renewal:'j'", True)}
    assert shared_timer._pending == {}


def test_stop_before_the_first_beat_cancels_it_and_no_beat_ever_runs(
    shared_timer: _Timer,
) -> None:
    beats: list[int] = []

    def beat() -> bool:
        beats.append(1)
        return True

    heartbeat = Heartbeat(beat, 0.02, lifetime=60, margin=1, name="b")
    heartbeat.start()
    assert len(shared_timer._pending) == 1
    heartbeat.stop()
    assert shared_timer._pending == {}, "the first beat is cancelled, not left to run"
    time.sleep(0.05)
    assert beats == [] and heartbeat._thread is None


def test_a_heartbeat_never_started_stops_without_touching_the_timer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heartbeat_module, "_shared_timer", None)
    heartbeat = Heartbeat(lambda: True, 0.02, lifetime=60, margin=1, name="b")
    heartbeat.stop()
    assert heartbeat_module._shared_timer is None and not heartbeat.lost


def test_a_first_beat_due_after_stop_starts_no_thread(shared_timer: _Timer) -> None:
    heartbeat = Heartbeat(lambda: True, 3600, lifetime=60, margin=1, name="b")
    heartbeat.stop()
    heartbeat._first_beat_due()  # the timer's call racing stop(): it must not start a thread
    assert heartbeat._thread is None


def test_after_a_loss_the_heartbeat_stops_by_itself_and_warns_once(
    shared_timer: _Timer, caplog: pytest.LogCaptureFixture
) -> None:
    answers = [True, False]
    beats: list[bool] = []
    lost = threading.Event()

    def beat() -> bool:
        answer = answers.pop(0) if answers else True
        beats.append(answer)
        if not answer:
            lost.set()
        return answer

    heartbeat = Heartbeat(
        beat, 0.005, lifetime=60, margin=1, name="lease-renewal:'j'", context={"owner": "me"}
    )
    heartbeat.confirm(time.monotonic())
    with caplog.at_level(logging.WARNING, logger="stereo_spot_shared.heartbeat"):
        heartbeat.start()
        assert lost.wait(timeout=WAIT)
        thread = heartbeat._thread
        assert thread is not None
        thread.join(timeout=WAIT)
        assert not thread.is_alive(), "no beat after the loss: the thread ended by itself"
        assert heartbeat.lost and heartbeat.lost
        heartbeat.stop()
        assert heartbeat.lost
    assert beats == [True, False]
    records = [r for r in caplog.records if r.name == "stereo_spot_shared.heartbeat"]
    assert [r.getMessage() for r in records] == [
        "lease-renewal:'j' (owner='me'): the claim is lost (another worker may have it); "
        "stop the work"
    ]
    assert records[0].owner == "me" and records[0].heartbeat == "lease-renewal:'j'"  # type: ignore[attr-defined]


def test_a_loss_by_deadline_is_warned_once_whoever_notices(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    heartbeat = Heartbeat(
        lambda: True, 1, lifetime=10, margin=1, clock=lambda: now[0], name="queue-visibility"
    )
    heartbeat.confirm(100.0)
    now[0] = 109.0
    with caplog.at_level(logging.WARNING, logger="stereo_spot_shared.heartbeat"):
        assert heartbeat.lost and heartbeat.lost
        assert heartbeat.beat_once() is False
    assert [r.getMessage() for r in caplog.records] == [
        "queue-visibility: the claim is lost (no renewal was confirmed before its deadline); "
        "stop the work"
    ]


def test_a_heartbeat_that_reports_its_own_losses_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heartbeat = Heartbeat(lambda: False, 1, lifetime=10, margin=1, name="b", report_loss=False)
    with caplog.at_level(logging.DEBUG, logger="stereo_spot_shared.heartbeat"):
        assert heartbeat.beat_once() is False and heartbeat.lost
    assert caplog.records == []


def test_stop_called_from_the_beat_thread_does_not_join_itself(shared_timer: _Timer) -> None:
    stopped = threading.Event()
    heartbeat: Heartbeat

    def beat() -> bool:
        heartbeat.stop()  # e.g. a beat that settles the claim itself
        stopped.set()
        return True

    heartbeat = Heartbeat(beat, 0.005, lifetime=60, margin=1, name="b")
    heartbeat.start()
    assert stopped.wait(timeout=WAIT)
    thread = heartbeat._thread
    assert thread is not None
    thread.join(timeout=WAIT)
    assert not thread.is_alive()


def test_a_failed_renewal_is_one_warning_naming_the_claim_and_the_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def beat() -> bool:
        raise ConnectionError("reset by peer")

    heartbeat = Heartbeat(
        beat, 2.5, lifetime=60, margin=1, name="lease-renewal", context={"key": "j", "owner": "me"}
    )
    with caplog.at_level(logging.WARNING, logger="stereo_spot_shared.heartbeat"):
        assert heartbeat.beat_once() is True, "tried again at the next beat"
    (record,) = [r for r in caplog.records if r.name == "stereo_spot_shared.heartbeat"]
    assert record.getMessage() == (
        "lease-renewal (key='j', owner='me'): renewal failed (ConnectionError: reset by peer); "
        "trying again in 2.5 s"
    )
    extra = {
        name: getattr(record, name, None) for name in ("key", "owner", "heartbeat", "error_type")
    }
    assert extra == {
        "key": "j",
        "owner": "me",
        "heartbeat": "lease-renewal",
        "error_type": "ConnectionError",
    }
    assert not heartbeat.lost and heartbeat.deadline is None, "a failure confirms nothing"


def test_stop_waits_for_a_beat_in_flight(shared_timer: _Timer) -> None:
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def beat() -> bool:
        inside.set()
        release.wait(WAIT)
        order.append("beat answered")
        return True

    heartbeat = Heartbeat(beat, 0.001, lifetime=60, margin=1, name="b")
    heartbeat.start()
    assert inside.wait(WAIT)

    def stop() -> None:
        heartbeat.stop()
        order.append("stopped")

    stopper = threading.Thread(target=stop)
    stopper.start()
    stopper.join(0.2)  # room for a stop() that does not wait to return too early
    release.set()
    stopper.join(WAIT)
    assert order == ["beat answered", "stopped"]


def test_one_shared_timer_is_made_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heartbeat_module, "_shared_timer", None)
    timer = heartbeat_module._timer()
    assert isinstance(timer, _Timer) and heartbeat_module._timer() is timer
    heartbeat_module._forget_timer_after_fork()  # a forked child starts with none
    assert heartbeat_module._shared_timer is None
    assert isinstance(heartbeat_module._timer(), _Timer) and heartbeat_module._timer() is not timer


def test_work_scheduled_while_the_timer_runs_a_call_is_taken_and_run() -> None:
    # The thread is between waits while a due call runs (its lock released): what is
    # scheduled then must be accepted and run, not compared with a stale wake-up time.
    timer, calls = _Timer(), Calls()
    running, release = threading.Event(), threading.Event()

    def blocking() -> None:
        running.set()
        assert release.wait(WAIT)

    timer.schedule(0.01, blocking)  # not due at once: the thread waits for it first
    assert running.wait(WAIT)
    timer.schedule(0, calls.function("scheduled meanwhile"))
    release.set()
    calls.wait()
    assert [label for label, *_ in calls.ran] == ["scheduled meanwhile"]
