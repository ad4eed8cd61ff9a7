"""The job-events pipeline on AWS: the stream-record normaliser and the SQS events sink.

The original's ``job_events`` module, by its names: ``normalize_dynamodb_stream_record``
(``stereo_spot_shared.normalize_stream_record``), ``job_events_normalizer_from_env``
(the stream ARNs from ``$JOBS_TABLE_STREAM_ARN`` and
``$SEGMENT_COMPLETIONS_TABLE_STREAM_ARN``), ``SQSJobEventsSink`` (a ``JobEvent``
as JSON on a queue) and ``get_aws_adapter`` (all four for a bridge handler).
The tables' streams, the job-events queue and its policies are schema
declarations; see docs/guides/job-events.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stereo_spot_shared.models import JobEvent, JobTableChange, SegmentCompletionInsert
from stereo_spot_shared.stream_records import normalize_stream_record

from . import env_config
from ._env import require_env
from .generated.jobs import DynamoDBJobStore
from .generated.segment_completions import DynamoSegmentCompletionStore
from .sqs import SQSQueueSender

__all__ = [
    "JobEventsAdapter",
    "Normalizer",
    "SQSJobEventsSink",
    "get_aws_adapter",
    "job_events_normalizer_from_env",
    "normalize_dynamodb_stream_record",
]

Normalizer = Callable[[Mapping[str, Any]], "JobTableChange | SegmentCompletionInsert | None"]
"""A stream record (a dict) to the pipeline's event, or ``None``."""

normalize_dynamodb_stream_record = normalize_stream_record
"""The original's name of ``stereo_spot_shared.normalize_stream_record``."""


def job_events_normalizer_from_env() -> Normalizer:
    """A normaliser that tells the tables apart by the stream ARNs the environment gives."""
    jobs_arn = env_config.jobs_table_stream_arn()
    segments_arn = env_config.segment_completions_table_stream_arn()

    def normalizer(record: Mapping[str, Any]) -> JobTableChange | SegmentCompletionInsert | None:
        return normalize_stream_record(
            record, jobs_stream_arn=jobs_arn, segment_completions_stream_arn=segments_arn
        )

    return normalizer


class SQSJobEventsSink:
    """Sends each ``JobEvent`` as JSON to the job-events queue."""

    def __init__(self, queue_url: str, *, region_name: str | None = None) -> None:
        self._sender = SQSQueueSender(queue_url, region_name=region_name)

    def send(self, job_event: JobEvent) -> None:
        """Send one event; its body is ``job_event.model_dump_json()``."""
        self._sender.send(job_event.model_dump_json())


@dataclass(frozen=True)
class JobEventsAdapter:
    """What a bridge handler needs: the normaliser, both stores and the sink."""

    normalizer: Normalizer
    job_store: DynamoDBJobStore
    segment_store: DynamoSegmentCompletionStore
    sink: SQSJobEventsSink


def get_aws_adapter() -> JobEventsAdapter:
    """The bridge's adapters from the environment.

    ``$JOB_EVENTS_QUEUE_URL`` is required (``MissingConfigurationError``, a
    ``KeyError``, when unset), as are the two tables' names; the stream ARNs
    may be unset (their records are then ignored).
    """
    queue_url = require_env(env_config.JOB_EVENTS_QUEUE_URL)
    return JobEventsAdapter(
        normalizer=job_events_normalizer_from_env(),
        job_store=env_config.job_store_from_env(),
        segment_store=env_config.segment_completion_store_from_env(),
        sink=SQSJobEventsSink(queue_url),
    )
