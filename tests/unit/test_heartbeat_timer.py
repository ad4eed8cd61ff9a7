"""The shared heartbeat timer: first beats are scheduled and cancelled without waking it.

Nearly every ``processing()`` / ``hold()`` block ends long before its first
beat: the block schedules the beat on the shared timer and cancels it on exit.
Waking the timer's thread for that costs a thread switch, more than the rest
of the block; the thread is woken only for a beat due before the one it
already waits for.
"""

from __future__ import annotations

import threading
import time

from stereo_spot_shared.heartbeat import _Timer


def _noop() -> None:
    pass


def _counting_notifies(timer: _Timer) -> list[int]:
    calls = [0]
    notify = timer._condition.notify

    def counted(n: int = 1) -> None:
        calls[0] += 1
        notify(n)

    timer._condition.notify = counted  # type: ignore[method-assign]
    return calls


def test_blocks_that_end_before_their_first_beat_never_wake_the_timer() -> None:
    timer = _Timer()
    notifies = _counting_notifies(timer)
    for _ in range(40):
        # The block ends before the timer's thread gets to look at its beat, then it does.
        timer.cancel(timer.schedule(300, _noop))
        time.sleep(0.002)
    assert notifies[0] == 0


def test_a_beat_due_sooner_than_the_one_waited_for_wakes_the_timer_and_runs() -> None:
    timer = _Timer()
    timer.cancel(timer.schedule(300, _noop))
    time.sleep(0.01)
    ran = threading.Event()
    notifies = _counting_notifies(timer)
    timer.schedule(0.01, ran.set)
    assert ran.wait(timeout=30)
    assert notifies[0] == 1
