"""The lockstep state machine: one operation, both backends, every answer compared.

Each rule runs the same call on the memory bundle and on the AWS bundle and
compares what came back: the value (normalised only where the backends must
differ: message ids, receipt handles, presigned URLs, resource names) or the
error's type and message. After every step the stored state is compared too:
every table's items, every queue's visible and in-flight counts, every
bucket's objects. A difference fails the run unless ``allowlist.DEPARTURES``
names it.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
)

from stereo_spot_shared.errors import BatchWriteError
from stereo_spot_shared.interfaces import QueueMessage
from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode
from tests.differential import backends
from tests.differential.allowlist import DEPARTURES
from tests.differential.backends import BUCKETS, QUEUES, Clock, Side

JOB_IDS = st.sampled_from(["job-a", "job-b", "job-c", "job-\u00e9", "j" * 2049, "job-\ud800"])
"""A few ids, so operations meet each other's data; one too long for a key, one not Unicode."""
OWNERS = st.sampled_from(["owner-a", "owner-b"])
SMALL_INTS = st.integers(min_value=0, max_value=50)
TIMES = st.integers(min_value=1_700_000_000, max_value=1_900_000_000)
STATUSES = st.sampled_from([s.value for s in JobStatus] + ["bogus"])
ATTRIBUTE_VALUES = st.one_of(
    st.text(min_size=1, max_size=5),
    st.binary(min_size=1, max_size=5),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**6, min_value=-(10**6)
    ),
    st.sampled_from([Decimal("2.0"), 1e20, Decimal("1E+3"), 0.1]),
)
ATTRIBUTES = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(["a", "b", "n.1"]), ATTRIBUTE_VALUES, max_size=3)
)
KEYS = st.sampled_from(["a", "b/c", "d.txt", "\u00e9", "k" * 1025])


@dataclass(frozen=True)
class Outcome:
    """What one call did, with everything that must differ between backends taken out."""

    value: Any = None
    error: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return f"raised {self.error[0]}: {self.error[1]}" if self.error else f"-> {self.value!r}"


@dataclass
class Handle:
    """One received message on both backends: the receipt handle each gave out."""

    queue: str
    body: object
    handles: dict[str, str]
    stale: bool = False  # received again since: a newer handle exists
    deleted: bool = False


@dataclass
class Counts:
    steps: int = 0
    allow_listed: dict[str, int] = field(default_factory=dict)


COUNTS = Counts()
"""Steps run and allow-listed departures met, for the explore run's report."""


class LockstepMachine(RuleBasedStateMachine):
    """Drives a memory bundle and an AWS bundle with the same operations, compared each step."""

    endpoint: str | None = None
    clock = Clock()
    moto: Side | None = None
    """moto's side, provisioned once per test and emptied before each example."""

    handles = Bundle("handles")
    tokens = Bundle("tokens")

    def __init__(self) -> None:
        super().__init__()
        # Each example starts a day later: moto purges a queue at most once a minute.
        self.clock.now += 86_400
        self.memory = backends.memory_side(self.clock)
        if self.endpoint is not None:
            # An endpoint's queues cannot be purged twice a minute: new resources each time.
            self.aws = backends.aws_side(self.clock, self.endpoint)
        else:
            if LockstepMachine.moto is None:
                LockstepMachine.moto = backends.aws_side(self.clock, None)
            else:
                LockstepMachine.moto.reset()
            self.aws = LockstepMachine.moto
        self.sides = (self.memory, self.aws)
        self.counter = 0
        self.advanced = 0.0

    def teardown(self) -> None:
        if self.endpoint is not None:
            self.aws.close()

    @classmethod
    def close(cls) -> None:
        """End the test: delete what was provisioned and leave moto."""
        if cls.moto is not None:
            cls.moto.close()
            cls.moto = None

    # --- the lockstep ------------------------------------------------------------------

    def both(
        self, call: Callable[[Side], Any], normalise: Callable[[Any], Any] = lambda v: v
    ) -> Any:
        """Run ``call`` on each backend; fail unless both did the same. Returns memory's raw value."""
        COUNTS.steps += 1
        raw: dict[str, Any] = {}
        outcomes = []
        for side in self.sides:
            try:
                value = call(side)
            except Exception as error:  # every public error, compared by type and message
                outcomes.append(
                    Outcome(error=(type(error).__name__, side.neutral(str(error), self.memory)))
                )
                raw[side.name] = error
            else:
                outcomes.append(Outcome(value=normalise(value)))
                raw[side.name] = value
        _outside_tests_too(note, f"memory {outcomes[0]!r}; {self.aws.name} {outcomes[1]!r}")
        assert outcomes[0] == outcomes[1], (
            f"memory {outcomes[0]!r} but {self.aws.name} {outcomes[1]!r}"
        )
        return raw

    def departure(
        self,
        operation: str,
        situation: str,
        call: Callable[[Side], Any],
        refused: tuple[str, ...] = (),
    ) -> None:
        """An allow-listed situation on moto: run on memory only, check AWS's documented answer.

        The documented answer is success, except for the handles in ``refused``
        (forged ones), which ``BatchWriteError.failed`` must list exactly.
        """
        key = (operation, situation)
        assert key in DEPARTURES, f"no allow-list entry for {key}"
        label = f"{operation}: {situation}"
        COUNTS.steps += 1
        COUNTS.allow_listed[label] = COUNTS.allow_listed.get(label, 0) + 1
        _outside_tests_too(event, f"allow-listed moto departure: {label}")
        try:
            call(self.memory)
        except BatchWriteError as error:
            assert refused and error.failed == refused, f"memory refused {error.failed}"
        else:
            assert not refused, f"memory accepted the forged handles {refused}"

    @invariant()
    def stored_state_is_the_same(self) -> None:
        memory_tables, aws_tables = self.memory.read_tables(), self.aws.read_tables()
        assert memory_tables == aws_tables, f"tables differ:\n{memory_tables}\n{aws_tables}"
        memory_queues, aws_queues = self.memory.read_queues(), self.aws.read_queues()
        assert memory_queues == aws_queues, f"queues differ:\n{memory_queues}\n{aws_queues}"
        memory_buckets, aws_buckets = self.memory.read_buckets(), self.aws.read_buckets()
        assert memory_buckets == aws_buckets, f"buckets differ:\n{memory_buckets}\n{aws_buckets}"

    # --- time ----------------------------------------------------------------------------

    @rule(seconds=st.sampled_from([1, 29, 31, 120, 901, 1801, 3601]))
    def advance_time(self, seconds: int) -> None:
        if self.endpoint is not None and self.advanced + seconds >= 600:
            return  # an endpoint's queues keep real time: never let a message reappear early
        self.advanced += seconds
        self.clock.now += seconds

    # --- jobs ------------------------------------------------------------------------------

    @rule(
        job_id=JOB_IDS,
        status=st.sampled_from(list(JobStatus)),
        created_at=st.none() | TIMES,
        completed_at=st.none() | TIMES,
        total=st.none() | SMALL_INTS,
        reason=st.none() | st.sampled_from(["boom", "x" * 400_000]),
    )
    def put_job(
        self,
        job_id: str,
        status: JobStatus,
        created_at: int | None,
        completed_at: int | None,
        total: int | None,
        reason: str | None,
    ) -> None:
        job = Job.model_construct(
            job_id=job_id,
            mode=StereoMode.SBS,
            status=status,
            created_at=created_at,
            total_segments=total,
            completed_at=completed_at,
            failure_reason=reason,
        )
        self.both(lambda side: side.adapters.jobs.put(job))

    @rule(job_id=JOB_IDS)
    def get_job(self, job_id: str) -> None:
        self.both(lambda side: side.adapters.jobs.get(job_id))

    @rule(job_id=JOB_IDS)
    def delete_job(self, job_id: str) -> None:
        self.both(lambda side: side.adapters.jobs.delete(job_id))

    @rule(
        job_id=JOB_IDS,
        status=st.none() | STATUSES,
        total=st.none() | SMALL_INTS,
        completed_at=st.none() | TIMES,
        reason=st.none() | st.sampled_from(["late", ""]),
    )
    def update_job(
        self,
        job_id: str,
        status: str | None,
        total: int | None,
        completed_at: int | None,
        reason: str | None,
    ) -> None:
        self.both(
            lambda side: side.adapters.jobs.update(
                job_id,
                status=status,
                total_segments=total,
                completed_at=completed_at,
                failure_reason=reason,
            )
        )

    @rule(
        target=tokens,
        # list_in_progress (the original's) is one merged list, no page token.
        listing=st.sampled_from(["list_completed", "list_in_progress_page", "list_in_progress"]),
        limit=st.integers(min_value=0, max_value=4),
    )
    def list_first_page(self, listing: str, limit: int) -> Any:
        raw = self.both(lambda side: getattr(side.adapters.jobs, listing)(limit))
        value = raw["memory"]
        if isinstance(value, tuple) and value[1] is not None:
            return (listing, value[1])
        return multiple()

    @rule(target=tokens, token=tokens, limit=st.integers(min_value=1, max_value=4))
    def list_next_page(self, token: tuple[str, dict[str, Any]], limit: int) -> Any:
        listing, start = token
        # The caller's copy goes through JSON, as a web service's would.
        start = json.loads(json.dumps(start))
        raw = self.both(lambda side: getattr(side.adapters.jobs, listing)(limit, start))
        value = raw["memory"]
        if isinstance(value, tuple) and value[1] is not None:
            return (listing, value[1])
        return multiple()

    @rule(
        listing=st.sampled_from(["list_completed", "list_in_progress_page"]),
        token=st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(["job_id", "status", "completed_at", "in_progress", "created_at"]),
                st.one_of(
                    st.text(max_size=3),
                    st.integers(-2, 2),
                    st.just("job-\ud800"),
                    st.just("completed"),
                    st.just("1"),
                ),
            ),
        ),
    )
    def list_with_a_forged_token(self, listing: str, token: dict[str, Any] | None) -> None:
        self.both(lambda side: getattr(side.adapters.jobs, listing)(2, token))

    # --- segment completions --------------------------------------------------------------

    def _completion(
        self, job_id: str, index: int, completed_at: int, uri: str
    ) -> SegmentCompletion:
        return SegmentCompletion.model_construct(
            job_id=job_id,
            segment_index=index,
            output_s3_uri=uri,
            completed_at=completed_at,
            total_segments=None,
        )

    @rule(
        job_id=JOB_IDS,
        index=SMALL_INTS,
        completed_at=TIMES,
        uri=st.sampled_from(["s3://b/k", "s3://b/" + "u" * 409_600]),
    )
    def put_completion(self, job_id: str, index: int, completed_at: int, uri: str) -> None:
        completion = self._completion(job_id, index, completed_at, uri)
        self.both(lambda side: side.adapters.segment_completions.put(completion))

    @rule(items=st.lists(st.tuples(JOB_IDS, st.integers(0, 5), TIMES), min_size=0, max_size=30))
    def put_many_completions(self, items: list[tuple[str, int, int]]) -> None:
        completions = [self._completion(j, i, t, "s3://b/k") for j, i, t in items]
        self.both(lambda side: side.adapters.segment_completions.put_many(completions))

    @rule(job_id=JOB_IDS)
    def query_completions(self, job_id: str) -> None:
        self.both(lambda side: side.adapters.segment_completions.query_by_job(job_id))

    @rule(job_id=JOB_IDS)
    def count_completions(self, job_id: str) -> None:
        self.both(lambda side: side.adapters.segment_completions.count_by_job(job_id))

    @rule(job_id=JOB_IDS)
    def delete_completions_by_job(self, job_id: str) -> None:
        self.both(lambda side: side.adapters.segment_completions.delete_by_job(job_id))

    @rule(job_id=JOB_IDS, index=st.integers(0, 5))
    def delete_completion(self, job_id: str, index: int) -> None:
        self.both(lambda side: side.adapters.segment_completions.delete(job_id, index))

    # --- the reassembly lock ---------------------------------------------------------------

    @rule(job_id=JOB_IDS, ttl=st.sampled_from([1, 60, 604800]))
    def try_trigger(self, job_id: str, ttl: int) -> None:
        self.both(
            lambda side: side.adapters.reassembly_triggered.try_trigger(job_id, ttl_seconds=ttl)
        )

    @rule(job_id=JOB_IDS, owner=OWNERS, lease=st.sampled_from([0, 1, 30, 900]))
    def try_acquire(self, job_id: str, owner: str, lease: int) -> None:
        self.both(
            lambda side: side.adapters.reassembly_triggered.try_acquire(
                job_id, lease_seconds=lease, owner=owner
            )
        )

    @rule(job_id=JOB_IDS, owner=OWNERS, lease=st.sampled_from([1, 30, 900]))
    def renew(self, job_id: str, owner: str, lease: int) -> None:
        self.both(
            lambda side: side.adapters.reassembly_triggered.renew(
                job_id, lease_seconds=lease, owner=owner
            )
        )

    @rule(job_id=JOB_IDS, owner=OWNERS, verb=st.sampled_from(["release", "complete"]))
    def release_or_complete(self, job_id: str, owner: str, verb: str) -> None:
        self.both(
            lambda side: getattr(side.adapters.reassembly_triggered, verb)(job_id, owner=owner)
        )

    @rule(job_id=JOB_IDS)
    def delete_lock(self, job_id: str) -> None:
        self.both(lambda side: side.adapters.reassembly_triggered.delete(job_id))

    # --- queues ------------------------------------------------------------------------------

    def _body(self, kind: str, size: int) -> str | bytes:
        self.counter += 1
        text = f"m{self.counter}:" + "x" * size
        return text.encode() if kind == "bytes" else text

    @rule(
        queue=st.sampled_from(QUEUES),
        kind=st.sampled_from(["str", "bytes"]),
        size=st.sampled_from([0, 10, 262_100]),
        attributes=ATTRIBUTES,
    )
    def send(self, queue: str, kind: str, size: int, attributes: dict[str, Any] | None) -> None:
        body = self._body(kind, size)
        self.both(
            lambda side: getattr(side.adapters, f"{queue}_sender").send(
                body, attributes=attributes
            ),
            _an_id,
        )

    @rule(
        queue=st.sampled_from(QUEUES),
        shapes=st.lists(st.tuples(st.sampled_from(["str", "bytes"]), ATTRIBUTES), max_size=12),
    )
    def send_batch(self, queue: str, shapes: list[tuple[str, dict[str, Any] | None]]) -> None:
        bodies = [self._body(kind, 5) for kind, _ in shapes]
        attributes = [a for _, a in shapes]
        self.both(
            lambda side: getattr(side.adapters, f"{queue}_sender").send_batch(
                bodies, attributes=attributes
            ),
            lambda ids: [_an_id(i) for i in ids],
        )

    @rule(
        target=handles,
        queue=st.sampled_from(QUEUES),
        dead_letters=st.booleans(),
        max_messages=st.integers(min_value=0, max_value=10),
    )
    def receive(self, queue: str, dead_letters: bool, max_messages: int) -> Any:
        def receive_on(side: Side) -> list[QueueMessage]:
            receiver = (
                side.dead_letters[queue]
                if dead_letters
                else getattr(side.adapters, f"{queue}_receiver")
            )
            return receiver.receive(max_messages)

        raw = self.both(receive_on, lambda ms: [_received(m) for m in ms])
        if not isinstance(raw["memory"], list):
            return multiple()
        name = backends.DEAD_LETTER_QUEUES[queue] if dead_letters else queue
        received = []
        for memory_message, aws_message in zip(raw["memory"], raw[self.aws.name], strict=True):
            for earlier in self._live_handles(name, memory_message.body):
                earlier.stale = True
            handle = Handle(
                name,
                memory_message.body,
                {
                    "memory": memory_message.receipt_handle,
                    self.aws.name: aws_message.receipt_handle,
                },
            )
            self._handles.append(handle)
            received.append(handle)
        return multiple(*received)

    @property
    def _handles(self) -> list[Handle]:
        if not hasattr(self, "_all_handles"):
            self._all_handles: list[Handle] = []
        return self._all_handles

    def _live_handles(self, queue: str, body: object) -> list[Handle]:
        return [h for h in self._handles if h.queue == queue and h.body == body and not h.stale]

    def _receiver(self, side: Side, queue: str) -> Any:
        for main, dlq in backends.DEAD_LETTER_QUEUES.items():
            if queue == dlq:
                return side.dead_letters[main]
        return getattr(side.adapters, f"{queue}_receiver")

    def _situation(self, handle: Handle) -> str | None:
        if self.aws.name != "aws":
            return None  # a real endpoint is compared as it is
        if handle.stale and not handle.deleted:
            return "stale receipt handle"
        return None

    def _mark_deleted(self, handle: Handle) -> None:
        if not handle.stale:
            for same in self._handles:
                if same.queue == handle.queue and same.body == handle.body:
                    same.deleted = True

    @rule(handle=handles)
    def delete(self, handle: Handle) -> None:
        def delete_on(side: Side) -> None:
            self._receiver(side, handle.queue).delete(handle.handles[side.name])

        situation = self._situation(handle)
        if situation is not None:
            self.departure("delete", situation, delete_on)
        else:
            self.both(delete_on)
        self._mark_deleted(handle)

    @rule(chosen=st.lists(handles, max_size=12), bogus=st.booleans())
    def delete_batch(self, chosen: list[Handle], bogus: bool) -> None:
        queues = {h.queue for h in chosen}
        if len(queues) > 1:
            chosen = [h for h in chosen if h.queue == min(queues)]
        queue = chosen[0].queue if chosen else QUEUES[0]

        def delete_on(side: Side) -> None:
            handles = [h.handles[side.name] for h in chosen]
            if bogus:
                handles.insert(len(handles) // 2, "not-a-receipt-handle")
            self._receiver(side, queue).delete_batch(handles)

        situations = {s for s in map(self._situation, chosen) if s is not None}
        if situations:
            forged = ("not-a-receipt-handle",) if bogus else ()
            self.departure("delete_batch", min(situations), delete_on, forged)
        else:
            self.both(delete_on)
        for handle in chosen:
            self._mark_deleted(handle)

    @rule(handle=handles, seconds=st.sampled_from([0, 5, 60, 43_201]))
    def change_visibility(self, handle: Handle, seconds: int) -> None:
        self.both(
            lambda side: self._receiver(side, handle.queue).change_visibility(
                handle.handles[side.name], seconds
            )
        )

    # --- objects --------------------------------------------------------------------------------

    @rule(bucket=st.sampled_from(BUCKETS), key=KEYS, body=st.binary(max_size=8))
    def upload(self, bucket: str, key: str, body: bytes) -> None:
        self.both(lambda side: side.adapters.objects.upload(side.names[bucket], key, body))

    @rule(bucket=st.sampled_from(BUCKETS), key=KEYS)
    def download(self, bucket: str, key: str) -> None:
        self.both(lambda side: side.adapters.objects.download(side.names[bucket], key))

    @rule(bucket=st.sampled_from(BUCKETS), key=KEYS)
    def exists(self, bucket: str, key: str) -> None:
        self.both(lambda side: side.adapters.objects.exists(side.names[bucket], key))

    @rule(bucket=st.sampled_from(BUCKETS), key=KEYS)
    def delete_object(self, bucket: str, key: str) -> None:
        self.both(lambda side: side.adapters.objects.delete(side.names[bucket], key))

    @rule(
        bucket=st.sampled_from(BUCKETS),
        key=KEYS,
        verb=st.sampled_from(["presign_upload", "presign_download"]),
        expires=st.sampled_from([0, 1, 3600, 604_800, 604_801]),
    )
    def presign(self, bucket: str, key: str, verb: str, expires: int) -> None:
        self.both(
            lambda side: getattr(side.adapters.objects, verb)(
                side.names[bucket], key, expires_in=expires
            ),
            lambda url: type(url).__name__,
        )


def _outside_tests_too(report: Callable[[str], object], text: str) -> None:
    """``note`` or ``event`` when hypothesis runs the machine; nothing when a test drives it by hand."""
    with contextlib.suppress(InvalidArgument):
        report(text)


def _an_id(value: object) -> object:
    return "<id>" if isinstance(value, str) and value else value


def _received(message: QueueMessage) -> tuple[object, ...]:
    attributes = {name: (type(value).__name__, value) for name, value in message.attributes.items()}
    return (message.body, attributes, message.receive_count)


def _finite(value: float) -> bool:
    return math.isfinite(value)
