"""The adapters under injected faults: throttling, 5xx, SlowDown, dropped connections.

Every client talks to moto's server through ``FaultProxy``; assertions about
what was stored are made directly against moto, behind the proxy.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from boto3.s3.transfer import TransferConfig
from faultproxy import Fault, FaultProxy, Forward, ProxiedRequest, ProxiedResponse
from fixtures import deployment

from stereo_spot_aws_adapters import (
    DynamoSegmentCompletionStore,
    S3ObjectStorage,
    SQSQueueReceiver,
    SQSQueueSender,
)
from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters.sqs import BatchRetry
from stereo_spot_shared.errors import BatchWriteError, RetryableServiceError
from stereo_spot_shared.models import SegmentCompletion

pytestmark = [pytest.mark.integration, pytest.mark.slow]

__all__ = ["deployment"]  # the imported fixture is used by name

MIB = 1024 * 1024
JOB = "job-under-fire"


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink botocore's retry delays (up to 20 s each) so faults cost milliseconds.

    The number of attempts and which errors are retried stay botocore's own.
    """
    original = botocore.retries.standard.ExponentialBackoff.delay_amount

    def shortened(self: botocore.retries.standard.ExponentialBackoff, context: Any) -> float:
        return float(original(self, context)) / 100

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", shortened)


def through(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every adapter built from now on at the proxy."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    clear_client_cache()


def dynamodb_calls(request: ProxiedRequest) -> bool:
    return request.target.startswith("DynamoDB_")


class WriteLedger:
    """Rewrite middleware for DynamoDB writes: defers some batch items, counts what lands.

    For ``BatchWriteItem`` it forwards only part of the items now and returns
    the rest as ``UnprocessedItems``, the way DynamoDB answers a partially
    throttled batch; an item is deferred at most ``max_deferrals`` times so
    the store's own retries always get it through. Every item that reaches
    moto (through BatchWriteItem or PutItem) is counted by segment index.
    """

    def __init__(self, *, rate: float, seed: int, max_deferrals: int = 3) -> None:
        self.rate = rate
        self.max_deferrals = max_deferrals
        self.landed: Counter[int] = Counter()
        self.deferred: Counter[int] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, request: ProxiedRequest, forward: Forward) -> ProxiedResponse:
        if request.target == "DynamoDB_20120810.PutItem":
            response = forward(request)
            if response.status == 200:
                self._count([request.json()["Item"]])
            return response
        if request.target != "DynamoDB_20120810.BatchWriteItem":
            return forward(request)
        document = request.json()
        [(table, writes)] = document["RequestItems"].items()
        sent, kept_back = self._split(writes)
        if not sent:
            return _batch_response(request, table, kept_back)
        response = forward(request.with_json({"RequestItems": {table: sent}}))
        if response.status != 200:
            return response
        self._count([write["PutRequest"]["Item"] for write in sent])
        if not kept_back:
            return response
        result = response.json()
        unprocessed = result.setdefault("UnprocessedItems", {})
        assert isinstance(unprocessed, dict)
        unprocessed.setdefault(table, []).extend(kept_back)
        return response.with_json(result)

    def _split(
        self, writes: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        sent: list[dict[str, Any]] = []
        kept_back: list[dict[str, Any]] = []
        with self._lock:
            for write in writes:
                index = int(write["PutRequest"]["Item"]["segment_index"]["N"])
                if self.deferred[index] < self.max_deferrals and self._random.random() < self.rate:
                    self.deferred[index] += 1
                    kept_back.append(write)
                else:
                    sent.append(write)
        return sent, kept_back

    def _count(self, items: list[dict[str, Any]]) -> None:
        with self._lock:
            self.landed.update(int(item["segment_index"]["N"]) for item in items)


def _batch_response(
    request: ProxiedRequest, table: str, unprocessed: list[dict[str, Any]]
) -> ProxiedResponse:
    empty = ProxiedResponse(
        200, "OK", (("Content-Type", "application/x-amz-json-1.0"), ("x-amz-crc32", "0")), b""
    )
    return empty.with_json({"UnprocessedItems": {table: unprocessed}})


def completion(index: int) -> SegmentCompletion:
    return SegmentCompletion(
        job_id=JOB,
        segment_index=index,
        output_s3_uri=f"s3://out/{JOB}/segment-{index:05d}.mp4",
        completed_at=1_700_000_000 + index,
        total_segments=1000,
    )


def test_completions_land_exactly_once_under_heavy_throttling(
    deployment: dict[str, str], moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = WriteLedger(rate=0.3, seed=7)
    proxy = FaultProxy(
        moto_server,
        rate=0.3,
        faults=[Fault.THROTTLE, Fault.THROTTLING],
        seed=11,
        match=dynamodb_calls,
        # botocore makes 5 attempts; at most 4 faults per call means every call
        # eventually gets through, so the outcome does not depend on the seed.
        max_faults_per_call=4,
        rewrite=ledger,
    )
    expected = [completion(index) for index in range(1000)]
    with proxy:
        through(proxy, monkeypatch)
        store = DynamoSegmentCompletionStore(deployment["SEGMENT_COMPLETIONS_TABLE_NAME"])
        # The store's own backoff, shortened like botocore's.
        store.batch_retry = BatchRetry(attempts=8, base_delay=0.001)
        for item in expected[:100]:
            store.put(item)
        for start in range(100, 1000, 180):
            store.put_many(expected[start : start + 180])
        read_back = store.query_by_job(JOB)

    assert proxy.injected[Fault.THROTTLE] > 0
    assert proxy.injected[Fault.THROTTLING] > 0
    assert sum(ledger.deferred.values()) > 0, "no batch item was ever left unprocessed"
    assert ledger.landed == Counter(range(1000)), "some item was written twice or never"
    assert read_back == expected


def upload_part_calls(request: ProxiedRequest) -> bool:
    return request.method == "PUT" and "partNumber" in request.query


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        # Whatever boto3's transfer raises, the caller gets the shared, retryable error.
        (
            Fault.SLOW_DOWN,
            RetryableServiceError,
            r"s3:UploadPart on S3 bucket 'it-input' .*\(SlowDown: ",
        ),
        (Fault.SERVER_ERROR, RetryableServiceError, r"s3:UploadPart .*\(InternalError: "),
        (
            Fault.DROP,
            RetryableServiceError,
            r"could not reach the service .*ConnectionClosedError.*/it-input/video\.mp4\?uploadId=",
        ),
    ],
    ids=["slow-down", "http-500", "dropped-connection"],
)
def test_failed_multipart_upload_raises_and_leaves_no_upload_behind(
    fault: Fault,
    error: type[Exception],
    message: str,
    deployment: dict[str, str],
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    bucket = deployment["INPUT_BUCKET_NAME"]
    source = tmp_path / "source.mp4"
    source.write_bytes(random.Random(3).randbytes(11 * MIB))
    seen: list[str] = []

    def record(request: ProxiedRequest, forward: Forward) -> ProxiedResponse:
        seen.append(f"{request.method} {request.path}")
        return forward(request)

    proxy = FaultProxy(
        moto_server, rate=1.0, faults=[fault], match=upload_part_calls, rewrite=record
    )
    config = TransferConfig(
        multipart_threshold=5 * MIB,
        multipart_chunksize=5 * MIB,
        max_concurrency=2,
        preferred_transfer_client="classic",
    )
    with proxy:
        through(proxy, monkeypatch)
        storage = S3ObjectStorage(transfer_config=config)
        with pytest.raises(error, match=message):
            storage.upload_file(bucket, "video.mp4", source)

    assert proxy.injected[fault] >= 5, "UploadPart was not retried before giving up"
    assert any(line.startswith("POST /it-input/video.mp4?uploads") for line in seen)
    assert any(line.startswith("DELETE /it-input/video.mp4?uploadId=") for line in seen)
    behind_proxy = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    assert behind_proxy.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert behind_proxy.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


class PoisonEntries:
    """Rewrite middleware for ``SendMessageBatch``: entries whose body contains ``marker`` fail.

    Those entries are removed from the request before it is forwarded (so moto
    never stores them) and reported in the response's ``Failed`` list as a
    server-side ``InternalError``, which the sender retries. Filtering on body
    content marks the same entries failed on every retry, whatever their
    position in the batch; attempts are counted per body.
    """

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.attempts: Counter[str] = Counter()

    def __call__(self, request: ProxiedRequest, forward: Forward) -> ProxiedResponse:
        if request.target != "AmazonSQS.SendMessageBatch":
            return forward(request)
        document = request.json()
        entries = document["Entries"]
        assert isinstance(entries, list)
        self.attempts.update(entry["MessageBody"] for entry in entries)
        poisoned = [entry for entry in entries if self.marker in entry["MessageBody"]]
        healthy = [entry for entry in entries if self.marker not in entry["MessageBody"]]
        failed = [
            {
                "Id": entry["Id"],
                "Code": "InternalError",
                "Message": "injected failure (fault proxy)",
                "SenderFault": False,
            }
            for entry in poisoned
        ]
        if not healthy:
            empty = ProxiedResponse(
                200, "OK", (("Content-Type", "application/x-amz-json-1.0"),), b""
            )
            return empty.with_json({"Successful": [], "Failed": failed})
        response = forward(request.with_json({**document, "Entries": healthy}))
        if response.status != 200:
            return response
        result = response.json()
        result["Failed"] = [*result.get("Failed", []), *failed]
        return response.with_json(result)


def drain(queue_url: str, endpoint: str) -> list[str]:
    """Every body on the queue, read directly from moto (bounded)."""
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    bodies: list[str] = []
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return bodies
        bodies.extend(message["Body"] for message in messages)
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError("queue did not drain in 20 receives")


def test_send_batch_reports_exactly_the_entries_that_keep_failing(
    deployment: dict[str, str], moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_url = deployment["VIDEO_WORKER_QUEUE_URL"]
    bodies = [json.dumps({"segment": index}) for index in range(25)]
    poison = {3, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 24}  # one batch of ten is all poison
    bodies = [body + (" poison" if index in poison else "") for index, body in enumerate(bodies)]
    poisoner = PoisonEntries("poison")
    with FaultProxy(moto_server, rewrite=poisoner) as proxy:
        through(proxy, monkeypatch)
        sender = SQSQueueSender(queue_url, retry=BatchRetry(attempts=3, base_delay=0))
        with pytest.raises(
            BatchWriteError, match=r"12 of 25 messages were not sent .*\(InternalError\)"
        ) as caught:
            sender.send_batch(bodies)

    assert list(caught.value.failed) == [bodies[index] for index in sorted(poison)]
    assert {poisoner.attempts[bodies[index]] for index in poison} == {3}
    healthy = [body for index, body in enumerate(bodies) if index not in poison]
    assert {poisoner.attempts[body] for body in healthy} == {1}
    assert sorted(drain(queue_url, moto_server)) == sorted(healthy)


def test_receiver_survives_dropped_connections_and_server_errors(
    deployment: dict[str, str], moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole-request faults on SQS are retried by botocore; nothing is lost or doubled."""
    queue_url = deployment["CHUNKING_QUEUE_URL"]
    proxy = FaultProxy(
        moto_server,
        rate=1.0,
        faults=[Fault.SERVER_ERROR, Fault.DROP],
        seed=5,
        match=lambda request: request.target == "AmazonSQS.ReceiveMessage",
        # Every receive fails twice, then botocore's third attempt gets through.
        max_faults_per_call=2,
    )
    with proxy:
        through(proxy, monkeypatch)
        SQSQueueSender(queue_url).send_batch([f"body-{index}" for index in range(20)])
        receiver = SQSQueueReceiver(queue_url, wait_time_seconds=0)
        received: list[str] = []
        for _ in range(30):
            messages = receiver.receive(max_messages=10)
            if not messages and len(received) >= 20:
                break
            received.extend(str(message.body) for message in messages)
            receiver.delete_batch([message.receipt_handle for message in messages])
    assert proxy.injected_total > 0
    assert sorted(received) == sorted(f"body-{index}" for index in range(20))
