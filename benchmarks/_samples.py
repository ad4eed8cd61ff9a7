"""The records every row works with: one job and its segment completions."""

from __future__ import annotations

from stereo_spot_shared.models import Job, JobStatus, SegmentCompletion, StereoMode

JOB_ID = "job-0f8e3c1a-5b7d-4c2e-9a61-3d2b7e4f1c90"


def sample_job() -> Job:
    """A completed job with every optional field set (the widest item)."""
    return Job(
        job_id=JOB_ID,
        mode=StereoMode.SBS,
        status=JobStatus.COMPLETED,
        created_at=1_767_225_600,
        total_segments=120,
        completed_at=1_767_229_200,
    )


def sample_segment(index: int, *, job_id: str = JOB_ID, total: int = 120) -> SegmentCompletion:
    """Segment ``index`` of the job, as a video worker records it."""
    return SegmentCompletion(
        job_id=job_id,
        segment_index=index,
        output_s3_uri=f"s3://stereo-spot-output/jobs/{job_id}/segments/{index:05d}.mp4",
        completed_at=1_767_226_000 + index,
        total_segments=total,
    )


def sample_segments(count: int, *, job_id: str = JOB_ID) -> list[SegmentCompletion]:
    return [sample_segment(index, job_id=job_id, total=count) for index in range(count)]
