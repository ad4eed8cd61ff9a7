"""A background beat that keeps a claim alive while a ``with`` block runs (cloud-agnostic).

``SQSQueueReceiver.processing`` extends message visibility with it and the
generated locks' ``hold`` renews leases with it. The thread is a daemon and is
always stopped and joined when the block exits (normally, by an exception, or
by ``KeyboardInterrupt``), so a beat never outlives the block; a killed process
simply stops beating and the claim lapses on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Heartbeat", "beat_interval"]


def beat_interval(lifetime_seconds: float) -> float:
    """How often to renew a claim that lapses after ``lifetime_seconds``: three times per lifetime.

    Two beats can fail (a slow request, a throttled call) before the claim lapses.
    """
    return max(lifetime_seconds / 3, 0.05)


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds on a daemon thread until stopped.

    ``beat`` returns ``False`` when the claim is gone for good (another owner
    took it, the receipt handle expired): the heartbeat then sets ``lost`` and
    stops. An exception from ``beat`` (a network error) is not a loss: the next
    beat tries again, and if the claim lapses meanwhile that beat returns
    ``False``.
    """

    def __init__(self, beat: Callable[[], bool], interval: float, *, name: str) -> None:
        self._beat = beat
        self._interval = interval
        self._stopped = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and wait for an in-flight beat to finish."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                alive = self._beat()
            except Exception:  # a failed beat is retried at the next interval
                continue
            if not alive:
                self._lost.set()
                return
