"""Walk one job through the whole pipeline, step by step, through the interfaces only.

``python -m stereo_spot_aws_adapters demo`` runs these steps against an embedded
moto server (or, with ``--backend memory``, the in-memory backend) and ``smoke``
against a deployed stack. Every adapter comes from ``adapters_from_env()``, the
backend-agnostic selection the services use; the steps touch nothing but the
``Adapters`` bundle and the interfaces, so the same walk runs on any backend.

``runner`` holds what the steps share and runs them; the steps live in
``steps_*`` modules by stage of the pipeline; ``cleanup`` deletes what they
created through the schema's declared delete access patterns.
"""

from __future__ import annotations

from .cleanup import clean_up
from .media import SEGMENT_COUNT
from .queue_visit import QueueVisit
from .runner import QUEUE_POLL_SECONDS, RequestCounter, Step, Walk, WalkError, expect, run_steps
from .steps_chunking import (
    create_job,
    receive_chunking_message,
    start_chunking,
    upload_source,
    write_segments,
)
from .steps_delivery import complete_job, download_final, list_completed_jobs
from .steps_reassembly import (
    assemble_final,
    complete_lease,
    race_for_lease,
    receive_reassembly_message,
)
from .steps_workers import convert_segments, finish_chunking, trigger_reassembly

__all__ = [
    "QUEUE_POLL_SECONDS",
    "SEGMENT_COUNT",
    "WALK_STEPS",
    "QueueVisit",
    "RequestCounter",
    "Step",
    "Walk",
    "WalkError",
    "clean_up",
    "expect",
    "run_steps",
]

WALK_STEPS: tuple[Step, ...] = (
    ("create the job", create_job),
    ("upload the source through a presigned PUT", upload_source),
    ("receive the chunking message", receive_chunking_message),
    ("mark chunking in progress", start_chunking),
    ("write segments and queue them for the video workers", write_segments),
    ("video workers: receive segments, record completions", convert_segments),
    ("mark chunking complete", finish_chunking),
    ("trigger reassembly once", trigger_reassembly),
    ("receive the reassembly message", receive_reassembly_message),
    ("reassembly workers race for the lease", race_for_lease),
    ("winner assembles and uploads final.mp4", assemble_final),
    ("mark the job completed", complete_job),
    ("list completed jobs page by page", list_completed_jobs),
    ("download final.mp4 through a presigned URL", download_final),
    ("complete the lease", complete_lease),
)
"""The pipeline, in order: the same on every backend (setup steps come before, clean-up after)."""
