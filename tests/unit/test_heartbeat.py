"""``heartbeat``: beats on a fake claim at millisecond intervals (no AWS, no moto).

Waits are for a beat to happen, bounded by ``WAIT`` seconds; nothing asserts a duration.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest

from stereo_spot_shared.heartbeat import Heartbeat, beat_interval

WAIT = 10  # seconds: an upper bound on waiting for a beat, never a timing assertion
FAST = 0.001


class Claim:
    """A fake claim: ``beat`` answers from a script, then ``True`` for ever; calls are counted."""

    def __init__(self, *outcomes: bool | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0
        self.beaten = threading.Condition()

    def beat(self) -> bool:
        with self.beaten:
            self.calls += 1
            self.beaten.notify_all()
        outcome = self.outcomes.pop(0) if self.outcomes else True
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def wait_for(self, calls: int) -> None:
        with self.beaten:
            assert self.beaten.wait_for(lambda: self.calls >= calls, timeout=WAIT)


def heartbeat_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "stereo_spot_shared.heartbeat"]


@pytest.mark.parametrize(
    ("lifetime", "interval"),
    [(30, 10.0), (3, 1.0), (0.3, 0.1), (0.15, 0.05), (0.12, 0.05), (0, 0.05)],
)
def test_a_claim_is_renewed_three_times_per_lifetime_and_never_faster_than_every_50_ms(
    lifetime: float, interval: float
) -> None:
    assert beat_interval(lifetime) == pytest.approx(interval)


def test_it_beats_on_a_named_daemon_thread_until_stopped() -> None:
    claim = Claim()
    heartbeat = Heartbeat(claim.beat, FAST, name="beat:test")
    assert not heartbeat.lost
    heartbeat.start()
    claim.wait_for(3)
    (thread,) = [t for t in threading.enumerate() if t.name == "beat:test"]
    assert thread.daemon
    heartbeat.stop()
    assert not thread.is_alive()  # stop() joins the thread: no beat after it returns
    after_stop = claim.calls
    assert not heartbeat.lost
    assert not [t for t in threading.enumerate() if t.name == "beat:test"]
    assert claim.calls == after_stop


def test_no_beat_before_the_first_interval() -> None:
    claim = Claim()
    heartbeat = Heartbeat(claim.beat, 3600, name="beat:slow")
    heartbeat.start()
    heartbeat.stop()  # wakes the waiting thread at once, which then does not beat
    assert claim.calls == 0


def test_stop_before_start_and_stop_twice_do_nothing() -> None:
    heartbeat = Heartbeat(Claim().beat, FAST, name="beat:idle")
    heartbeat.stop()
    heartbeat.stop()
    assert not heartbeat.lost


def test_a_loss_stops_the_beat_by_itself_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    claim = Claim(True, False)
    heartbeat = Heartbeat(
        claim.beat, FAST, name="lease-renewal:'j'", context={"lease_key": "j", "owner": "me"}
    )
    heartbeat.start()
    claim.wait_for(2)
    (thread,) = [t for t in threading.enumerate() if t.name == "lease-renewal:'j'"] or [None]
    if thread is not None:
        thread.join(WAIT)  # it ends by itself: nobody called stop()
        assert not thread.is_alive()
    assert heartbeat.lost
    assert claim.calls == 2  # no beat after the loss
    heartbeat.stop()
    (record,) = heartbeat_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "lease-renewal:'j' (lease_key='j', owner='me'): "
        "the claim is lost; stop the work, another worker may have it"
    )
    assert record.heartbeat == "lease-renewal:'j'"  # type: ignore[attr-defined]
    assert (record.lease_key, record.owner) == ("j", "me")  # type: ignore[attr-defined]


def test_a_beat_that_reports_its_own_loss_is_not_reported_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    claim = Claim(False)
    heartbeat = Heartbeat(claim.beat, FAST, name="queue-visibility", report_loss=False)
    heartbeat.start()
    claim.wait_for(1)
    _wait_until(lambda: heartbeat.lost)
    heartbeat.stop()
    assert heartbeat.lost and claim.calls == 1
    assert heartbeat_records(caplog) == []


def test_a_failed_beat_is_a_warning_and_the_next_beat_tries_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    claim = Claim(ConnectionError("reset by peer"), True)
    heartbeat = Heartbeat(claim.beat, 0.04, name="beat:flaky", context={"table_name": "t"})
    heartbeat.start()
    claim.wait_for(3)
    heartbeat.stop()
    assert not heartbeat.lost
    (record,) = heartbeat_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "beat:flaky (table_name='t'): renewal failed (ConnectionError: reset by peer); "
        "trying again in 0.0 s"
    )
    assert record.heartbeat == "beat:flaky"  # type: ignore[attr-defined]
    assert record.error_type == "ConnectionError"  # type: ignore[attr-defined]
    assert record.table_name == "t"  # type: ignore[attr-defined]


def test_without_context_the_warning_names_only_the_heartbeat(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="stereo_spot_shared")
    claim = Claim(RuntimeError("x"), False)
    heartbeat = Heartbeat(claim.beat, 0.25, name="beat:bare")
    heartbeat.start()
    claim.wait_for(2)
    _wait_until(lambda: heartbeat.lost)
    heartbeat.stop()
    assert [r.getMessage() for r in heartbeat_records(caplog)] == [
        "beat:bare: renewal failed (RuntimeError: x); trying again in 0.2 s",
        "beat:bare: the claim is lost; stop the work, another worker may have it",
    ]


def test_the_beat_may_stop_its_own_heartbeat() -> None:
    stopped = threading.Event()
    heartbeat: Heartbeat

    def beat() -> bool:
        heartbeat.stop()  # from the beat's own thread: must not join itself
        stopped.set()
        return True

    heartbeat = Heartbeat(beat, FAST, name="beat:self-stop")
    heartbeat.start()
    assert stopped.wait(WAIT)
    _wait_until(lambda: not [t for t in threading.enumerate() if t.name == "beat:self-stop"])
    heartbeat.stop()
    assert not heartbeat.lost


def _wait_until(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(WAIT * 1000):
        if condition():
            return
        done.wait(0.001)
    raise AssertionError("the condition never held")
