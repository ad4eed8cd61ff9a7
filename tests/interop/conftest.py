"""One moto stack for the seed's services and our adapters: every schema resource.

The buckets notify their queues the way ``infra/notifications.tf`` declares it,
from our layouts (each layout's prefix and suffix filter its ``notify_queue``),
so an upload reaches the seed's workers only if our layouts match the keys the
seed writes. The segment completions table has a stream, which the seed's
reassembly trigger is fed from.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from moto import mock_aws

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.resources import BUCKETS, QUEUES
from stereo_spot_shared.generated.keys import LAYOUTS
from tests.interop.seed.media import Media, make_source_video, media_step


@dataclass
class Stack:
    """The environment the services start from, and our adapters built from it."""

    env: dict[str, str]
    media: Media

    def __post_init__(self) -> None:
        self.jobs = env_config.job_store_from_env()
        self.completions = env_config.segment_completion_store_from_env()
        self.lock = env_config.reassembly_triggered_lock_from_env()
        self.storage = env_config.object_storage_from_env()
        self.input_bucket = env_config.input_bucket_name()
        self.output_bucket = env_config.output_bucket_name()
        self.chunking = env_config.chunking_queue_receiver_from_env(wait_time_seconds=0)
        self.video = env_config.video_worker_queue_receiver_from_env(wait_time_seconds=0)
        self.reassembly = env_config.reassembly_queue_receiver_from_env(wait_time_seconds=0)
        self.dynamodb = boto3.client("dynamodb")

    def source_video(self) -> bytes:
        """A source the media step can cut: a real video for ffmpeg, bytes for the fakes."""
        if not self.media.real:
            return bytes(range(256)) * 4
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "source.mp4"
            make_source_video(path)
            return path.read_bytes()

    def completion_stream_records(self, job_id: str) -> list[dict[str, Any]]:
        """The stream records of one job's completions so far, as Lambda gets them."""
        streams = boto3.client("dynamodbstreams")
        table = self.dynamodb.describe_table(TableName=self.env["SEGMENT_COMPLETIONS_TABLE_NAME"])
        arn = table["Table"]["LatestStreamArn"]
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            records += streams.get_records(ShardIterator=iterator)["Records"]
        return [r for r in records if r["dynamodb"]["Keys"]["job_id"] == {"S": job_id}]


def _notify_queues(env: dict[str, str]) -> None:
    """S3 -> SQS notifications as the layouts declare them."""
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    queue_env = {queue.name: queue.env_var for queue in QUEUES}
    for bucket in BUCKETS:
        configurations = []
        for layout in LAYOUTS:
            if layout.bucket != bucket.name or layout.notify_queue is None:
                continue
            url = env[queue_env[layout.notify_queue]]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            configurations.append(
                {
                    "QueueArn": arn["Attributes"]["QueueArn"],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": layout.prefix},
                                {"Name": "suffix", "Value": layout.suffix},
                            ]
                        }
                    },
                }
            )
        if configurations:
            s3.put_bucket_notification_configuration(
                Bucket=env[bucket.env_var],
                NotificationConfiguration={"QueueConfigurations": configurations},  # type: ignore[typeddict-item]
            )
    for queue in QUEUES:  # S3 announces a new configuration with an s3:TestEvent message
        sqs.purge_queue(QueueUrl=env[queue.env_var])


def _s3_event_key(key: str, safe: str = "") -> str:
    """A key as S3 writes it into an event: form-encoded, but "/" kept as is.

    moto 5 also encodes "/" (``input%2Fj%2Fsource.mp4``), which S3 does not;
    the seed's workers read the key without decoding, as S3 allows for their keys.
    """
    return quote_plus(key, safe="/")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """One stack per test module: tests use their own job ids, and drain what they queue."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        monkeypatch.setattr("moto.s3.notifications.quote_plus", _s3_event_key)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env = provision(prefix="interop", region_name="us-east-1")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        clear_client_cache()
        # provision() created the segment completions table's stream: the schema declares it.
        assert env["SEGMENT_COMPLETIONS_TABLE_STREAM_ARN"]
        _notify_queues(env)
        yield Stack(env, media_step())
        clear_client_cache()
