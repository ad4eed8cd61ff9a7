"""A background beat that keeps a claim alive while a ``with`` block runs (cloud-agnostic).

``SQSQueueReceiver.processing`` extends message visibility with it and the
generated locks' ``hold`` renews leases with it. The thread is a daemon and is
always stopped and joined when the block exits (normally, by an exception, or
by ``KeyboardInterrupt``), so a beat never outlives the block; a killed process
simply stops beating and the claim lapses on its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

__all__ = ["Heartbeat", "beat_interval"]

logger = logging.getLogger(__name__)


def beat_interval(lifetime_seconds: float) -> float:
    """How often to renew a claim that lapses after ``lifetime_seconds``: three times per lifetime.

    Two beats can fail (a slow request, a throttled call) before the claim lapses.
    """
    return max(lifetime_seconds / 3, 0.05)


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds on a daemon thread until stopped.

    ``beat`` returns ``False`` when the claim is gone for good (another owner
    took it, the receipt handle expired): the heartbeat then logs one WARNING
    (unless ``report_loss`` is ``False``: a ``beat`` that logs each loss itself,
    naming what was lost), sets ``lost`` and stops. An exception from ``beat`` (a network error) is not
    a loss: the next beat tries again, and if the claim lapses meanwhile that
    beat returns ``False``. ``context`` (what the claim is on, e.g. a lease's
    ``table_name``, ``lease_key`` and ``owner``) goes into both WARNINGs, in the
    message and as ``extra`` fields.
    """

    def __init__(
        self,
        beat: Callable[[], bool],
        interval: float,
        *,
        name: str,
        context: Mapping[str, object] | None = None,
        report_loss: bool = True,
    ) -> None:
        self._beat = beat
        self._interval = interval
        self._name = name
        self._context = dict(context or {})
        self._report_loss = report_loss
        described = ", ".join(f"{key}={value!r}" for key, value in self._context.items())
        self._described = f" ({described})" if described else ""
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
            except Exception as error:  # a failed beat is retried at the next interval
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
                continue
            if not alive:
                if self._report_loss:
                    logger.warning(
                        "%s%s: the claim is lost; stop the work, another worker may have it",
                        self._name,
                        self._described,
                        extra={**self._context, "heartbeat": self._name},
                    )
                self._lost.set()
                return
