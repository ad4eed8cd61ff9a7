"""moto's standalone server over real HTTP, the way a user points AWS_ENDPOINT_URL at LocalStack.

The server is ``EmbeddedMotoServer``: moto's own WSGI app on 127.0.0.1 and a free
port, handling one request at a time so conditional writes are atomic as they
are on DynamoDB (moto's backends do not lock).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters.devtools.embedded import EmbeddedMotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a moto server running for the session."""
    with EmbeddedMotoServer() as server:
        yield server.endpoint_url


@pytest.fixture
def endpoint_env(
    moto_server: str, fake_aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point every client at the moto server, which starts each test empty."""
    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as response:
        assert response.status == 200
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    clear_client_cache()
    yield moto_server
    clear_client_cache()
