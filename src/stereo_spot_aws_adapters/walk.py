"""Walk one job through the whole pipeline, step by step, through the interfaces only.

``python -m stereo_spot_aws_adapters demo`` runs these steps against an embedded
moto server (or, with ``--backend memory``, the in-memory backend) and ``smoke``
against a deployed stack. Every adapter comes from ``adapters_from_env()``, the
backend-agnostic selection the services use; the steps touch nothing but the
``Adapters`` bundle and the interfaces, so the same walk runs on any backend. Each step is a
named function over a ``Walk``; ``run_steps`` numbers them, prints what each one
found, and stops at the first failure, naming it. Everything the walk creates
is recorded so ``clean_up`` can delete exactly that and nothing else.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import math
import random
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from stereo_spot_shared import Adapters, adapters_from_env
from stereo_spot_shared.errors import MalformedEventError
from stereo_spot_shared.generated.keys import (
    build_final_key,
    build_input_key,
    build_segment_key,
    build_segment_output_key,
    parse_segment_key,
)
from stereo_spot_shared.memory import MemoryURLHandler
from stereo_spot_shared.models import (
    Job,
    JobStatus,
    ReassemblyPayload,
    SegmentCompletion,
    StereoMode,
)
from stereo_spot_shared.s3_events import S3ObjectRef, object_created_event, parse_s3_event

from ._clients import get_client
from .generated.queues import (
    parse_chunking_event,
    parse_reassembly_payload,
    parse_video_worker_event,
)

if TYPE_CHECKING:
    from stereo_spot_shared.generated.adapters import JobsTable, ReassemblyTriggeredTable
    from stereo_spot_shared.interfaces import QueueMessage, QueueReceiver

__all__ = [
    "WALK_STEPS",
    "QueueVisit",
    "RequestCounter",
    "Step",
    "Walk",
    "WalkError",
    "clean_up",
    "run_steps",
]

MIB = 1024 * 1024
SEGMENT_COUNT = 4
SOURCE_SIZE = 384 * 1024
# Above the 8 MiB multipart threshold, so the final upload goes in parts.
FINAL_SIZE = 10 * MIB
RACERS = 5
EXTRA_COMPLETED_JOBS = 3
PAGE_SIZE = 2
MAX_PAGES = 200
QUEUE_POLL_SECONDS = 1
MAX_HOLD_SECONDS = 43_200  # SQS's longest visibility timeout


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


# --- the steps ------------------------------------------------------------------------


def create_job(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    jobs.put(
        Job(job_id=walk.job_id, mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=_now())
    )
    walk.created_jobs.append(walk.job_id)
    stored = jobs.get(walk.job_id)
    if stored is None:
        raise WalkError(f"job {walk.job_id} was written but cannot be read back")
    return f"job {stored.job_id} ({stored.mode.value}) is {stored.status.value}"


def upload_source(walk: Walk) -> str:
    a = walk.adapters
    walk.source = fake_video(SOURCE_SIZE, seed=1)
    walk.source_key = build_input_key(walk.job_id)
    url = a.objects.presign_upload(a.input_bucket, walk.source_key, content_type="video/mp4")
    request = urllib.request.Request(
        url, data=walk.source, method="PUT", headers={"Content-Type": "video/mp4"}
    )
    with walk.opener.open(request, timeout=30) as response:
        status = response.status
    walk.presigned_requests += 1
    walk.created_objects.append((a.input_bucket, walk.source_key))
    expect(a.objects.exists(a.input_bucket, walk.source_key), "the uploaded source is missing")
    return (
        f"PUT {len(walk.source):,} bytes to a presigned URL -> HTTP {status}; "
        f"s3://{a.input_bucket}/{walk.source_key} exists"
    )


def receive_chunking_message(walk: Walk) -> str:
    a = walk.adapters
    wanted = {walk.source_key}
    with QueueVisit.open(walk, a.chunking_receiver, walk.notification_wait + 10.0) as visit:
        # The bundle names the bucket the chunking queue's events come from, on any backend.
        parse = functools.partial(parse_chunking_event, buckets=[a.input_bucket])
        found = _collect(visit, parse, wanted, walk.notification_wait)
        how = "S3 notification received"
        if not found:
            # Some emulators (and stacks without a bucket notification) never send one.
            a.chunking_sender.send(
                object_created_event(a.input_bucket, walk.source_key, len(walk.source))
            )
            found = _collect(visit, parse, wanted, 10.0)
            how = (
                f"no S3 notification within {walk.notification_wait:g} s, so a simulated S3 "
                "notification was sent and received"
            )
        expect(bool(found), f"no chunking message for {walk.source_key} arrived")
        message, ref = found[walk.source_key]
        # parse_chunking_event is parse_s3_event routed to the chunking queue's bucket.
        expect(parse_s3_event(message.body)[0] == ref, "the two S3 event parsers disagree")
        a.chunking_receiver.delete(message.receipt_handle)
    return (
        f"{how}: {ref.event_name} s3://{ref.bucket}/{ref.key} ({ref.size:,} bytes); deleted"
        f"{visit.summary()}"
    )


def start_chunking(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    jobs.update(walk.job_id, status=JobStatus.CHUNKING_IN_PROGRESS)
    return f"status {_status(jobs, walk.job_id)}"


def write_segments(walk: Walk) -> str:
    a = walk.adapters
    size = len(walk.source) // SEGMENT_COUNT
    bodies: list[str | bytes] = []
    for index in range(SEGMENT_COUNT):
        key = build_segment_key(walk.job_id, index, SEGMENT_COUNT, StereoMode.SBS)
        end = len(walk.source) if index == SEGMENT_COUNT - 1 else (index + 1) * size
        piece = walk.source[index * size : end]
        a.objects.upload(a.input_bucket, key, piece)
        walk.created_objects.append((a.input_bucket, key))
        walk.segment_keys.append(key)
        bodies.append(object_created_event(a.input_bucket, key, len(piece)))
    message_ids = a.video_worker_sender.send_batch(bodies)
    return (
        f"{SEGMENT_COUNT} segments of ~{size // 1024} KiB written to s3://{a.input_bucket}/"
        f"segments/{walk.job_id}/; {len(message_ids)} S3-event messages sent with one send_batch"
    )


def convert_segments(walk: Walk) -> str:
    a = walk.adapters
    with QueueVisit.open(walk, a.video_worker_receiver, 20.0) as visit:
        parse = functools.partial(parse_video_worker_event, buckets=[a.input_bucket])
        found = _collect(visit, parse, set(walk.segment_keys), 20.0)
    missing = sorted(set(walk.segment_keys) - found.keys())
    expect(not missing, f"video-worker messages never arrived for {missing}")
    completions = []
    for index, key in enumerate(walk.segment_keys):
        _, ref = found[key]
        segment = parse_segment_key(ref.bucket, ref.key)
        expect(
            segment is not None and segment.segment_index == index, f"{key} is not segment {index}"
        )
        # The "conversion" is a copy: the demo tests the plumbing, not the GPU.
        output_key = build_segment_output_key(walk.job_id, index)
        a.objects.upload(a.output_bucket, output_key, a.objects.download(ref.bucket, ref.key))
        walk.created_objects.append((a.output_bucket, output_key))
        walk.output_keys.append(output_key)
        completions.append(
            SegmentCompletion(
                job_id=walk.job_id,
                segment_index=index,
                output_s3_uri=f"s3://{a.output_bucket}/{output_key}",
                completed_at=_now(),
                total_segments=SEGMENT_COUNT,
            )
        )
    # One worker records with put, the others together with put_many.
    walk.created_completions += [(c.job_id, c.segment_index) for c in completions]
    a.segment_completions.put(completions[0])
    a.segment_completions.put_many(completions[1:])
    a.video_worker_receiver.delete_batch([message.receipt_handle for message, _ in found.values()])
    return (
        f"{len(found)} messages received; {len(completions)} outputs written, completions "
        f"recorded (1 put + put_many of {len(completions) - 1}); messages deleted"
        f"{visit.summary()}"
    )


def finish_chunking(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    jobs.update(walk.job_id, total_segments=SEGMENT_COUNT, status=JobStatus.CHUNKING_COMPLETE)
    job = jobs.get(walk.job_id)
    expect(job is not None and job.total_segments == SEGMENT_COUNT, "total_segments not stored")
    return f"status {_status(jobs, walk.job_id)}, total_segments {SEGMENT_COUNT}"


def trigger_reassembly(walk: Walk) -> str:
    a = walk.adapters
    # The video worker that records a job's last segment triggers reassembly: it
    # sees every completion recorded, each carrying the job's total_segments.
    recorded = a.segment_completions.query_by_job(walk.job_id)
    expect(
        bool(recorded) and len(recorded) == recorded[0].total_segments,
        f"{len(recorded)} completions recorded; reassembly needs all {SEGMENT_COUNT}",
    )
    lock = a.reassembly_triggered
    first = lock.try_trigger(walk.job_id)
    walk.locked_jobs.append(walk.job_id)
    second = lock.try_trigger(walk.job_id)
    expect(first and not second, f"try_trigger gave {first}, then {second}; want True, False")
    a.reassembly_sender.send(ReassemblyPayload(job_id=walk.job_id).model_dump_json())
    return (
        f"all {len(recorded)} completions recorded; try_trigger: True, then False; "
        "ReassemblyPayload sent to the reassembly queue"
    )


def receive_reassembly_message(walk: Walk) -> str:
    receiver = walk.adapters.reassembly_receiver
    with QueueVisit.open(walk, receiver, 20.0) as visit:
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline:
            for message in receiver.receive(max_messages=10):
                try:
                    payload = parse_reassembly_payload(message.body)
                except MalformedEventError:
                    payload = None
                if payload is not None and payload.job_id == walk.job_id:
                    receiver.delete(message.receipt_handle)
                    return (
                        f"ReassemblyPayload(job_id={payload.job_id!r}) received and deleted"
                        f"{visit.summary()}"
                    )
                visit.hold(message)
    raise WalkError("the reassembly message never arrived")


def race_for_lease(walk: Walk) -> str:
    a = walk.adapters
    # Each worker its own lock object on the same table, as separate processes would have.
    locks = [copy.copy(a.reassembly_triggered) for _ in range(RACERS)]
    start = threading.Barrier(RACERS, timeout=30)

    def claim(index: int) -> bool:
        start.wait()
        return locks[index].try_acquire(walk.job_id, owner=f"reassembler-{index + 1}")

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(claim, range(RACERS)))
    winners = [index for index, won in enumerate(results) if won]
    expect(len(winners) == 1, f"{len(winners)} workers won the lease; exactly one must")
    walk.winner = locks[winners[0]]
    walk.winner_owner = f"reassembler-{winners[0] + 1}"
    return f"{RACERS} workers raced with their own lock objects; only {walk.winner_owner} won"


def assemble_final(walk: Walk) -> str:
    a = walk.adapters
    completions = a.segment_completions.query_by_job(walk.job_id)
    indexes = [c.segment_index for c in completions]
    expect(indexes == list(range(SEGMENT_COUNT)), f"query_by_job returned segments {indexes}")
    joined = b"".join(a.objects.download(*_split_s3_uri(c.output_s3_uri)) for c in completions)
    expect(joined == walk.source, "the segments, joined in order, differ from the source")
    # Padded past the multipart threshold so upload_file goes in parts.
    walk.final_path = walk.work_dir / "final.mp4"
    walk.final_path.write_bytes(joined + random.Random(2).randbytes(FINAL_SIZE - len(joined)))
    walk.final_key = build_final_key(walk.job_id)
    parts_before = walk.counter.count("s3", "UploadPart")
    progress = ProgressLine(walk.out, "uploading final.mp4", FINAL_SIZE)
    walk.created_objects.append((a.output_bucket, walk.final_key))
    a.objects.upload_file(a.output_bucket, walk.final_key, walk.final_path, progress=progress)
    progress.finish()
    parts = walk.counter.count("s3", "UploadPart") - parts_before
    expect(progress.done == FINAL_SIZE, f"progress reported {progress.done} of {FINAL_SIZE} bytes")
    how = f"in {parts} parts" if a.backend == "aws" else f"to the {a.backend} backend"
    return (
        f"{walk.winner_owner} read {len(completions)} completions in order, joined them "
        f"(= the source), uploaded {FINAL_SIZE / MIB:.1f} MiB final.mp4 {how}"
    )


def complete_job(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    walk.completed_at = _now()
    jobs.update(walk.job_id, status=JobStatus.COMPLETED, completed_at=walk.completed_at)
    return f"status {_status(jobs, walk.job_id)}, completed_at {walk.completed_at}"


def list_completed_jobs(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    ours = [walk.job_id]
    for offset in range(1, EXTRA_COMPLETED_JOBS + 1):
        job_id = f"{walk.job_id}-extra{offset}"
        jobs.put(
            Job(
                job_id=job_id,
                mode=StereoMode.ANAGLYPH,
                status=JobStatus.COMPLETED,
                created_at=walk.completed_at - offset,
                completed_at=walk.completed_at - offset,
            )
        )
        walk.created_jobs.append(job_id)
        ours.append(job_id)
    seen: list[str] = []
    page_sizes: list[int] = []
    token: Mapping[str, object] | None = None
    while len(page_sizes) < MAX_PAGES and not set(ours) <= set(seen):
        items, next_token = jobs.list_completed(PAGE_SIZE, token)
        page_sizes.append(len(items))
        seen += [item.job_id for item in items]
        if next_token is None:
            break
        # A web UI hands the token to the browser and gets it back as JSON.
        token = json.loads(json.dumps(next_token))
    duplicates = sorted({job_id for job_id in seen if seen.count(job_id) > 1})
    expect(not duplicates, f"jobs listed twice: {duplicates}")
    missing = sorted(set(ours) - set(seen))
    expect(not missing, f"completed jobs never listed: {missing}")
    order = [job_id for job_id in seen if job_id in ours]
    expect(order == ours, f"completed jobs not newest first: {order}")
    return (
        f"{EXTRA_COMPLETED_JOBS} more completed jobs created; pages of {PAGE_SIZE}: "
        f"{' + '.join(map(str, page_sizes))} items, all {len(ours)} of ours newest first, "
        "no duplicates, token passed through JSON"
    )


def download_final(walk: Walk) -> str:
    a = walk.adapters
    if walk.final_path is None:
        raise WalkError("no final file was built")
    url = a.objects.presign_download(a.output_bucket, walk.final_key)
    with walk.opener.open(url, timeout=60) as response:
        fetched = response.read()
    walk.presigned_requests += 1
    expected = walk.final_path.read_bytes()
    expect(fetched == expected, f"downloaded {len(fetched)} bytes that differ from the upload")
    digest = hashlib.sha256(fetched).hexdigest()[:16]
    return f"GET presigned URL: {len(fetched):,} bytes, sha256 {digest}... matches the upload"


def complete_lease(walk: Walk) -> str:
    a = walk.adapters
    if walk.winner is None:
        raise WalkError("nobody holds the lease")
    done = walk.winner.complete(walk.job_id, owner=walk.winner_owner)
    expect(done, f"{walk.winner_owner} could not complete its lease")
    late = copy.copy(a.reassembly_triggered).try_acquire(walk.job_id, owner="late-reassembler")
    expect(not late, "a completed job was claimed again")
    return f"{walk.winner_owner} completed the lease; a late worker's try_acquire is False"


WALK_STEPS: tuple[Step, ...] = (
    ("create the job", create_job),
    ("upload the source through a presigned PUT", upload_source),
    ("receive the chunking message", receive_chunking_message),
    ("mark chunking in progress", start_chunking),
    ("write segments and queue them for the video workers", write_segments),
    ("video workers: receive segments, record completions", convert_segments),
    ("mark chunking complete", finish_chunking),
    ("trigger reassembly once", trigger_reassembly),
    ("receive the reassembly message", receive_reassembly_message),
    ("reassembly workers race for the lease", race_for_lease),
    ("winner assembles and uploads final.mp4", assemble_final),
    ("mark the job completed", complete_job),
    ("list completed jobs page by page", list_completed_jobs),
    ("download final.mp4 through a presigned URL", download_final),
    ("complete the lease", complete_lease),
)


def clean_up(walk: Walk) -> str:
    """Delete exactly what the walk created: objects, job, completion and lock items."""
    if walk.adapters_ is None:
        return "nothing to delete"
    a = walk.adapters
    for bucket, key in walk.created_objects:
        a.objects.delete(bucket, key)
    for job_id in walk.created_jobs:
        a.jobs.delete(job_id)
    for job_id, index in walk.created_completions:
        a.segment_completions.delete(job_id, index)
    for job_id in walk.locked_jobs:
        a.reassembly_triggered.delete(job_id)
    return (
        f"deleted {len(walk.created_objects)} objects, {len(walk.created_jobs)} jobs, "
        f"{len(walk.created_completions)} segment completions, {len(walk.locked_jobs)} lock item"
    )


# --- helpers ----------------------------------------------------------------------------


class ProgressLine:
    """A one-line transfer display, redrawn in place with ``\\r``; safe across threads."""

    def __init__(self, out: TextIO, label: str, total: int) -> None:
        self.out = out
        self.label = label
        self.total = total
        self.done = 0
        self._shown = -1
        self._lock = threading.Lock()
        # Redraw on every percent in a terminal; in a log, every quarter is plenty.
        self._every = 1 if out.isatty() else 25

    def __call__(self, transferred: int) -> None:
        with self._lock:
            self.done += transferred
            percent = self.done * 100 // self.total
            if percent // self._every != self._shown // self._every:
                self._shown = percent
                self.out.write(
                    f"\r    {self.label}: {self.done / MIB:5.1f} / {self.total / MIB:.1f} MiB "
                    f"{percent:3d}%"
                )
                self.out.flush()

    def finish(self) -> None:
        self.out.write("\n")
        self.out.flush()


def fake_video(size: int, *, seed: int) -> bytes:
    """``size`` deterministic bytes laid out like an MP4: ``ftyp`` box, then ``mdat``."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41"
    mdat_size = size - len(ftyp)
    if mdat_size < 8:
        raise ValueError(f"a fake video needs at least {len(ftyp) + 8} bytes, got {size}")
    payload = random.Random(seed).randbytes(mdat_size - 8)
    return ftyp + mdat_size.to_bytes(4, "big") + b"mdat" + payload


class QueueVisit:
    """One step's reading of a live queue that leaves other services' messages as they were.

    SQS cannot filter before it delivers, and every delivery counts toward the
    queue's ``maxReceiveCount``: a message received often enough goes to the
    dead-letter queue, whatever the receiver did with it. Making a foreign
    message visible again at once (the old way) let the next poll receive it
    again, once a second, until it was dead-lettered under a live worker.

    So a foreign message is received at most once per visit: it is kept hidden
    from this visit's own polls and made visible again, all at once, when the
    visit ends. Smoke reads each queue in one step, so a foreign message costs
    at most one delivery per smoke run. A queue that dead-letters on the first
    delivery (``maxReceiveCount`` 1) is not read at all, and a foreign message
    that smoke's delivery brought to ``maxReceiveCount`` (its next receive will
    dead-letter it) fails the step, naming it, instead of passing silently.
    """

    def __init__(
        self, receiver: QueueReceiver, hold_seconds: int, max_receive_count: int | None
    ) -> None:
        self.receiver = receiver
        self.hold_seconds = hold_seconds
        self.max_receive_count = max_receive_count
        self.held: dict[str, QueueMessage] = {}

    @classmethod
    @contextlib.contextmanager
    def open(cls, walk: Walk, receiver: QueueReceiver, seconds: float) -> Iterator[QueueVisit]:
        queue_url = str(getattr(receiver, "queue_url", receiver))
        limit = _max_receive_count(walk, queue_url)
        if limit is not None and limit <= 1:
            raise WalkError(
                f"{queue_url} dead-letters a message on its first delivery "
                "(maxReceiveCount 1): reading it would move other services' messages to the "
                "dead-letter queue, so the walk does not read it"
            )
        # Hidden past the end of the visit, so this visit never receives them twice.
        visit = cls(receiver, min(MAX_HOLD_SECONDS, math.ceil(seconds) + 60), limit)
        try:
            yield visit
        finally:
            at_risk = visit.release()
        if at_risk:
            raise WalkError(
                f"{len(at_risk)} message(s) of other services on {queue_url} "
                f"reached maxReceiveCount {limit} with this walk's delivery and will go to the "
                f"dead-letter queue on their next receive: {', '.join(at_risk)}"
            )

    def hold(self, message: QueueMessage) -> None:
        """Keep a foreign message hidden from this visit; ``release`` returns it."""
        if message.message_id not in self.held:
            self.held[message.message_id] = message
            self.receiver.change_visibility(message.receipt_handle, self.hold_seconds)

    def release(self) -> list[str]:
        """Make every held message visible again; the ids of those at their last delivery."""
        for message in self.held.values():
            self.receiver.change_visibility(message.receipt_handle, 0)
        limit = self.max_receive_count
        return [
            message_id
            for message_id, message in self.held.items()
            if limit is not None and message.receive_count >= limit
        ]

    def summary(self) -> str:
        if not self.held:
            return ""
        return f"; {len(self.held)} message(s) of others received once each and made visible again"


def _max_receive_count(walk: Walk, queue_url: str) -> int | None:
    """The queue's redrive ``maxReceiveCount``, or ``None`` without a dead-letter queue."""
    if walk.adapters.backend != "aws":
        return None  # only SQS queues have a redrive policy to read
    attributes = (
        get_client("sqs")
        .get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
        .get("Attributes", {})
    )
    policy = attributes.get("RedrivePolicy")
    if not policy:
        return None
    return int(json.loads(policy)["maxReceiveCount"])


def _collect(
    visit: QueueVisit,
    parse: Callable[[str | bytes], list[S3ObjectRef]],
    wanted: set[str],
    wait_seconds: float,
) -> dict[str, tuple[QueueMessage, S3ObjectRef]]:
    """Receive until a message has arrived for every wanted key, or the time is up.

    Messages about other objects belong to someone else (a deployed stack has
    real workers): ``visit`` holds them and gives them back, never deletes them.
    """
    found: dict[str, tuple[QueueMessage, S3ObjectRef]] = {}
    deadline = time.monotonic() + wait_seconds
    while wanted - found.keys() and time.monotonic() < deadline:
        for message in visit.receiver.receive(max_messages=10):
            try:
                refs = [ref for ref in parse(message.body) if ref.key in wanted]
            except MalformedEventError:
                refs = []
            if not refs:
                visit.hold(message)
            elif refs[0].key in found:
                visit.receiver.delete(message.receipt_handle)  # a duplicate delivery of ours
            else:
                found[refs[0].key] = (message, refs[0])
    return found


def _split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _status(jobs: JobsTable, job_id: str) -> str:
    job = jobs.get(job_id)
    if job is None:
        raise WalkError(f"job {job_id} disappeared")
    return job.status.value


def _now() -> int:
    return int(time.time())
