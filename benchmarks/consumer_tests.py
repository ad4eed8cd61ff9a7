"""Row 6: what a consumer's unit tests pay: the memory backend vs the AWS adapters on moto.

A service's test builds its adapters and runs a service-style workload: jobs
put and read back, messages sent, received and deleted, small objects uploaded
and downloaded. With ``STORAGE_ADAPTER=memory`` that is
``adapters_from_env(backend="memory")``; without it, a service would run the
AWS adapters on moto's ``mock_aws`` with every resource provisioned first.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from moto import mock_aws

from benchmarks._harness import RowResult, Sizes, Stat, at_most, interleaved
from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_shared import Adapters, adapters_from_env
from stereo_spot_shared.models import Job, JobStatus, StereoMode

ROW = 6
LIMIT = 0.01
"""Memory must be at least 100x cheaper than moto."""
LABEL = "≤ 0.01x (≥ 100x faster)"
JOBS = 100
MESSAGES = 50
OBJECTS = 30
OBJECT_BYTES = 1024
MEMORY_REPEATS = 10
"""Memory runs are a few ms: each measurement averages this many."""
BUNDLE_REPEATS = 200


def workload(adapters: Adapters) -> None:
    """The same service-style work on any backend; checks every answer, so no step is skipped."""
    for index in range(JOBS):
        job = Job(job_id=f"job-{index}", mode=StereoMode.SBS, status=JobStatus.CREATED)
        adapters.jobs.put(job)
        assert adapters.jobs.get(job.job_id) == job
    for index in range(MESSAGES):
        adapters.chunking_sender.send(f"message-{index}")
    received = 0
    while received < MESSAGES:
        batch = adapters.chunking_receiver.receive(max_messages=10)
        assert batch, "a sent message was not received"
        for message in batch:
            adapters.chunking_receiver.delete(message.receipt_handle)
        received += len(batch)
    body = b"x" * OBJECT_BYTES
    for index in range(OBJECTS):
        key = f"tests/object-{index}.bin"
        adapters.objects.upload(adapters.output_bucket, key, body)
        assert adapters.objects.download(adapters.output_bucket, key) == body


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _moto_round(provisioning: list[float], work: list[float]) -> Callable[[], float]:
    """One test on moto: start ``mock_aws``, provision, then build the bundle and run the work."""

    def measure() -> float:
        clear_client_cache()  # as a test fixture does: no client outlives its mock
        start = time.process_time()
        with mock_aws():
            environment = provision(prefix="bench")
            provisioned = time.process_time()
            with _environment(environment):
                workload(adapters_from_env(backend="aws", wait_time_seconds=0))
            done = time.process_time()
        total = time.process_time() - start
        provisioning.append((provisioned - start) * 1e3)
        work.append((done - provisioned) * 1e3)
        return total * 1e3

    return measure


def _memory_round() -> float:
    start = time.process_time()
    for _ in range(MEMORY_REPEATS):
        workload(adapters_from_env(backend="memory", wait_time_seconds=0))
    return (time.process_time() - start) / MEMORY_REPEATS * 1e3


def _memory_bundle() -> float:
    start = time.process_time()
    for _ in range(BUNDLE_REPEATS):
        adapters_from_env(backend="memory")
    return (time.process_time() - start) / BUNDLE_REPEATS * 1e3


def run(sizes: Sizes) -> RowResult:
    provisioning: list[float] = []
    moto_work: list[float] = []
    workload(adapters_from_env(backend="memory", wait_time_seconds=0))  # imports, warm caches
    _moto_round([], [])()
    stats = interleaved(
        {
            "memory": _memory_round,
            "moto": _moto_round(provisioning, moto_work),
            "bundle": _memory_bundle,
        },
        sizes.consumer_rounds,
    )
    moto_setup = Stat.of(provisioning)
    moto_without_setup = Stat.of(moto_work)
    work = f"{JOBS} job put+get, {MESSAGES} send/receive/delete, {OBJECTS} upload+download of 1 KiB"
    comparisons = [
        at_most(
            ROW,
            f"Consumer unit test, CPU: build a bundle + {work}, `STORAGE_ADAPTER=memory`",
            stats["memory"],
            "AWS adapters on moto `mock_aws`, provisioning included",
            stats["moto"],
            "ms",
            LIMIT,
            digits=2,
            label=LABEL,
        ),
        at_most(
            ROW,
            f"Consumer unit test, CPU: build a bundle + {work}, `STORAGE_ADAPTER=memory`",
            stats["memory"],
            "AWS adapters on moto `mock_aws`, provisioning excluded",
            moto_without_setup,
            "ms",
            LIMIT,
            digits=2,
            label=LABEL,
        ),
        at_most(
            ROW,
            "Consumer unit test, CPU: building one memory bundle "
            "(`adapters_from_env(backend='memory')`, what a suite does per test)",
            stats["bundle"],
            "moto: `mock_aws` + provisioning the schema (what a moto suite does per test)",
            moto_setup,
            "ms",
            LIMIT,
            digits=3,
            label=LABEL,
        ),
    ]
    note = (
        f"Row 6: CPU time of this process (`time.process_time`), one moto test and "
        f"{MEMORY_REPEATS} memory tests (or {BUNDLE_REPEATS} memory bundles) per round, "
        "interleaved. Each test builds its bundle and runs the whole workload, checking each "
        "answer. On moto, the client cache is cleared first (as the test fixtures do), "
        "`mock_aws` starts, `provision()` creates every table, queue and bucket of the "
        "schema, then the `aws` bundle is built from the environment it returns; "
        "'provisioning excluded' starts the clock after `provision()`."
    )
    return RowResult(comparisons, [note])
