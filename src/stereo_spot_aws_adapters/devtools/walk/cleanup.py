"""The walk's last step: delete what it created, through the schema's declared delete patterns."""

from __future__ import annotations

from .runner import Walk


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
