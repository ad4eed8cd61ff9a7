"""Row 7: what a worker pays for ``processing()`` and ``hold()`` against a hand-written loop.

The same loop two ways: ours receives a message and works on it inside
``with receiver.processing(message):`` (deleted on success, kept hidden by a
heartbeat while the block runs), optionally with ``with lock.hold(key):``
around the work; the hand-written loop calls ``receive``, does the work and
calls ``delete`` (with ``try_acquire`` / ``complete`` for the lease). Run on
the canned-response stub of row 2 (the client's own CPU) and on the memory
backend (the library's own CPU, no HTTP at all).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from itertools import count

from benchmarks._dynamo_stub import CANNED_MESSAGE_BODY
from benchmarks._harness import (
    Comparison,
    RowResult,
    Sizes,
    Stat,
    at_most,
    interleaved,
    paired_ratio,
    profile_note,
)
from benchmarks._samples import JOB_ID
from benchmarks.client_overhead import dynamo_stub
from stereo_spot_aws_adapters import ReassemblyTriggeredLock, SQSQueueReceiver
from stereo_spot_shared import adapters_from_env
from stereo_spot_shared.generated.adapters import ReassemblyTriggeredTable
from stereo_spot_shared.interfaces import QueueMessage, QueueReceiverWithProcessing

ROW = 7
LIMIT = 1.05
VISIBILITY_TIMEOUT = 900
"""The chunking queue's (the schema's): the first beat is 300 s away, as in production."""
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/stereo-spot-chunking"
WARMUP = 50
MEMORY_MISS_NOTE = (
    "Row 7 on the memory backend: the hand-written step is a few dictionary operations under "
    "one lock (receive, delete: about 10 µs), so 5% of it is half a microsecond, less than "
    "entering and leaving any `with` block that owns an object. `processing()` adds, per "
    "message, the `MessageWork` object, a `Heartbeat` (plain flags and one lock; an `Event` "
    "only once a beat is due) whose first beat is scheduled on and cancelled from the shared "
    "timer without waking its thread, and the settling `delete`; `hold()` adds a `HeldLease` "
    "(a fresh holder id) with a heartbeat of its own; with OpenTelemetry installed, one check "
    "whether a tracer provider is set. The profile below spreads that over a dozen small "
    "functions, none dominant. On the AWS adapters the same overhead is about 1% of a request."
)
BATCH = 10


def handle(message: QueueMessage) -> int:
    """The worker's own work: the same on both sides, and small, so the loop's cost shows."""
    payload = json.loads(message.body)
    return int(payload.get("segment_index", 0))


class _Loops:
    """The four loops over one receiver and one lock; ``keys`` hands out lease keys."""

    def __init__(
        self,
        receiver: QueueReceiverWithProcessing,
        lock: ReassemblyTriggeredTable,
        keys: Callable[[], str],
    ) -> None:
        self.receiver = receiver
        self.lock = lock
        self.keys = keys
        self.peak_threads = {"ours": 0, "hand": 0}

    def _next(self) -> QueueMessage:
        (message,) = self.receiver.receive()
        return message

    def ours(self) -> None:
        message = self._next()
        with self.receiver.processing(message):
            handle(message)
            self._count("ours")

    def hand(self) -> None:
        message = self._next()
        handle(message)
        self._count("hand")
        self.receiver.delete(message.receipt_handle)

    def ours_hold(self) -> None:
        message = self._next()
        with (
            self.receiver.processing(message),
            self.lock.hold(self.keys()) as lease,
        ):
            assert lease.acquired
            handle(message)
            self._count("ours")

    def hand_hold(self) -> None:
        message = self._next()
        key = self.keys()
        assert self.lock.try_acquire(key)
        handle(message)
        self._count("hand")
        self.lock.complete(key)
        self.receiver.delete(message.receipt_handle)

    def _count(self, side: str) -> None:
        self.peak_threads[side] = max(self.peak_threads[side], threading.active_count())


def _cpu_us_per_message(
    step: Callable[[], None], messages: int, prepare: Callable[[int], None] | None = None
) -> Callable[[], float]:
    """CPU of the whole process (heartbeat threads included) per message.

    ``prepare(n)`` (untimed) fills the queue with ``n`` messages and creates
    their lease items, ``BATCH`` at a time: the memory queue stays as short as
    a busy worker's, so the loop's cost is not hidden behind a long queue's.
    """

    def measure() -> float:
        spent = 0.0
        for first in range(0, messages, BATCH):
            batch = min(BATCH, messages - first)
            if prepare is not None:
                prepare(batch)
            start = time.process_time()
            for _ in range(batch):
                step()
            spent += time.process_time() - start
        return spent / messages * 1e6

    return measure


def _stub_loops(endpoint: str) -> _Loops:
    receiver = SQSQueueReceiver(
        QUEUE_URL,
        endpoint_url=endpoint,
        wait_time_seconds=0,
        visibility_timeout_seconds=VISIBILITY_TIMEOUT,
    )
    lock = ReassemblyTriggeredLock("reassembly_triggered", endpoint_url=endpoint)
    return _Loops(receiver, lock, lambda: JOB_ID)  # the stub grants every conditional update


def _memory_loops() -> tuple[_Loops, Callable[[int], None]]:
    adapters = adapters_from_env(backend="memory", wait_time_seconds=0)
    serial = count()
    pending: list[str] = []

    def prepare(messages: int) -> None:
        for _ in range(messages):
            adapters.chunking_sender.send(CANNED_MESSAGE_BODY)
            key = f"job-{next(serial)}"
            adapters.reassembly_triggered.try_trigger(key)  # a lease needs its item
            pending.append(key)

    loops = _Loops(adapters.chunking_receiver, adapters.reassembly_triggered, pending.pop)
    return loops, prepare


def _measure(loops: _Loops, sizes: Sizes, prepare: Callable[[int], None] | None) -> dict[str, Stat]:
    steps = {
        "ours": loops.ours,
        "hand": loops.hand,
        "ours hold": loops.ours_hold,
        "hand hold": loops.hand_hold,
    }
    for step in steps.values():
        _cpu_us_per_message(step, WARMUP, prepare)()
    return interleaved(
        {
            name: _cpu_us_per_message(step, sizes.worker_messages, prepare)
            for name, step in steps.items()
        },
        sizes.worker_rounds,
    )


def _profiles(
    where: str,
    loops: _Loops,
    prepare: Callable[[int], None] | None,
    missed: list[tuple[str, str, str]],
    calls: int,
) -> list[str]:
    """A profile note per missed comparison: ours vs the hand-written step, same preparation."""

    def prepared(step: Callable[[], None]) -> Callable[[], None]:
        def call() -> None:
            if prepare is not None:
                prepare(1)  # in both profiles alike
            step()

        return call

    return [
        profile_note(
            f"Row 7 missed on the {where} ({label}): where ours spends more",
            prepared(getattr(loops, ours)),
            prepared(getattr(loops, hand)),
            calls,
        )
        for label, ours, hand in missed
    ]


def run(sizes: Sizes) -> RowResult:
    profiles: list[str] = []
    with dynamo_stub(1) as endpoint:
        stub = _stub_loops(endpoint)
        on_stub = _measure(stub, sizes, None)
        profiles += _profiles("stub", stub, None, _missed(on_stub), sizes.worker_messages)
    memory, prepare = _memory_loops()
    on_memory = _measure(memory, sizes, prepare)
    missed_on_memory = _missed(on_memory)
    if missed_on_memory:
        profiles.append(MEMORY_MISS_NOTE)
    profiles += _profiles(
        "memory backend", memory, prepare, missed_on_memory, sizes.worker_messages
    )
    comparisons: list[Comparison] = []
    for backend, loops, stats in (
        ("canned-response stub (AWS adapters)", stub, on_stub),
        ("memory backend", memory, on_memory),
    ):
        threads = (
            f"threads at most: ours {loops.peak_threads['ours']}, "
            f"hand-written {loops.peak_threads['hand']}"
        )
        comparisons.append(
            at_most(
                ROW,
                f"Worker loop CPU per message, {backend}: `receive` + `processing()` ({threads})",
                stats["ours"],
                "hand-written `receive` / `delete` loop",
                stats["hand"],
                "µs",
                LIMIT,
            )
        )
        comparisons.append(
            at_most(
                ROW,
                f"Worker loop CPU per message, {backend}: `receive` + `processing()` + "
                "`hold()` of a lease",
                stats["ours hold"],
                "hand-written `receive` / `try_acquire` / `complete` / `delete` loop",
                stats["hand hold"],
                "µs",
                LIMIT,
            )
        )
    note = (
        f"Row 7: CPU time of the whole process (`time.process_time`, so heartbeat threads "
        f"count) per message, mean of {sizes.worker_messages:,} messages per repetition, "
        "the four loops interleaved. Visibility timeout and lease as the schema sets them "
        f"({VISIBILITY_TIMEOUT} s): the first beat would be due after {VISIBILITY_TIMEOUT // 3} s, "
        "so no block here lives long enough to beat, as almost none does in production. "
        "'threads at most' is `threading.active_count()` sampled inside each block (the "
        "main thread, the stub client's none, and the heartbeat timer once started). On "
        "memory, the queue is filled and the lease items created before each repetition, "
        "untimed, ten messages at a time."
    )
    return RowResult(comparisons, [note, *profiles])


def _missed(stats: dict[str, Stat]) -> list[tuple[str, str, str]]:
    """The (label, ours step, hand step) pairs whose ratio is over the limit."""
    pairs = [("processing()", "ours", "hand"), ("processing() + hold()", "ours_hold", "hand_hold")]
    keys = {"ours": "ours", "hand": "hand", "ours_hold": "ours hold", "hand_hold": "hand hold"}
    return [
        (label, ours, hand)
        for label, ours, hand in pairs
        if paired_ratio(stats[keys[ours]], stats[keys[hand]]) > LIMIT
    ]
