"""Real worker processes race for one job's lease through the fault proxy in front of moto.

Each schedule starts three ``tests.faults.worker`` processes on one job,
waits until one of them holds the lease, then hits that holder with one
fault: SIGSTOP for longer than the lease then SIGCONT (a GC pause), SIGKILL
mid-hold, the proxy silent to it for three leases, a rival whose clock is
skewed inside / outside the tolerance, or a fork inside its block. The
workers' histories must pass ``history.check``; where the fault should hand
the job to a rival, a rival must take over and complete it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stereo_spot_aws_adapters import DynamoDBJobStore, ReassemblyTriggeredLock
from stereo_spot_shared.models import Job
from tests.faults.conftest import Endpoint, schedules
from tests.faults.history import Event, check, read_history

LEASE = 2  # seconds: short, so a schedule takes a few seconds
MARGIN = 0.5
ROOT = Path(__file__).resolve().parents[2]
FAULTS = ("pause", "kill", "silent", "skew_inside", "skew_outside", "fork")
TAKEN_OVER = {"pause", "kill", "silent", "skew_outside"}  # a rival must finish the job


def seeds() -> list[tuple[str, int]]:
    per_fault = max(1, schedules() // 200)
    return [(fault, seed) for seed in range(per_fault) for fault in FAULTS]


@pytest.mark.parametrize(("fault", "seed"), seeds(), ids=lambda v: str(v))
def test_one_holder_at_a_time_and_no_stale_write_lands(
    fault_endpoint: Endpoint, tmp_path: Path, fault: str, seed: int
) -> None:
    key = f"job-{fault}-{seed}-{os.getpid()}"
    tables = fault_endpoint.tables
    jobs = DynamoDBJobStore(tables["JOBS_TABLE_NAME"], endpoint_url=fault_endpoint.server)
    jobs.put(Job(job_id=key, mode="anaglyph", status="created", created_at=1))
    lock = ReassemblyTriggeredLock(
        tables["REASSEMBLY_TRIGGERED_TABLE_NAME"], endpoint_url=fault_endpoint.server
    )
    assert lock.try_trigger(key)

    tolerance = 1 if fault.startswith("skew") else 0
    rival_offset = {"skew_inside": tolerance * 0.9, "skew_outside": LEASE + tolerance + 6}
    workers: dict[str, subprocess.Popen[bytes]] = {}
    for index in range(3):
        name = f"w{index}s{seed}{fault}"
        config = {
            "name": name,
            "key": key,
            "endpoint": fault_endpoint.proxy.url,
            "jobs_table": tables["JOBS_TABLE_NAME"],
            "lock_table": tables["REASSEMBLY_TRIGGERED_TABLE_NAME"],
            "lease_seconds": LEASE,
            "margin": MARGIN,
            "tolerance": tolerance,
            "clock_offset": rival_offset.get(fault, 0.0) if index else 0.0,
            "read_timeout": 1,
            "step_seconds": 0.1,
            "hold_steps": 20,  # about 2 s of work once acquired
            "run_seconds": 16,
            "fork_inside": fault == "fork",
            "log": str(tmp_path / f"{name}.jsonl"),
        }
        workers[name] = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.worker", json.dumps(config)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if index == 0:  # the first worker takes the lease; the others race for it after
            holder = _first_holder(tmp_path, timeout=30)
    try:
        process = workers[holder]
        time.sleep(0.4 + (seed % 5) / 10)  # some work under the lease first
        if fault == "pause":
            process.send_signal(signal.SIGSTOP)
            time.sleep(LEASE * 2.5)
            process.send_signal(signal.SIGCONT)
        elif fault == "kill":
            process.kill()
        elif fault == "silent":
            tag = f"fault-worker/{holder}"
            fault_endpoint.proxy.go_silent(
                3 * LEASE, match=lambda request: tag in (request.header("User-Agent") or "")
            )
        for process in workers.values():
            process.wait(timeout=40)
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    logs = sorted(tmp_path.glob("*.jsonl"))
    history = read_history(logs)
    problems = check(history, skew_tolerated=fault != "skew_outside")
    assert problems == [], "\n".join(problems)
    _assert_progress(history, fault, holder)


def _first_holder(folder: Path, *, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = read_history(folder.glob("*.jsonl"))
        acquired = [event for event in history if event.kind == "acquired"]
        if acquired:
            return acquired[0].owner.split("/")[0]
        time.sleep(0.05)
    raise AssertionError("no worker acquired the lease")


def _assert_progress(history: list[Event], fault: str, holder: str) -> None:
    owners = {event.owner for event in history if event.kind == "acquired"}
    completed = [event for event in history if event.kind == "completed"]
    assert len(completed) == 1, f"exactly one owner completes the job: {completed}"
    if fault in TAKEN_OVER:
        assert len(owners) >= 2, "a rival took the job over"
        assert not completed[0].owner.startswith(holder + "/"), "the faulted holder never completes"
    elif not any(e.kind == "lost" and e.owner.startswith(holder + "/") for e in history):
        # (A holder starved past its deadline on a loaded machine counts itself lost; then a
        # rival may rightly take over, and the checker above is the whole proof.)
        assert owners == {completed[0].owner}, "nobody takes over a live lease"
