"""Row 3: ``query_by_job`` over every page of a big job vs botocore's own paginator."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks._harness import Comparison, RowResult, Sizes, Stat, at_most, interleaved
from benchmarks._samples import sample_segments
from benchmarks._servers import moto_process
from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters.generated.resources import TABLES
from stereo_spot_aws_adapters.generated.segment_completions import DynamoSegmentCompletionStore
from stereo_spot_shared.models import SegmentCompletion

ROW = 3
LIMIT = 1.1
TABLE = "bench-segment-completions"
JOB_ID = "job-pagination"


class RequestCounter:
    """Counts HTTP requests a client sends (botocore's ``before-send`` event)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **_: Any) -> None:
        self.count += 1


def run(sizes: Sizes) -> RowResult:
    total = sizes.pagination_segments
    with moto_process() as endpoint:
        client = get_client("dynamodb", endpoint_url=endpoint)
        table = next(t for t in TABLES if t.name == "segment_completions")
        client.create_table(**table.create_table_request(TABLE))
        store = DynamoSegmentCompletionStore(TABLE, client=client)
        store.put_many(sample_segments(total, job_id=JOB_ID))

        counter = RequestCounter()
        client.meta.events.register("before-send.dynamodb.Query", counter)
        paginator = client.get_paginator("query")

        def paginator_items() -> list[dict[str, Any]]:
            pages = paginator.paginate(
                TableName=TABLE,
                KeyConditionExpression="#key = :key",
                ExpressionAttributeNames={"#key": "job_id"},
                ExpressionAttributeValues={":key": {"S": JOB_ID}},
                ScanIndexForward=True,
                ConsistentRead=True,
            )
            return [item for page in pages for item in page["Items"]]

        def ours_items() -> list[SegmentCompletion]:
            return store.query_by_job(JOB_ID)

        variants: dict[str, Callable[[], list[Any]]] = {
            "ours": ours_items,
            "paginator": paginator_items,
        }
        counts: dict[str, int] = {}
        for name, call in variants.items():
            counter.count = 0
            got = call()
            returned = len(got)
            assert returned == total, f"{name} returned {returned} of {total} items"
            counts[name] = counter.count
            if name == "ours":
                indexes = [segment.segment_index for segment in got]
                assert indexes == list(range(total)), "ours reordered the segments"

        def seconds(call: Callable[[], object]) -> Callable[[], float]:
            def measure() -> float:
                start = time.perf_counter()
                call()
                return time.perf_counter() - start

            return measure

        stats: dict[str, Stat] = interleaved(
            {name: seconds(call) for name, call in variants.items()},
            sizes.pagination_rounds,
        )
    comparisons: list[Comparison] = [
        at_most(
            ROW,
            f"`query_by_job`, {total:,} segments: all {total:,} returned in "
            f"{counts['ours']} requests (paginator: {counts['paginator']})",
            stats["ours"],
            "`client.get_paginator('query')`, items collected",
            stats["paginator"],
            "s",
            LIMIT,
            digits=3,
        )
    ]
    note = (
        "Row 3: wall time for every page of one job against moto's server in a separate "
        "process (moto's work dominates both variants; in-process, the server's garbage "
        "collection would be charged to whichever variant allocates more); ours also builds "
        "a model per item. Requests counted with the client's `before-send` event."
    )
    return RowResult(comparisons, [note])
