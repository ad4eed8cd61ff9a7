"""Clients are per process: after ``os.fork()`` parent and child never share a connection.

Both processes talk to moto's server through ``FaultProxy`` (which keeps
HTTP/1.1 connections alive, as AWS endpoints do; moto's own server closes each
one), so the SDK pools its connections. A child that inherited the parent's pooled socket would read
answers meant for the parent (and the other way round): ``get("job-A")``
returning job B. Each process asks for its own job many times, at the same
time, with adapters built before the fork and after it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator

import pytest
from faultproxy import FaultProxy

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters._clients import clear_client_cache, get_client
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_shared.models import Job, JobStatus, StereoMode

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only"),
]

ROUNDS = 150


def answers(job_id: str, get: Callable[[str], Job | None]) -> dict[str, int]:
    """How often reading ``job_id`` gave that job, another job, or an error."""
    tally = {"right": 0, "wrong": 0, "error": 0}
    for _ in range(ROUNDS):
        try:
            job = get(job_id)
        except Exception:  # any failure counts against the shared socket
            tally["error"] += 1
            continue
        tally["right" if job is not None and job.job_id == job_id else "wrong"] += 1
    return tally


def run_forked(child: Callable[[], dict[str, int]]) -> tuple[int, Callable[[], dict[str, int]]]:
    """Fork; the child runs ``child`` and reports its result through a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child process
        os.close(read_end)
        code = 0
        try:
            os.write(write_end, json.dumps(child()).encode())
        except BaseException:
            code = 1
        finally:
            os.close(write_end)
            sys.stdout.flush()
            os._exit(code)
    os.close(write_end)

    def result() -> dict[str, int]:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "the child process failed"
        tally: dict[str, int] = json.loads(data)
        return tally

    return pid, result


@pytest.fixture
def jobs_env(endpoint_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in provision(prefix="fork").items():
        monkeypatch.setenv(name, value)
    proxy = FaultProxy(endpoint_env).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    clear_client_cache()
    store = env_config.job_store_from_env()
    for job_id in ("job-A", "job-B"):
        store.put(Job(job_id=job_id, mode=StereoMode.SBS, status=JobStatus.CREATED))
    yield
    proxy.stop()


@pytest.mark.usefixtures("jobs_env")
def test_an_adapter_built_before_fork_answers_each_process_its_own_question() -> None:
    store = env_config.job_store_from_env()
    # Warm the pool: the parent now holds an open keep-alive connection.
    assert store.get("job-A") is not None

    _, child_result = run_forked(lambda: answers("job-B", store.get))
    parent = answers("job-A", store.get)
    child = child_result()

    assert parent == {"right": ROUNDS, "wrong": 0, "error": 0}
    assert child == {"right": ROUNDS, "wrong": 0, "error": 0}


@pytest.mark.usefixtures("jobs_env")
def test_the_client_cache_gives_a_forked_child_its_own_client() -> None:
    parent_client = get_client("dynamodb")
    assert env_config.job_store_from_env().get("job-A") is not None

    def in_child() -> dict[str, int]:
        fresh = get_client("dynamodb") is not parent_client
        tally = answers("job-B", env_config.job_store_from_env().get)
        tally["fresh_client"] = int(fresh)
        return tally

    _, child_result = run_forked(in_child)
    parent = answers("job-A", env_config.job_store_from_env().get)
    child = child_result()

    assert get_client("dynamodb") is parent_client  # the parent keeps its own
    assert parent == {"right": ROUNDS, "wrong": 0, "error": 0}
    assert child == {"right": ROUNDS, "wrong": 0, "error": 0, "fresh_client": 1}
