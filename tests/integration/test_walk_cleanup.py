"""The walk cleans up only through the schema's declared delete access patterns.

The whole demo runs in this process, on the embedded moto server and in memory.
Its clean-up step gets a bundle whose tables answer only the access patterns of
kind ``delete`` / ``delete_partition`` the schema declares (and whose storage
answers only ``delete``); on the aws backend every AWS request of the step must
also come from inside one of those calls, so a raw boto3 delete fails the test.
Afterwards the real adapters show that everything the walk created is gone.
"""

from __future__ import annotations

import dataclasses
import io
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomllib

from stereo_spot_aws_adapters._clients import SERVICES, clear_client_cache, get_client
from stereo_spot_aws_adapters.devtools import demo
from stereo_spot_aws_adapters.devtools.walk import Walk, clean_up
from stereo_spot_shared import Adapters

pytestmark = pytest.mark.integration

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "stereo_spot.toml"
DELETE_KINDS = {"delete", "delete_partition"}


def declared_deletes() -> dict[str, set[str]]:
    """Table name -> the names of its access patterns that delete."""
    tables = tomllib.loads(SCHEMA.read_text(encoding="utf-8"))["tables"]
    return {
        name: {p["name"] for p in table["access_patterns"] if p["kind"] in DELETE_KINDS}
        for name, table in tables.items()
    }


class Guard:
    """What the clean-up step did that it must not: undeclared calls, stray requests."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.calls: list[str] = []
        self.requests: list[str] = []
        self._inside = threading.local()

    def only(self, adapter: object, label: str, allowed: set[str]) -> Any:
        guard = self

        class OnlyDeclaredDeletes:
            def __getattr__(self, name: str) -> Any:
                if name not in allowed:
                    guard.violations.append(f"{label}.{name} is not a declared delete")
                    raise AttributeError(name)
                method = getattr(adapter, name)

                def call(*args: Any, **kwargs: Any) -> Any:
                    guard.calls.append(f"{label}.{name}")
                    guard._inside.active = True
                    try:
                        return method(*args, **kwargs)
                    finally:
                        guard._inside.active = False

                return call

        return OnlyDeclaredDeletes()

    def on_request(self, event_name: str, **_: Any) -> None:
        self.requests.append(event_name.removeprefix("before-call."))
        if not getattr(self._inside, "active", False):
            self.violations.append(f"{event_name}: an AWS request outside the declared deletes")


def guarded_bundle(bundle: Adapters, guard: Guard) -> Adapters:
    deletes = declared_deletes()
    tables = {
        name: guard.only(getattr(bundle, name), name, patterns)
        for name, patterns in deletes.items()
    }
    return dataclasses.replace(
        bundle, objects=guard.only(bundle.objects, "objects", {"delete"}), **tables
    )


def leftovers(walk: Walk) -> list[str]:
    """What the walk created that the adapters can still find."""
    a = walk.adapters
    left = [f"s3://{b}/{k}" for b, k in walk.created_objects if a.objects.exists(b, k)]
    left += [f"job {j}" for j in walk.created_jobs if a.jobs.get(j) is not None]
    for job_id in {job_id for job_id, _ in walk.created_completions}:
        left += [f"completion {c}" for c in a.segment_completions.query_by_job(job_id)]
    for job_id in walk.locked_jobs:
        # try_trigger succeeds only when no lock item is left; its own item goes again.
        if not a.reassembly_triggered.try_trigger(job_id):
            left.append(f"lock {job_id}")
        a.reassembly_triggered.delete(job_id)
    return left


@pytest.fixture
def restored_environment() -> Iterator[None]:
    """The demo sets its stack's variables in os.environ, as a service's would be."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    clear_client_cache()


@pytest.mark.parametrize("backend", ["aws", "memory"])
def test_the_walk_deletes_everything_it_created_through_declared_delete_patterns(
    backend: str, restored_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = Guard()
    created: dict[str, int] = {}
    remaining: list[str] = ["the clean-up step never ran"]

    def guarded_clean_up(walk: Walk) -> str:
        nonlocal remaining
        real = walk.adapters
        clients = [get_client(service) for service in SERVICES] if backend == "aws" else []
        for client in clients:
            client.meta.events.register("before-call", guard.on_request)
        walk.adapters_ = guarded_bundle(real, guard)
        try:
            result = clean_up(walk)
        finally:
            walk.adapters_ = real
            for client in clients:
                client.meta.events.unregister("before-call", guard.on_request)
        created.update(
            objects=len(walk.created_objects),
            jobs=len(walk.created_jobs),
            completions=len(walk.created_completions),
            locks=len(walk.locked_jobs),
        )
        remaining = leftovers(walk)
        return result

    monkeypatch.setattr(demo, "clean_up", guarded_clean_up)
    out = io.StringIO()

    status = demo.run_demo(prefix=f"clean-{uuid.uuid4().hex[:6]}", backend=backend, out=out)

    assert status == 0, out.getvalue()
    assert guard.violations == []
    assert created == {"objects": 10, "jobs": 4, "completions": 4, "locks": 1}
    assert remaining == []
    assert set(guard.calls) == {
        "objects.delete",
        "jobs.delete",
        "segment_completions.delete",
        "reassembly_triggered.delete",
    }
    if backend == "aws":
        assert {"dynamodb.DeleteItem", "s3.DeleteObject"} <= set(guard.requests)
        assert set(guard.requests) <= {
            "dynamodb.DeleteItem",
            "dynamodb.Query",
            "dynamodb.BatchWriteItem",
            "s3.DeleteObject",
        }
