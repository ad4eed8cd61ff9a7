"""Unit-tier fixtures: moto in-process, with every table created from the schema."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from stereo_spot_aws_adapters.generated.resources import TABLES


@pytest.fixture
def table_names(aws: None) -> Iterator[dict[str, str]]:
    """Create every schema table on moto; yields {schema name: table name}."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    names = {}
    for table in TABLES:
        name = f"test-{table.name}"
        client.create_table(**table.create_table_request(name))
        if table.ttl_attribute:
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        names[table.name] = name
    yield names
