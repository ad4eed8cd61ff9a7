"""Fixtures of the docs harness: the environments a documented python block runs in."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

# Variables that would point a block somewhere other than where the docs say.
_CLEARED_PREFIXES = ("AWS_", "STORAGE_ADAPTER", "STEREO_SPOT_")


def base_environment() -> dict[str, str]:
    """The caller's environment without any AWS configuration or backend choice."""
    from stereo_spot_aws_adapters.env_config import VARIABLES

    cleared = set(VARIABLES)
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_CLEARED_PREFIXES) and name not in cleared
    } | {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


class LocalStack:
    """One embedded moto server; each block gets freshly provisioned resources on it."""

    REGION = "us-east-1"

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._prefixes = itertools.count(1)

    def environment(self) -> dict[str, str]:
        from stereo_spot_aws_adapters.devtools.provision import provision

        fake = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        saved = dict(os.environ)
        os.environ.update(fake)
        try:
            resources = provision(
                prefix=f"docs-{os.getpid()}-{next(self._prefixes)}",
                region_name=self.REGION,
                endpoint_url=self.endpoint_url,
            )
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return {
            **fake,
            "AWS_REGION": self.REGION,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "STORAGE_ADAPTER": "aws",
            **resources,
        }


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    from stereo_spot_aws_adapters.devtools.embedded import EmbeddedMotoServer

    with EmbeddedMotoServer() as server:
        yield LocalStack(server.endpoint_url)
