"""PynamoDB models equivalent to ours, for row 2's peer baseline (the dev extra installs PynamoDB).

Same tables, keys and attributes as ``schema/stereo_spot.toml`` declares for
``jobs`` and ``segment_completions``; enums are stored as their string values,
as ours stores them. Built per endpoint, since PynamoDB reads the endpoint from
each model's ``Meta``.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model


def pynamodb_models(endpoint: str, jobs_table: str, segments_table: str) -> tuple[Any, Any]:
    """The ``Job`` and ``SegmentCompletion`` models, talking to ``endpoint``."""

    class PynamoJob(Model):
        class Meta:
            table_name = jobs_table
            host = endpoint
            region = "us-east-1"

        job_id = UnicodeAttribute(hash_key=True)
        mode = UnicodeAttribute()
        status = UnicodeAttribute()
        created_at = NumberAttribute(null=True)
        total_segments = NumberAttribute(null=True)
        completed_at = NumberAttribute(null=True)
        failure_reason = UnicodeAttribute(null=True)

    class PynamoSegmentCompletion(Model):
        class Meta:
            table_name = segments_table
            host = endpoint
            region = "us-east-1"

        job_id = UnicodeAttribute(hash_key=True)
        segment_index = NumberAttribute(range_key=True)
        output_s3_uri = UnicodeAttribute()
        completed_at = NumberAttribute()
        total_segments = NumberAttribute(null=True)

    return PynamoJob, PynamoSegmentCompletion
