"""Resources from the schema, created on whichever endpoint a test points at.

Import the fixtures into a test module (``from tests.integration.fixtures import
deployment``); the helpers also work in-process under moto's ``mock_aws``.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters.generated.resources import BUCKETS, QUEUES, TABLES

__all__ = ["create_schema_resources", "deployment"]


def create_schema_resources(
    endpoint_url: str | None = None, *, prefix: str = "it"
) -> dict[str, str]:
    """Create every table, queue and bucket the schema declares; return their env variables.

    Tables are created from ``TableResource.create_table_request`` so they have
    exactly the keys and indexes the schema declares.
    """
    session = boto3.session.Session(region_name="us-east-1")
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    env: dict[str, str] = {}
    for table in TABLES:
        name = f"{prefix}-{table.name}"
        dynamodb.create_table(**table.create_table_request(name))
        env[table.env_var] = name
    for queue in QUEUES:
        env[queue.env_var] = sqs.create_queue(QueueName=f"{prefix}-{queue.name}")["QueueUrl"]
    for bucket in BUCKETS:
        name = f"{prefix}-{bucket.name}".replace("_", "-")
        s3.create_bucket(Bucket=name)
        env[bucket.env_var] = name
    return env


@pytest.fixture
def deployment(endpoint_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Every schema resource on the moto server, with its environment variable set."""
    env = create_schema_resources(endpoint_env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clear_client_cache()
    yield env
