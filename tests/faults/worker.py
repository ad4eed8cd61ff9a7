"""One real worker process of the fault suite: race for a lease, work under it, log everything.

``python -m tests.faults.worker CONFIG_JSON``. The worker points its DynamoDB
client at the fault proxy, tries ``lock.hold(key)`` until it gets the lease
(or ``run_seconds`` pass), and while it holds it repeats: a write fenced with
the lease (``jobs.update(..., fence=lease)``), then a look at ``lease.lost``.
After ``hold_steps`` steps it leaves the block (completing the lease and
leaving a ``done`` file beside its history, which ends the race). Every
event goes to its history file (``history.Event``, one JSON line each, stamped
with ``time.monotonic()``). With ``fork_inside`` it forks once inside the
block; the child leaves the block with ``sys.exit`` at once.

The order inside a step -- write first, then look -- is what a paused holder
does on waking: its first act is a zombie write, which the fence must refuse.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from stereo_spot_aws_adapters import DynamoDBJobStore, ReassemblyTriggeredLock
from stereo_spot_shared import LeaseLostError, StereoSpotError
from stereo_spot_shared.leases import LeaseTiming
from tests.faults.history import Event


def main(config: dict[str, Any]) -> int:
    logging.basicConfig(level=logging.ERROR)
    name, key = config["name"], config["key"]
    log = Path(config["log"]).open("a", encoding="utf-8", buffering=1)  # noqa: SIM115 (the whole run)
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=config["endpoint"],
        config=Config(
            connect_timeout=1,
            read_timeout=config["read_timeout"],
            retries={"max_attempts": 1, "mode": "standard"},
            user_agent_extra=f"fault-worker/{name}",
        ),
    )
    lock = ReassemblyTriggeredLock(config["lock_table"], client=client, owner_id=name)
    lock.lease_timing = LeaseTiming(config["margin"], config["tolerance"])
    offset = config["clock_offset"]
    lock.clock = lambda: int(time.time() + offset)
    jobs = DynamoDBJobStore(config["jobs_table"], client=client)

    def record(owner: str, kind: str, token: int | None = None, sent: float | None = None) -> None:
        log.write(Event(time.monotonic(), owner, kind, key, token, sent).line() + "\n")

    done = Path(config["log"]).with_name("done")  # the job was completed: nothing left to race for
    stop_at = time.monotonic() + config["run_seconds"]
    while time.monotonic() < stop_at and not done.exists():
        try:
            with lock.hold(key, lease_seconds=config["lease_seconds"]) as lease:
                if not lease.acquired:
                    time.sleep(config["step_seconds"])
                    continue
                record(lease.owner, "acquired", lease.token)
                if config.get("fork_inside") and os.fork() == 0:
                    record(lease.owner, "forked")
                    sys.exit(0)  # leaves the block in the child: it must settle nothing
                for _ in range(config["hold_steps"]):
                    sent, token = time.monotonic(), lease.token
                    try:
                        jobs.update(key, failure_reason=name, fence=lease)
                        record(lease.owner, "write_ok", token, sent)
                    except LeaseLostError:
                        record(lease.owner, "write_refused", token, sent)
                    except StereoSpotError:
                        pass  # a timeout through a silent proxy: not an answer either way
                    if lease.lost:
                        record(lease.owner, "lost")
                        break
                    record(lease.owner, "held", lease.token)
                    time.sleep(config["step_seconds"])
            if lease.completed:
                record(lease.owner, "completed", lease.token)
                done.touch()
            if config.get("fork_inside"):
                os.waitpid(-1, 0)
            return 0
        except StereoSpotError:
            time.sleep(config["step_seconds"])  # the endpoint did not answer: try again
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
