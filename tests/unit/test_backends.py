"""STORAGE_ADAPTER: one switch, backends found through entry points, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stereo_spot_aws_adapters import (
    DynamoDBJobStore,
    ReassemblyTriggeredLock,
    S3ObjectStorage,
    SQSQueueReceiver,
    SQSQueueSender,
    env_config,
)
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_shared import Adapters, adapters_from_env
from stereo_spot_shared.backends import ENTRY_POINT_GROUP, installed_backends
from stereo_spot_shared.errors import MissingConfigurationError, UnknownBackendError
from stereo_spot_shared.generated.memory_jobs import MemoryJobsTable
from stereo_spot_shared.memory import MemoryObjectStorage, MemoryQueueReceiver, MemoryQueueSender
from stereo_spot_shared.models import Job, JobStatus, StereoMode

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_resource_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in env_config.VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    monkeypatch.delenv("STORAGE_ADAPTER", raising=False)


def test_both_backends_are_registered_as_entry_points() -> None:
    backends = installed_backends()
    assert {"aws", "memory"} <= set(backends)
    assert backends["aws"].value == "stereo_spot_aws_adapters.env_config:build_adapters"
    assert backends["memory"].value == "stereo_spot_shared.generated.memory_backend:build_adapters"
    assert all(entry.group == ENTRY_POINT_GROUP for entry in backends.values())


def test_aws_is_the_default_and_names_every_missing_variable_at_once(
    no_resource_variables: None,
) -> None:
    with pytest.raises(MissingConfigurationError) as missing:
        adapters_from_env()
    assert missing.value.variables == tuple(v.name for v in env_config.VARIABLES)
    assert "8 environment variable(s) missing" in str(missing.value)
    assert isinstance(missing.value, KeyError)


def test_aws_backend_builds_every_adapter_from_the_environment(
    aws: None, no_resource_variables: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in provision(prefix="select").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("STORAGE_ADAPTER", "aws")

    adapters = adapters_from_env(wait_time_seconds=0)

    assert adapters.backend == "aws"
    assert isinstance(adapters.jobs, DynamoDBJobStore)
    assert isinstance(adapters.reassembly_triggered, ReassemblyTriggeredLock)
    assert isinstance(adapters.objects, S3ObjectStorage)
    assert isinstance(adapters.chunking_sender, SQSQueueSender)
    assert isinstance(adapters.video_worker_receiver, SQSQueueReceiver)
    assert adapters.video_worker_receiver.wait_time_seconds == 0
    assert adapters.input_bucket == "select-input"
    adapters.jobs.put(Job(job_id="j", mode=StereoMode.SBS, status=JobStatus.CREATED))
    assert adapters.jobs.get("j") is not None
    # Without an override, each receiver waits as long as the schema says.
    assert adapters_from_env().chunking_receiver.wait_time_seconds == 20  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["memory", " Memory ", "MEMORY"])
def test_memory_needs_no_configuration(
    no_resource_variables: None, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("STORAGE_ADAPTER", value)
    adapters = adapters_from_env()
    assert adapters.backend == "memory"
    assert isinstance(adapters.jobs, MemoryJobsTable)
    assert isinstance(adapters.objects, MemoryObjectStorage)
    assert isinstance(adapters.reassembly_sender, MemoryQueueSender)
    assert isinstance(adapters.reassembly_receiver, MemoryQueueReceiver)
    assert (adapters.input_bucket, adapters.output_bucket) == ("input", "output")


def test_an_unknown_backend_lists_the_installed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_ADAPTER", "gcp")
    with pytest.raises(UnknownBackendError) as unknown:
        adapters_from_env()
    assert isinstance(unknown.value, ValueError)
    assert unknown.value.backend == "gcp"
    assert {"aws", "memory"} <= set(unknown.value.installed)
    assert (
        "STORAGE_ADAPTER='gcp': no storage backend 'gcp' is installed (installed: aws, memory"
        in (str(unknown.value))
    )
    with pytest.raises(UnknownBackendError, match="backend: no storage backend 'azure'"):
        adapters_from_env(backend="azure")


def test_two_memory_bundles_never_share_data() -> None:
    first, second = adapters_from_env(backend="memory"), adapters_from_env(backend="memory")
    first.jobs.put(Job(job_id="j", mode=StereoMode.SBS, status=JobStatus.CREATED))
    first.objects.upload(first.input_bucket, "k", b"x")
    first.chunking_sender.send("hello")
    assert second.jobs.get("j") is None
    assert second.objects.exists(second.input_bucket, "k") is False
    second.chunking_receiver.wait_time_seconds = 0  # type: ignore[attr-defined]
    assert second.chunking_receiver.receive() == []
    assert isinstance(first, Adapters) and first != second


def test_the_memory_backend_runs_with_no_boto3_importable(tmp_path: Path) -> None:
    """A service's unit tests need neither boto3 nor moto: the shared package imports alone."""
    script = tmp_path / "no_boto3.py"
    script.write_text(
        textwrap.dedent(
            """
            import importlib.abc
            import sys

            BLOCKED = ("boto3", "botocore", "s3transfer", "moto", "stereo_spot_aws_adapters")

            class Blocker(importlib.abc.MetaPathFinder):
                def find_spec(self, name, path=None, target=None):
                    if name.split(".")[0] in BLOCKED:
                        raise ImportError(f"{name} is blocked in this test")
                    return None

            sys.meta_path.insert(0, Blocker())

            from stereo_spot_shared import adapters_from_env
            from stereo_spot_shared.models import Job, JobStatus, StereoMode

            adapters = adapters_from_env()  # STORAGE_ADAPTER=memory
            adapters.jobs.put(Job(job_id="j", mode=StereoMode.SBS, status=JobStatus.CREATED))
            adapters.chunking_sender.send(b"bytes")
            (message,) = adapters.chunking_receiver.receive()
            assert message.body == b"bytes"
            assert adapters.jobs.get("j").status is JobStatus.CREATED
            loaded = sorted(n for n in sys.modules if n.split(".")[0] in BLOCKED)
            print("loaded:", loaded)
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "STORAGE_ADAPTER": "memory"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: []"
