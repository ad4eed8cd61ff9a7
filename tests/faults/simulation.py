"""Seeded schedules of simulated workers racing for leases on the in-memory backend.

One ``Simulation`` is one schedule: a few workers share one in-memory backend
and one fake time; each has its own lock object (its own owner id) and its own
wall clock, ``skew`` seconds off. A seeded random generator picks, step by
step, who acts and how: enter a ``hold`` block, renew (``lease.beat()``),
check ``lease.lost``, send a fenced write, leave the block, or suffer a fault
-- a pause longer than the lease (then, resumed, it writes before it checks:
a zombie), a crash mid-hold, or an endpoint that stays silent to it for three
leases. Every step goes to a ``history.Event`` log, which ``history.check``
judges. No thread runs: ``HeldLease(background=False)`` renews only when told.
"""

from __future__ import annotations

import contextlib
import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from stereo_spot_shared import LeaseLostError
from stereo_spot_shared.generated.memory_backend import build_adapters
from stereo_spot_shared.leases import HeldLease, LeaseTiming
from tests.faults.history import Event

WALL_START = 1_800_000_000
LEASE = 30
MARGIN = 3
TOLERANCE = 20
FAULTS = ("pause", "crash", "silent", "skew_inside", "skew_outside", "none")


class UnreachableError(ConnectionError):
    """The endpoint does not answer this worker (its requests time out)."""


@dataclass
class Worker:
    name: str
    lock: object
    skew: float
    lease: HeldLease[str] | None = None
    key: str = ""
    paused_until: float = -1.0
    silent_until: float = -1.0
    crashed: bool = False
    zombie: bool = False  # resumed from a pause: writes before it checks


@dataclass
class Simulation:
    seed: int
    fault: str
    steps: int = 300
    now: float = 0.0
    events: list[Event] = field(default_factory=list)
    writes_accepted: int = 0
    writes_refused: int = 0
    takeovers: int = 0

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.adapters = build_adapters()
        self.adapters.reassembly_triggered.state.clock = lambda: WALL_START + self.now
        self.jobs_done = 0
        self.key = self._new_job()
        skews = self._skews()
        self.workers = [self._worker(f"w{i}", skew) for i, skew in enumerate(skews)]

    @property
    def skew_tolerated(self) -> bool:
        skews = [worker.skew for worker in self.workers]
        return max(skews) - min(skews) <= TOLERANCE

    def _skews(self) -> list[float]:
        count = self.random.randint(2, 4)
        if self.fault == "skew_inside":
            return [self.random.uniform(0, TOLERANCE) for _ in range(count)]
        if self.fault == "skew_outside":
            return [
                self.random.uniform(0, TOLERANCE),
                *(
                    self.random.uniform(TOLERANCE + LEASE, 3 * LEASE) * self.random.choice((-1, 1))
                    for _ in range(count - 1)
                ),
            ]
        return [0.0] * count

    def _worker(self, name: str, skew: float) -> Worker:
        lock = copy.copy(self.adapters.reassembly_triggered)
        lock.owner_id = name
        lock.lease_timing = LeaseTiming(MARGIN, TOLERANCE)
        lock.clock = lambda: int(WALL_START + self.now + skew)
        worker = Worker(name, lock, skew)
        for method in ("acquire_token", "renew_token", "complete", "release"):
            setattr(lock, method, self._reachable(worker, getattr(lock, method)))
        return worker

    def _reachable(self, worker: Worker, method: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            if self.now < worker.silent_until:
                raise UnreachableError(f"{worker.name}: no answer")
            return method(*args, **kwargs)

        return call

    def _new_job(self) -> str:
        key = f"job-{self.jobs_done}"
        self.adapters.jobs.put(_job(key))
        assert self.adapters.reassembly_triggered.try_trigger(key)
        return key

    def log(
        self, worker: Worker, kind: str, token: int | None = None, sent: float | None = None
    ) -> None:
        owner = worker.lease.owner if worker.lease is not None else worker.name
        self.events.append(Event(self.now, owner, kind, worker.key, token, sent))

    def run(self) -> list[Event]:
        for _ in range(self.steps):
            self.now += self.random.uniform(0, LEASE / 5)
            worker = self.random.choice(self.workers)
            if worker.crashed or self.now < worker.paused_until:
                continue
            self._act(worker)
        return self.events

    def _act(self, worker: Worker) -> None:
        if worker.lease is None:
            self._enter(worker)
            return
        lease = worker.lease
        if worker.zombie:
            worker.zombie = False
            self._write(worker)  # a resumed holder writes before it looks
            return
        roll = self.random.random()
        if roll < 0.04:
            self._fault(worker)
        elif roll < 0.45:
            with contextlib.suppress(UnreachableError):
                lease.beat()
        elif roll < 0.7:
            if lease.lost:
                self.log(worker, "lost")
                self._leave(worker, failed=True)
            else:
                self.log(worker, "held", lease.token)
        elif roll < 0.9:
            self._write(worker)
        else:
            self._leave(worker, failed=self.random.random() < 0.3)

    def _fault(self, worker: Worker) -> None:
        if self.fault == "pause":
            worker.paused_until = self.now + self.random.uniform(1.2, 3) * LEASE
            worker.zombie = True
        elif self.fault == "crash":
            worker.crashed = True
        elif self.fault == "silent":
            worker.silent_until = self.now + 3 * LEASE

    def _enter(self, worker: Worker) -> None:
        worker.key = self.key
        lease = HeldLease(
            worker.lock,  # type: ignore[arg-type]
            worker.key,
            lease_seconds=LEASE,
            owner=worker.name,
            clock=lambda: self.now,
            background=False,
        )
        try:
            lease.__enter__()
        except UnreachableError:
            return
        if lease.acquired:
            worker.lease = lease
            if lease.token and lease.token > 1:
                self.takeovers += 1
            self.log(worker, "acquired", lease.token)

    def _write(self, worker: Worker) -> None:
        assert worker.lease is not None
        sent, token = self.now, worker.lease.token
        try:
            if self.now < worker.silent_until:
                raise UnreachableError(worker.name)
            self.adapters.jobs.update(
                worker.key, failure_reason=f"{worker.name}", fence=worker.lease
            )
        except LeaseLostError:
            self.writes_refused += 1
            self.log(worker, "write_refused", token, sent)
        except UnreachableError:
            pass
        else:
            self.writes_accepted += 1
            self.log(worker, "write_ok", token, sent)

    def _leave(self, worker: Worker, *, failed: bool) -> None:
        assert worker.lease is not None
        lease = worker.lease
        try:
            if failed:
                lease.__exit__(RuntimeError, RuntimeError("failed"), None)
            else:
                lease.__exit__(None, None, None)
        except UnreachableError:
            pass
        if lease.completed and worker.key == self.key:
            self.log(worker, "completed", lease.token)
            self.jobs_done += 1
            self.key = self._new_job()
        worker.lease = None


def _job(job_id: str) -> object:
    from stereo_spot_shared.models import Job

    return Job(job_id=job_id, mode="anaglyph", status="created", created_at=WALL_START)
