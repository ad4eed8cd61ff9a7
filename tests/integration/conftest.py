"""moto's standalone HTTP server, for tests that need real HTTP (presigned URLs)."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from stereo_spot_aws_adapters._clients import clear_client_cache


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a moto server running for the session."""
    werkzeug_log = logging.getLogger("werkzeug")
    previous_level = werkzeug_log.level
    # One line per request would bury the test output.
    werkzeug_log.setLevel(logging.ERROR)
    # Port 0: the OS picks a free port, read back once the server is listening.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug_log.setLevel(previous_level)


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
