"""Row 2: client-side CPU per DynamoDB call, ours vs the raw client, the resource API and PynamoDB.

Every variant talks to the same canned-response stub (``_dynamo_stub``) in
another process, so the CPU time this process spends per call is the client's
cost alone: building, signing and sending the request, parsing the response,
and (for ours and the resource API) turning it into models.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from importlib import metadata
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from mypy_boto3_dynamodb.client import DynamoDBClient

from benchmarks._harness import (
    Comparison,
    RowResult,
    Sizes,
    Stat,
    at_most,
    interleaved,
    paired_ratio,
    profile_note,
)
from benchmarks._pynamodb_models import pynamodb_models
from benchmarks._samples import JOB_ID, sample_job
from stereo_spot_aws_adapters._clients import client_config
from stereo_spot_aws_adapters.generated.jobs import DynamoDBJobStore, job_to_item
from stereo_spot_aws_adapters.generated.segment_completions import DynamoSegmentCompletionStore
from stereo_spot_shared.models import Job, SegmentCompletion

ROW = 2
RAW_LIMIT = 1.05
RESOURCE_LIMIT = 1.0
PYNAMODB_LIMIT = 1.0
"""Never behind the typed library a user would pick instead."""
JOBS_TABLE = "jobs"
SEGMENTS_TABLE = "segment_completions"
PYNAMODB_VALIDATION_NOTE = (
    "Row 2, `{operation}` behind PynamoDB: PynamoDB builds its botocore client with "
    "`parameter_validation=False`; ours (and the raw floor, on our client settings) keeps "
    "botocore's parameter validation, so arguments the adapters do not check themselves still "
    "fail with a typed error before any request. That validation is the `botocore/validate.py` "
    "share of the profile below."
)
WARMUP_CALLS = 50
"""Calls per variant before measuring: the first ones load models and open connections."""


@contextmanager
def dynamo_stub(query_items: int) -> Iterator[str]:
    """Start the stub in a child process; yield its endpoint URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._dynamo_stub", "--query-items", str(query_items)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    # The resource API returns numbers as Decimal; the models take strict ints.
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}


def _cpu_us_per_call(call: Callable[[], object], iterations: int) -> Callable[[], float]:
    def measure() -> float:
        start = time.thread_time()
        for _ in range(iterations):
            call()
        return (time.thread_time() - start) / iterations * 1e6

    return measure


def _variants(endpoint: str) -> dict[str, dict[str, Callable[[], object]]]:
    """For each operation, the same call made four ways."""
    job = sample_job()
    job_item = job_to_item(job)
    job_store = DynamoDBJobStore(JOBS_TABLE, endpoint_url=endpoint)
    segment_store = DynamoSegmentCompletionStore(SEGMENTS_TABLE, endpoint_url=endpoint)

    raw: DynamoDBClient = boto3.session.Session().client(
        "dynamodb", endpoint_url=endpoint, config=client_config("dynamodb")
    )
    resource = boto3.session.Session().resource(
        "dynamodb", endpoint_url=endpoint, config=client_config("dynamodb")
    )
    jobs_table = resource.Table(JOBS_TABLE)
    segments_table = resource.Table(SEGMENTS_TABLE)
    pynamo_job_model, pynamo_segment_model = pynamodb_models(endpoint, JOBS_TABLE, SEGMENTS_TABLE)
    # The caller holds a model and saves it, as with ours: built once, outside the timing.
    pynamo_job = pynamo_job_model(
        job.job_id,
        mode=job.mode.value,
        status=job.status.value,
        created_at=job.created_at,
        total_segments=job.total_segments,
        completed_at=job.completed_at,
    )

    def raw_query() -> object:
        return raw.query(
            TableName=SEGMENTS_TABLE,
            KeyConditionExpression="#key = :key",
            ExpressionAttributeNames={"#key": "job_id"},
            ExpressionAttributeValues={":key": {"S": JOB_ID}},
            ScanIndexForward=True,
            ConsistentRead=True,
        )["Items"]

    def resource_get() -> Job:
        item = jobs_table.get_item(Key={"job_id": JOB_ID}, ConsistentRead=True)["Item"]
        return Job.model_validate(_plain(item))

    def resource_query() -> list[SegmentCompletion]:
        response = segments_table.query(
            KeyConditionExpression=Key("job_id").eq(JOB_ID), ConsistentRead=True
        )
        return [SegmentCompletion.model_validate(_plain(item)) for item in response["Items"]]

    return {
        "put": {
            "ours": lambda: job_store.put(job),
            "raw": lambda: raw.put_item(TableName=JOBS_TABLE, Item=job_item),
            "resource": lambda: jobs_table.put_item(
                Item=job.model_dump(mode="json", exclude_none=True)
            ),
            "pynamodb": pynamo_job.save,
        },
        "get": {
            "ours": lambda: job_store.get(JOB_ID),
            "raw": lambda: raw.get_item(
                TableName=JOBS_TABLE, Key={"job_id": {"S": JOB_ID}}, ConsistentRead=True
            ),
            "resource": resource_get,
            "pynamodb": lambda: pynamo_job_model.get(JOB_ID, consistent_read=True),
        },
        "query_by_job": {
            "ours": lambda: segment_store.query_by_job(JOB_ID),
            "raw": raw_query,
            "resource": resource_query,
            "pynamodb": lambda: list(pynamo_segment_model.query(JOB_ID, consistent_read=True)),
        },
    }


def segment_store_result(calls: dict[str, Callable[[], object]]) -> list[object]:
    result = calls["ours"]()
    assert isinstance(result, list)
    return result


def run(sizes: Sizes) -> RowResult:
    comparisons: list[Comparison] = []
    profiles: list[str] = []
    with dynamo_stub(sizes.query_page_items) as endpoint:
        operations = _variants(endpoint)
        results: dict[str, dict[str, Stat]] = {}
        for operation, calls in operations.items():
            for call in calls.values():
                for _ in range(min(WARMUP_CALLS, sizes.client_iterations)):
                    call()
            if operation == "query_by_job":
                # One page of the stub's segments, parsed into models: the call did its work.
                assert len(segment_store_result(calls)) == sizes.query_page_items
                pynamodb_items = calls["pynamodb"]()
                assert isinstance(pynamodb_items, list)
                assert len(pynamodb_items) == sizes.query_page_items
            measures = {
                name: _cpu_us_per_call(call, sizes.client_iterations)
                for name, call in calls.items()
            }
            results[operation] = interleaved(measures, sizes.client_rounds)
            for baseline, limit in (("raw", RAW_LIMIT), ("pynamodb", PYNAMODB_LIMIT)):
                stats = results[operation]
                if paired_ratio(stats["ours"], stats[baseline]) > limit:
                    if baseline == "pynamodb":
                        profiles.append(PYNAMODB_VALIDATION_NOTE.format(operation=operation))
                    profiles.append(
                        profile_note(
                            f"Row 2 missed for `{operation}` against {baseline}: where ours "
                            "spends more",
                            calls["ours"],
                            calls[baseline],
                            sizes.client_iterations,
                        )
                    )
    for operation, stats in results.items():
        case = f"Client CPU per `{operation}`"
        if operation == "query_by_job":
            case += f" (one page, {sizes.query_page_items} items)"
        comparisons.append(
            at_most(
                ROW,
                case,
                stats["ours"],
                "raw botocore client (floor)",
                stats["raw"],
                "µs",
                RAW_LIMIT,
            )
        )
        comparisons.append(
            at_most(
                ROW,
                case,
                stats["ours"],
                "boto3 resource `Table` + models",
                stats["resource"],
                "µs",
                RESOURCE_LIMIT,
            )
        )
        comparisons.append(
            at_most(
                ROW,
                case,
                stats["ours"],
                "PynamoDB `Model` (peer library)",
                stats["pynamodb"],
                "µs",
                PYNAMODB_LIMIT,
            )
        )
    note = (
        f"Row 2: CPU time of the calling thread (`time.thread_time`) per call, mean of "
        f"{sizes.client_iterations:,} calls per repetition, against a canned-response stub in "
        "another process over keep-alive loopback HTTP. Ours returns models; the raw client "
        "returns plain dicts (the floor: no conversion at all); the resource variant converts "
        "to the same models (`model_dump` in, `model_validate` out); PynamoDB "
        f"{metadata.version('pynamodb')} uses an equivalent `Model` per table (same keys and "
        "attributes, enums as their values), saved, fetched and queried as its documentation "
        "shows, returning its own model instances."
    )
    return RowResult(comparisons, [note, *profiles])
