"""The seed web UI's routes, as plain functions over the interfaces (no HTTP).

Source: ``packages/web-ui/src/stereo_spot_web_ui/main.py`` at ``dd40dad``
(``list_jobs`` :37-66, ``create_job`` :69-89, ``job_detail`` :92-118, ``play``
:121-142), and the progress page's read at ``ba8850c`` (``main.py:167``:
``job_store.get(job_id, consistent_read=True)``).
"""

from __future__ import annotations

import base64
import json
import time
import uuid

from stereo_spot_shared import Job, JobListItem, JobStatus, StereoMode
from stereo_spot_shared.interfaces import JobStore, ObjectStorage
from tests.interop.seed.keys import build_final_key, build_input_key


def create_job(job_store: JobStore, mode: str) -> str:
    """main.py:69-89: a new job, status created."""
    job_id = str(uuid.uuid4())
    job_store.put(
        Job(
            job_id=job_id,
            mode=StereoMode(mode),
            status=JobStatus.CREATED,
            created_at=int(time.time()),
        )
    )
    return job_id


def job_detail(
    job_store: JobStore, storage: ObjectStorage, input_bucket: str, job_id: str
) -> tuple[Job, str | None] | None:
    """main.py:92-118: the job, and an upload URL while it is created."""
    job = job_store.get(job_id)
    if job is None:
        return None
    upload_url = None
    if job.status == JobStatus.CREATED:
        upload_url = storage.presign_upload(input_bucket, build_input_key(job_id), expires_in=3600)
    return job, upload_url


def play(
    job_store: JobStore, storage: ObjectStorage, output_bucket: str, job_id: str
) -> str | None:
    """main.py:121-142: a playback URL of the final video once the job is completed."""
    job = job_store.get(job_id)
    if job is None or job.status != JobStatus.COMPLETED:
        return None
    return storage.presign_download(output_bucket, build_final_key(job_id), expires_in=3600)


def list_jobs(
    job_store: JobStore, limit: int = 20, next_token: str | None = None
) -> tuple[list[JobListItem], str | None]:
    """main.py:37-66: the page token crosses the browser as base64 of JSON."""
    start = None
    if next_token:
        try:
            start = json.loads(base64.urlsafe_b64decode(next_token.encode()).decode())
        except Exception:
            start = None
    items, next_key = job_store.list_completed(limit=limit, exclusive_start_key=start)
    token = None
    if next_key:
        token = base64.urlsafe_b64encode(json.dumps(next_key, default=str).encode()).decode()
    return items, token


def progress(job_store: JobStore, job_id: str) -> Job | None:
    """ba8850c main.py:167: the progress stream reads the job consistently."""
    return job_store.get(job_id, consistent_read=True)
