"""The fault suite's endpoint: moto's server with the fault proxy in front, for the session.

``FAULTS_SCHEDULES=N`` runs N seeded schedules on the in-memory backend (and
about one process schedule per two hundred of them for each fault); the default
keeps the suite within about a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from stereo_spot_aws_adapters.devtools.embedded import EmbeddedMotoServer
from stereo_spot_aws_adapters.devtools.provision import provision
from tests.integration.faultproxy import FaultProxy

DEFAULT_SCHEDULES = 200


def schedules() -> int:
    """How many seeded schedules to run (``FAULTS_SCHEDULES``)."""
    return int(os.environ.get("FAULTS_SCHEDULES", DEFAULT_SCHEDULES))


@dataclass(frozen=True)
class Endpoint:
    server: str  # moto, for the test's own setup
    proxy: FaultProxy  # what the workers talk to
    tables: dict[str, str]


@pytest.fixture(scope="session")
def fault_server() -> Iterator[tuple[str, FaultProxy]]:
    saved = {name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    try:
        with EmbeddedMotoServer() as server, FaultProxy(server.endpoint_url) as proxy:
            yield server.endpoint_url, proxy
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def fault_endpoint(fault_server: tuple[str, FaultProxy]) -> Endpoint:
    """The session's server, its resources provisioned for this test.

    Provisioned per test: moto's backends are per process, and another test in this
    process may reset them (``/moto-api/reset``, ``mock_aws``) between two of ours.
    """
    server, proxy = fault_server
    tables = provision(prefix="faults", region_name="us-east-1", endpoint_url=server)
    return Endpoint(server, proxy, tables)
