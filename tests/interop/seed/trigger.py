"""The seed's reassembly trigger: a DynamoDB-stream Lambda on segment completions.

Source: ``packages/reassembly-trigger/src/reassembly_trigger/handler.py`` at
``dd40dad``. It does not use the adapters: it reads the job with a raw
``GetItem``, unmarshals it by hand (S -> str, N -> int, NULL -> None) and calls
``Job.model_validate``; it counts completions with a ``Select=COUNT`` query, marks
the job with a conditional ``PutItem`` and sends a ``ReassemblyPayload``. Any
exception while validating the job makes it answer False (no trigger, no error).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from stereo_spot_shared import Job, JobStatus, ReassemblyPayload

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_sqs.client import SQSClient

TRIGGER_TTL_SECONDS = 90 * 86400
"""handler.py:97: the seed keeps a trigger marker for 90 days."""


def job_ids_from_stream_records(records: Sequence[Mapping[str, Any]]) -> set[str]:
    """handler.py:21-30: the distinct ``Keys.job_id`` of the batch's records."""
    job_ids: set[str] = set()
    for record in records:
        job_id = ((record.get("dynamodb") or {}).get("Keys") or {}).get("job_id")
        if job_id and "S" in job_id:
            job_ids.add(job_id["S"])
    return job_ids


def unmarshall(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """handler.py:52-64: S as str, N as int, NULL as None, anything else as is."""
    plain: dict[str, Any] = {}
    for name, value in item.items():
        if "S" in value:
            plain[name] = value["S"]
        elif "N" in value:
            plain[name] = int(value["N"])
        elif "NULL" in value:
            plain[name] = None
        else:
            plain[name] = value
    return plain


def get_job(client: DynamoDBClient, jobs_table: str, job_id: str) -> dict[str, Any] | None:
    """handler.py:33-49: a raw GetItem (eventually consistent, as the seed reads)."""
    response = client.get_item(TableName=jobs_table, Key={"job_id": {"S": job_id}})
    item = response.get("Item")
    return unmarshall(item) if item else None


def count_segment_completions(client: DynamoDBClient, table: str, job_id: str) -> int:
    """handler.py:67-81."""
    response = client.query(
        TableName=table,
        KeyConditionExpression="job_id = :jid",
        ExpressionAttributeValues={":jid": {"S": job_id}},
        Select="COUNT",
    )
    return response.get("Count", 0)


def create_reassembly_triggered(client: DynamoDBClient, table: str, job_id: str) -> bool:
    """handler.py:84-112: conditional create; False when the job was triggered before."""
    now = int(time.time())
    try:
        client.put_item(
            TableName=table,
            Item={
                "job_id": {"S": job_id},
                "triggered_at": {"N": str(now)},
                "ttl": {"N": str(now + TRIGGER_TTL_SECONDS)},
            },
            ConditionExpression="attribute_not_exists(job_id)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def send_reassembly_message(client: SQSClient, queue_url: str, job_id: str) -> None:
    """handler.py:115-124."""
    client.send_message(
        QueueUrl=queue_url, MessageBody=ReassemblyPayload(job_id=job_id).model_dump_json()
    )


def should_trigger_reassembly(
    client: DynamoDBClient, jobs_table: str, completions_table: str, job_id: str
) -> bool:
    """handler.py:127-152: the job is chunking_complete and every segment is recorded."""
    item = get_job(client, jobs_table, job_id)
    if not item:
        return False
    try:
        job = Job.model_validate(item)
    except Exception:  # handler.py:143: the seed swallows every validation failure
        return False
    if job.status != JobStatus.CHUNKING_COMPLETE:
        return False
    if job.total_segments is None or job.total_segments < 1:
        return False
    return count_segment_completions(client, completions_table, job_id) == job.total_segments


def lambda_handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """handler.py:155-222 (``process_job_id`` inlined): names from the environment."""
    jobs_table = os.environ["JOBS_TABLE_NAME"]
    completions_table = os.environ["SEGMENT_COMPLETIONS_TABLE_NAME"]
    triggered_table = os.environ["REASSEMBLY_TRIGGERED_TABLE_NAME"]
    queue_url = os.environ["REASSEMBLY_QUEUE_URL"]
    job_ids = job_ids_from_stream_records(event.get("Records") or [])
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
    for job_id in job_ids:
        if not should_trigger_reassembly(dynamodb, jobs_table, completions_table, job_id):
            continue
        if create_reassembly_triggered(dynamodb, triggered_table, job_id):
            send_reassembly_message(sqs, queue_url, job_id)
    return {"statusCode": 200, "body": json.dumps({"processed_job_ids": list(job_ids)})}
