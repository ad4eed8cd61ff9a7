"""A background beat that keeps a claim alive while a ``with`` block runs (cloud-agnostic).

``SQSQueueReceiver.processing`` extends message visibility with it and the
generated locks' ``hold`` renews leases with it. A heartbeat costs nothing
until its first beat is due: one shared timer thread per process waits for
every heartbeat's first beat, and only a heartbeat whose beat comes due gets a
thread of its own (so a slow renewal never delays another claim's). Most blocks
end long before that, so a worker loop starts no thread per message.

A claim is lost by **deadline**, not only by an answer that says so. The
heartbeat keeps the claim's deadline on a monotonic clock: each confirmed
beat moves it to the moment that beat's request was *sent* plus the claim's
lifetime. ``lost`` turns ``True`` once the deadline less a safety ``margin``
has passed without a newer confirmation -- whatever the endpoint is doing
(silent, slow, or the process was paused). A confirmation that arrives after
that point does not bring the claim back: the block may already have stopped.

The thread is a daemon and is always stopped and joined when the block exits
(normally, by an exception, or by ``KeyboardInterrupt``), so a beat never
outlives the block; a killed process simply stops beating and the claim lapses
on its own.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping

__all__ = ["Heartbeat", "beat_interval"]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
"""Seconds on a monotonic clock (``time.monotonic``); tests pass a fake one."""


def beat_interval(lifetime_seconds: float) -> float:
    """How often to renew a claim that lapses after ``lifetime_seconds``: three times per lifetime.

    Two beats can fail (a slow request, a throttled call) before the claim lapses.
    """
    return max(lifetime_seconds / 3, 0.001)


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds on a daemon thread until stopped.

    ``beat`` returns ``True`` when the claim was extended by ``lifetime``
    seconds, and ``False`` when it is gone for good (another owner took it, the
    receipt handle expired): the heartbeat then logs one WARNING (unless
    ``report_loss`` is ``False``: a ``beat`` that logs each loss itself, naming
    what was lost), sets ``lost`` and stops. An exception from ``beat`` (a
    network error) is not a loss by itself: the next beat tries again -- but
    the deadline keeps running, and when it passes the claim is lost.

    ``confirm(sent_at)`` records a confirmation whose request was sent at
    ``sent_at`` (the acquire that started the claim, before ``start``).
    ``context`` (what the claim is on, e.g. a lease's ``table_name``,
    ``lease_key`` and ``owner``) goes into the WARNINGs, in the message and as
    ``extra`` fields.
    """

    def __init__(
        self,
        beat: Callable[[], bool],
        interval: float,
        *,
        lifetime: float,
        margin: float,
        clock: Clock = time.monotonic,
        name: str,
        context: Mapping[str, object] | None = None,
        report_loss: bool = True,
    ) -> None:
        self._beat = beat
        self._interval = interval
        self._lifetime = lifetime
        self._margin = margin
        self._clock = clock
        self._name = name
        self._context = dict(context) if context else {}
        self._report_loss = report_loss
        self._deadline: float | None = None  # until the first confirm: no deadline yet
        # Plain flags and no Event until a thread starts: most heartbeats never beat,
        # and every block builds one (two Events cost more than the rest of it).
        self._state = threading.Lock()  # guards _deadline, _lost, _reported
        self._stopped = False
        self._wake: threading.Event | None = None  # the thread's stop signal, made with it
        self._lost = False
        self._reported = False
        self._why = ""
        self._frozen: bool | None = None
        self._thread: threading.Thread | None = None  # made when the first beat is due
        self._starting = threading.Lock()  # the timer starting the thread vs. stop()
        self._first_beat: int | None = None

    @property
    def _described(self) -> str:
        """`` (key='value', ...)`` of ``context`` for a WARNING (built only when one is logged)."""
        described = ", ".join(f"{key}={value!r}" for key, value in self._context.items())
        return f" ({described})" if described else ""

    @property
    def deadline(self) -> float | None:
        """When the claim lapses, on ``clock`` (``None`` before the first confirmation).

        ``lost`` turns ``True`` ``margin`` seconds earlier.
        """
        return self._deadline

    @property
    def lost(self) -> bool:
        """The claim is gone: refused by the endpoint, or its deadline less the margin has passed."""
        if self._frozen is not None:
            return self._frozen
        with self._state:
            lost = self._expired()
        if lost:
            self._report()  # once, whoever notices first: this reader or the beat
        return lost

    def confirm(self, sent_at: float) -> None:
        """A request sent at ``sent_at`` extended the claim by ``lifetime`` seconds.

        Ignored once the claim is lost: a late answer never brings it back.
        """
        with self._state:
            if self._deadline is None:
                self._deadline = sent_at + self._lifetime
            elif not self._expired():
                self._deadline = max(self._deadline, sent_at + self._lifetime)

    def beat_once(self) -> bool:
        """One beat, on the caller's thread; ``False`` when the claim is lost (stop beating)."""
        if self.lost:
            return False
        sent_at = self._clock()
        try:
            alive = self._beat()
        except Exception as error:  # retried at the next beat, while the deadline allows
            logger.warning(
                "%s%s: renewal failed (%s: %s); trying again in %.1f s",
                self._name,
                self._described,
                type(error).__name__,
                error,
                self._interval,
                extra={
                    **self._context,
                    "heartbeat": self._name,
                    "error_type": type(error).__name__,
                },
            )
            return True
        if not alive:
            with self._state:
                if not self._lost:
                    self._why = "another worker may have it"
                self._lost = True
            self._report()
            return False
        self.confirm(sent_at)
        return True

    def start(self) -> None:
        """Beat from now on; the thread starts when the first beat is due (``next_wait``)."""
        self._first_beat = _timer().schedule(self.next_wait(), self._first_beat_due)

    def stop(self) -> None:
        """Stop beating, wait for an in-flight beat to finish, and fix ``lost`` from now on."""
        with self._starting:  # the timer may be starting the thread right now
            self._stopped = True
            thread, wake = self._thread, self._wake
        if wake is not None:
            wake.set()
        if self._first_beat is not None:
            _timer().cancel(self._first_beat)
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._frozen = self.lost

    def _first_beat_due(self) -> None:
        with self._starting:
            if not self._stopped:
                self._wake = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._wake,), name=self._name, daemon=True
                )
                self._thread.start()

    def _expired(self) -> bool:
        """Lost by answer or by deadline; called with ``_state`` held. Once lost, always lost."""
        deadline = self._deadline
        lapsed = deadline is not None and self._clock() >= deadline - self._margin
        if lapsed and not self._lost:
            self._why = "no renewal was confirmed before its deadline"
            self._lost = True
        return self._lost

    def _report(self) -> None:
        with self._state:
            if self._reported:
                return
            self._reported = True
        why = self._why
        if self._report_loss:
            logger.warning(
                "%s%s: the claim is lost (%s); stop the work",
                self._name,
                self._described,
                why,
                extra={**self._context, "heartbeat": self._name},
            )

    def next_wait(self) -> float:
        """Seconds until the next beat: ``interval``, or sooner when the deadline is nearer.

        A claim that began long before ``start`` (a message received during a
        long poll) is renewed while half the time to its deadline remains.
        """
        if self._deadline is None:
            return self._interval
        remaining = self._deadline - self._margin - self._clock()
        return max(min(self._interval, remaining / 2), 0.001)

    def _run(self, wake: threading.Event) -> None:
        # Started when the first beat is due: beat, then wait for the next one (or stop).
        while not self._stopped and self.beat_once():
            if wake.wait(self.next_wait()):
                return


class _Timer:
    """One daemon thread calling each scheduled function when it is due (a process's first beats).

    Scheduling and cancelling cost a lock and a heap entry, never a thread. A
    due function runs on the timer's thread, so it must return quickly:
    heartbeats only start their own thread there.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._due: list[tuple[float, int]] = []  # (monotonic time, ticket), a heap
        self._pending: dict[int, Callable[[], None]] = {}
        self._tickets = itertools.count()
        self._thread: threading.Thread | None = None
        # When the thread's wait ends (inf: until notified); None while it is not waiting.
        self._wakes_at: float | None = None

    def schedule(self, delay: float, function: Callable[[], None]) -> int:
        """Call ``function`` on the timer's thread in ``delay`` seconds; returns a ticket."""
        with self._condition:
            ticket = next(self._tickets)
            due = time.monotonic() + delay
            heapq.heappush(self._due, (due, ticket))
            self._pending[ticket] = function
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="heartbeat-timer", daemon=True
                )
                self._thread.start()
            elif self._wakes_at is not None and due < self._wakes_at:
                # Sooner than what the thread waits for. Otherwise it is not woken: a
                # thread switch costs more than a whole block that ends before its beat.
                self._condition.notify()
            return ticket

    def cancel(self, ticket: int) -> None:
        """Forget ``ticket`` if it has not run (a no-op once it has)."""
        with self._condition:
            if self._pending.pop(ticket, None) is not None and len(self._due) > 64 + 2 * len(
                self._pending
            ):
                # Cancelled entries stay in the heap until due; drop them in bulk.
                self._due = [entry for entry in self._due if entry[1] in self._pending]
                heapq.heapify(self._due)

    def _run(self) -> None:
        # A cancelled entry is dropped when it comes due, not before: waiting for it
        # keeps the thread asleep while later beats are scheduled and cancelled.
        with self._condition:
            while True:
                if not self._due:
                    self._wait(math.inf)
                    continue
                when, ticket = self._due[0]
                if when > time.monotonic():
                    self._wait(when)
                    continue
                heapq.heappop(self._due)
                function = self._pending.pop(ticket, None)
                if function is None:
                    continue  # cancelled
                self._condition.release()
                try:
                    function()
                except Exception:
                    logger.exception("heartbeat timer: a scheduled call failed")
                finally:
                    self._condition.acquire()

    def _wait(self, until: float) -> None:
        """Wait (``_condition`` held) until ``until`` on the monotonic clock, or a notify."""
        self._wakes_at = until
        try:
            self._condition.wait(None if until == math.inf else until - time.monotonic())
        finally:
            self._wakes_at = None


_shared_timer: _Timer | None = None
_shared_timer_lock = threading.Lock()


def _timer() -> _Timer:
    global _shared_timer
    if _shared_timer is None:
        with _shared_timer_lock:
            if _shared_timer is None:
                _shared_timer = _Timer()
    return _shared_timer


def _forget_timer_after_fork() -> None:
    # The timer's thread does not exist in a forked child; the next start() makes a new one.
    global _shared_timer, _shared_timer_lock
    _shared_timer = None
    _shared_timer_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_timer_after_fork)
