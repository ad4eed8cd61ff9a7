"""The walk's runner: the state its steps share, and ``run_steps``, which runs them in order.

Each step is a named function over a ``Walk``; ``run_steps`` numbers them, prints
what each one found, and stops at the first failure, naming it. Everything the
walk creates is recorded on the ``Walk`` so ``clean_up`` can delete exactly that.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from stereo_spot_shared import Adapters, adapters_from_env
from stereo_spot_shared.memory import MemoryURLHandler

from ..._clients import get_client

if TYPE_CHECKING:
    from stereo_spot_shared.generated.adapters import JobsTable, ReassemblyTriggeredTable

QUEUE_POLL_SECONDS = 1


class WalkError(Exception):
    """A step saw something other than what the pipeline promises."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise WalkError(message)


class RequestCounter:
    """Counts every HTTP request the shared boto3 clients send, by service and operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attached: set[int] = set()
        self.by_operation: Counter[tuple[str, str]] = Counter()

    def attach_shared_clients(self) -> None:
        """Hook the process-wide clients the adapters use (call after the environment is set)."""
        for client in (get_client("dynamodb"), get_client("sqs"), get_client("s3")):
            if id(client) not in self._attached:
                self._attached.add(id(client))
                client.meta.events.register("before-send", self._count)

    def _count(self, event_name: str, **kwargs: Any) -> None:
        # "before-send.<service>.<Operation>"; returning None lets the request go out.
        service, _, operation = event_name.removeprefix("before-send.").partition(".")
        with self._lock:
            self.by_operation[service, operation] += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.by_operation.values())

    def by_service(self) -> dict[str, int]:
        with self._lock:
            services: Counter[str] = Counter()
            for (service, _), count in self.by_operation.items():
                services[service] += count
            return dict(sorted(services.items()))

    def count(self, service: str, operation: str) -> int:
        with self._lock:
            return self.by_operation[service, operation]


@dataclass
class Walk:
    """What the steps share: the adapters, what they found, and what they created."""

    out: TextIO
    work_dir: Path
    notification_wait: float
    counter: RequestCounter = field(default_factory=RequestCounter)
    resources: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    adapters_: Adapters | None = None
    # Presigned URLs are fetched like a browser would: HTTP(S), or memory:// in memory.
    opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(MemoryURLHandler())
    )
    environment: dict[str, str] = field(default_factory=dict)
    presigned_requests: int = 0
    job_id: str = field(default_factory=lambda: f"walk-{uuid.uuid4().hex[:12]}")
    source: bytes = b""
    source_key: str = ""
    segment_keys: list[str] = field(default_factory=list)
    output_keys: list[str] = field(default_factory=list)
    final_key: str = ""
    final_path: Path | None = None
    completed_at: int = 0
    winner: ReassemblyTriggeredTable | None = None
    winner_owner: str = ""
    # Recorded as soon as each is created, for clean_up.
    created_objects: list[tuple[str, str]] = field(default_factory=list)
    created_jobs: list[str] = field(default_factory=list)
    created_completions: list[tuple[str, int]] = field(default_factory=list)
    locked_jobs: list[str] = field(default_factory=list)

    def build_adapters(self) -> Adapters:
        """Every adapter, from ``adapters_from_env()`` (``STORAGE_ADAPTER`` picks the backend)."""
        self.adapters_ = adapters_from_env(wait_time_seconds=QUEUE_POLL_SECONDS)
        if self.adapters_.backend == "aws":
            self.counter.attach_shared_clients()
        return self.adapters_

    @property
    def adapters(self) -> Adapters:
        if self.adapters_ is None:
            raise WalkError("the adapters were not built; the setup step did not run")
        return self.adapters_

    def say(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


Step = tuple[str, Callable[[Walk], str]]
"""A step's name and the function that performs it, returning a one-line result."""


def run_steps(walk: Walk, steps: Sequence[Step], *, finally_step: Step | None = None) -> int:
    """Run the steps in order, then ``finally_step`` even after a failure; 0 when all passed."""
    started = time.perf_counter()
    failed: str | None = None
    number = 0
    with walk.resources:
        for number, (name, action) in enumerate(steps, start=1):
            if not _run_one(walk, number, name, action):
                failed = f'step {number} "{name}"'
                break
        if finally_step is not None:
            number += 1
            name, action = finally_step
            if not _run_one(walk, number, name, action) and failed is None:
                failed = f'step {number} "{name}"'
    elapsed = time.perf_counter() - started
    services = ", ".join(
        f"{service} {count}" for service, count in walk.counter.by_service().items()
    )
    walk.say(
        f"\nsummary: {number} steps run in {elapsed:.1f} s{_backend_note(walk)}; "
        f"{walk.counter.total} AWS requests "
        f"({services or 'none'}) + {walk.presigned_requests} presigned-URL HTTP requests\n"
    )
    if failed is not None:
        walk.say(f"FAILED: {failed}\n")
        return 1
    walk.say("all steps passed\n")
    return 0


def _backend_note(walk: Walk) -> str:
    return "" if walk.adapters_ is None else f" on the {walk.adapters_.backend} backend"


def _run_one(walk: Walk, number: int, name: str, action: Callable[[Walk], str]) -> bool:
    walk.say(f"{number:2d}. {name}\n")
    try:
        result = action(walk)
    except Exception as error:  # the runner reports every failure the same way
        walk.say(f'step {number} "{name}" failed: {type(error).__name__}: {error}\n')
        return False
    walk.say(f"    -> {result}\n")
    return True


def job_status(jobs: JobsTable, job_id: str) -> str:
    job = jobs.get(job_id)
    if job is None:
        raise WalkError(f"job {job_id} disappeared")
    return job.status.value


def now() -> int:
    return int(time.time())
