"""Many writers and racers at once, over HTTP against moto's server."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from faultproxy import FaultProxy
from fixtures import deployment

from stereo_spot_aws_adapters import DynamoSegmentCompletionStore
from stereo_spot_aws_adapters._clients import clear_client_cache, client_config
from stereo_spot_aws_adapters.env_config import (
    reassembly_triggered_lock_from_env,
    segment_completion_store_from_env,
)
from stereo_spot_shared.models import SegmentCompletion

pytestmark = [pytest.mark.integration, pytest.mark.slow]

__all__ = ["deployment"]  # the imported fixture is used by name

JOB = "job-contended"
THREADS = 16
PROCESSES = 4


def race_for_lease(barrier: Any, results: Any, name: str) -> None:
    """Build a lock from the environment, wait for every racer, then try to acquire once.

    Runs in threads and in spawned processes; puts ``(name, owner_id, won)``
    on ``results``, or ``(name, "", error text)`` if anything failed.
    """
    try:
        lock = reassembly_triggered_lock_from_env()
        lock.try_acquire("warm-up-missing-item")  # open the connection before the race
        barrier.wait(timeout=120)
        results.put((name, lock.owner_id, lock.try_acquire(JOB, lease_seconds=600)))
    except Exception as error:  # reported to the test, which fails on it
        results.put((name, "", f"{type(error).__name__}: {error}"))


def run_race() -> tuple[list[tuple[str, str, object]], list[int | None]]:
    """Start every racer, collect one outcome from each, and wait for all to end."""
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(THREADS + PROCESSES)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=race_for_lease, args=(barrier, results, f"process-{n}"))
        for n in range(PROCESSES)
    ]
    threads = [
        threading.Thread(target=race_for_lease, args=(barrier, results, f"thread-{n}"))
        for n in range(THREADS)
    ]
    for process in processes:
        process.start()
    for thread in threads:
        thread.start()
    try:
        outcomes = [results.get(timeout=180) for _ in range(THREADS + PROCESSES)]
    finally:
        for thread in threads:
            thread.join(timeout=30)
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return outcomes, [process.exitcode for process in processes]


def test_exactly_one_of_many_threads_and_processes_acquires_the_lease(
    deployment: dict[str, str], moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 racers, one winner.

    The racers reach moto through a serializing proxy: moto's server does not
    apply a conditional write atomically (two racers both won without it),
    which DynamoDB does. The order in which the racers arrive is still theirs.
    """
    table = deployment["REASSEMBLY_TRIGGERED_TABLE_NAME"]
    assert reassembly_triggered_lock_from_env().try_trigger(JOB)
    with FaultProxy(moto_server, serialize=True) as proxy:
        # Spawned processes inherit the environment, so they use the proxy too.
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        clear_client_cache()
        outcomes, exit_codes = run_race()

    errors = [outcome for outcome in outcomes if not isinstance(outcome[2], bool)]
    assert errors == []
    assert exit_codes == [0] * PROCESSES
    assert {name for name, _, _ in outcomes} == {
        *(f"process-{n}" for n in range(PROCESSES)),
        *(f"thread-{n}" for n in range(THREADS)),
    }
    winners = [(name, owner) for name, owner, won in outcomes if won is True]
    assert len(winners) == 1, winners
    owners = {owner for _, owner, _ in outcomes}
    assert len(owners) == THREADS + PROCESSES, "racers must not share an owner id"
    item = boto3.client("dynamodb", endpoint_url=moto_server).get_item(
        TableName=table, Key={"job_id": {"S": JOB}}
    )["Item"]
    assert item["lease_owner"] == {"S": winners[0][1]}


def completion(index: int, *, total: int, padding: str = "") -> SegmentCompletion:
    return SegmentCompletion(
        job_id=JOB,
        segment_index=index,
        output_s3_uri=f"s3://out/{JOB}/{padding}segment-{index:05d}.mp4",
        completed_at=1_700_000_000 + index,
        total_segments=total,
    )


def test_eight_writers_store_two_thousand_completions(deployment: dict[str, str]) -> None:
    expected = [completion(index, total=2000) for index in range(2000)]
    store = segment_completion_store_from_env()

    def write(worker: int) -> None:
        # Interleaved indices, so every writer hits the same partition throughout.
        mine = expected[worker::8]
        for start in range(0, 220, 44):
            store.put_many(mine[start : start + 44])
        for item in mine[220:]:
            store.put(item)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))  # list() re-raises any writer's error

    assert store.query_by_job(JOB) == expected


def test_ten_thousand_completions_read_back_across_many_pages(
    deployment: dict[str, str],
) -> None:
    # ~250 bytes per item: 10,000 items are ~2.5 MB, three 1 MB query pages.
    expected = [completion(index, total=10_000, padding="p" * 200 + "/") for index in range(10_000)]
    client = boto3.session.Session().client("dynamodb", config=client_config("dynamodb"))
    queries: list[str] = []
    client.meta.events.register("before-send.dynamodb.Query", lambda **_: queries.append("Query"))
    store = DynamoSegmentCompletionStore(
        deployment["SEGMENT_COMPLETIONS_TABLE_NAME"], client=client
    )

    store.put_many(expected)
    read_back = store.query_by_job(JOB)

    assert len(queries) > 1, "the partition fit in one page: the padding is too small"
    assert len(read_back) == 10_000
    assert read_back == expected
