"""Issue 20, item 2: the lifecycle admits every status move the seed's services make.

``SEED_MOVES`` lists each ``update(status=...)`` of the seed's services
(``packages/`` at ``dd40dad``), in its success and failure paths, with where it
comes from; the web UI only ``put``s new jobs (status created) and the trigger
moves nothing. Each move runs on our DynamoDB store (moto) and on the memory
backend, and the schema admits no other move between the seed's statuses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from codegen.model.schema_file import load_schema
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.jobs import DynamoDBJobStore
from stereo_spot_shared import adapters_from_env
from stereo_spot_shared.interfaces import JobStore
from stereo_spot_shared.models import Job, JobStatus, StereoMode

ROOT = Path(__file__).resolve().parents[2]

SEED_MOVES: list[tuple[str, str, str]] = [
    # (from, to, where the seed's service makes the move)
    ("created", "chunking_in_progress", "media-worker/src/media_worker/chunking.py:47"),
    (
        "chunking_in_progress",
        "chunking_in_progress",
        "media-worker/src/media_worker/chunking.py:47 (a redelivered upload event while chunking)",
    ),
    (
        "chunking_in_progress",
        "created",
        "media-worker/src/media_worker/chunking.py:51 (the source download failed; a retry move)",
    ),
    (
        "chunking_in_progress",
        "chunking_complete",
        "media-worker/src/media_worker/chunking.py:69-73",
    ),
    (
        "chunking_complete",
        "completed",
        "media-worker/src/media_worker/reassembly.py:74-78 (the final video already exists)",
    ),
    ("chunking_complete", "completed", "media-worker/src/media_worker/reassembly.py:96-100"),
]


@pytest.fixture(scope="module")
def dynamodb_jobs() -> Iterator[JobStore]:
    with mock_aws():
        env = provision(prefix="moves", region_name="us-east-1")
        yield DynamoDBJobStore(env["JOBS_TABLE_NAME"], region_name="us-east-1")


@pytest.fixture(params=["memory", "dynamodb"])
def jobs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> JobStore:
    if request.param == "dynamodb":
        store: JobStore = request.getfixturevalue("dynamodb_jobs")
        return store
    monkeypatch.setenv("STORAGE_ADAPTER", "memory")
    return adapters_from_env().jobs


@pytest.mark.parametrize(("source", "target", "where"), SEED_MOVES)
def test_every_status_move_of_the_seed_services_is_allowed(
    jobs: JobStore, source: str, target: str, where: str
) -> None:
    job_id = f"j-{uuid.uuid4().hex}"
    jobs.put(Job(job_id=job_id, mode=StereoMode.SBS, status=JobStatus(source), created_at=1))
    jobs.update(job_id, status=target)
    stored = jobs.get(job_id)
    assert stored is not None and stored.status == JobStatus(target), where


def test_the_schema_admits_no_other_move_between_the_seeds_statuses() -> None:
    schema = load_schema(ROOT / "schema" / "stereo_spot.toml")
    lifecycle = next(t.lifecycle for t in schema.tables if t.name == "jobs")
    assert lifecycle is not None
    seed_statuses = {"created", "chunking_in_progress", "chunking_complete", "completed"}
    admitted = {
        (source, target)
        for source, target in lifecycle.moves
        if source in seed_statuses and target in seed_statuses
    }
    assert admitted == {(s, t) for s, t, _ in SEED_MOVES if s != t}
    assert lifecycle.retries == (("chunking_in_progress", "created"),), "declared as a retry"
