"""Resources from the schema, created on whichever endpoint a test points at.

Import the fixtures into a test module (``from tests.integration.fixtures import
deployment``); the helpers also work in-process under moto's ``mock_aws``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters.devtools.provision import provision

__all__ = ["create_schema_resources", "deployment"]


def create_schema_resources(
    endpoint_url: str | None = None, *, prefix: str = "it"
) -> dict[str, str]:
    """Create every table, queue and bucket the schema declares; return their env variables."""
    return provision(prefix=prefix, region_name="us-east-1", endpoint_url=endpoint_url)


@pytest.fixture
def deployment(endpoint_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Every schema resource on the moto server, with its environment variable set."""
    env = create_schema_resources(endpoint_env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clear_client_cache()
    yield env
