"""The walk ends: the job is completed, listed page by page, and its video downloaded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from stereo_spot_shared.models import Job, JobStatus, StereoMode

from .runner import Walk, WalkError, expect, job_status, now

EXTRA_COMPLETED_JOBS = 3
PAGE_SIZE = 2
MAX_PAGES = 200


def complete_job(walk: Walk) -> str:
    jobs = walk.adapters.jobs
    walk.completed_at = now()
    jobs.update(walk.job_id, status=JobStatus.COMPLETED, completed_at=walk.completed_at)
    return f"status {job_status(jobs, walk.job_id)}, completed_at {walk.completed_at}"


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
