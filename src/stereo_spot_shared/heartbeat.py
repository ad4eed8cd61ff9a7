"""A background beat that keeps a claim alive while a ``with`` block runs (cloud-agnostic).

``SQSQueueReceiver.processing`` extends message visibility with it and the
generated locks' ``hold`` renews leases with it.

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

import logging
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
        self._context = dict(context or {})
        self._report_loss = report_loss
        described = ", ".join(f"{key}={value!r}" for key, value in self._context.items())
        self._described = f" ({described})" if described else ""
        self._deadline: float | None = None  # until the first confirm: no deadline yet
        self._state = threading.Lock()
        self._stopped = threading.Event()
        self._lost = threading.Event()
        self._reported = False
        self._why = ""
        self._frozen: bool | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

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
                if not self._lost.is_set():
                    self._why = "another worker may have it"
                self._lost.set()
            self._report()
            return False
        self.confirm(sent_at)
        return True

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop beating, wait for an in-flight beat to finish, and fix ``lost`` from now on."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        self._frozen = self.lost

    def _expired(self) -> bool:
        """Lost by answer or by deadline; called with ``_state`` held. Once lost, always lost."""
        deadline = self._deadline
        lapsed = deadline is not None and self._clock() >= deadline - self._margin
        if lapsed and not self._lost.is_set():
            self._why = "no renewal was confirmed before its deadline"
            self._lost.set()
        return self._lost.is_set()

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

    def _run(self) -> None:
        while not self._stopped.wait(self.next_wait()):
            if not self.beat_once():
                return
