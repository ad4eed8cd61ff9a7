"""Backend selection: one registration per name, and a start-up that imports only what it needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stereo_spot_shared import adapters_from_env
from stereo_spot_shared.errors import DuplicateBackendError, InvalidConfigurationError


def _fake_distribution(
    root: Path, name: str, backends: dict[str, str], *, module: str | None = None
) -> None:
    """A distribution installed in ``root`` that registers ``backends`` (name -> "module:attr")."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
    )
    lines = "".join(f"{backend} = {target}\n" for backend, target in backends.items())
    (info / "entry_points.txt").write_text(
        f"[console_scripts]\n{name} = x:y\n\n[stereo_spot.backends]\n{lines}", encoding="utf-8"
    )
    if module is not None:
        (root / f"{module}.py").write_text(
            textwrap.dedent(
                """
                from stereo_spot_shared.generated.memory_backend import build_adapters as _memory

                CALLS = []

                def build_adapters(*, wait_time_seconds=None):
                    CALLS.append(wait_time_seconds)
                    return _memory(wait_time_seconds=wait_time_seconds)
                """
            ),
            encoding="utf-8",
        )


@pytest.mark.parametrize("shipped", ["aws", "memory"])
def test_a_second_distribution_registering_a_shipped_name_is_an_error_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: str
) -> None:
    _fake_distribution(tmp_path, "rogue-backend", {shipped: "rogue_backend:build_adapters"})
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(DuplicateBackendError) as duplicate:
        adapters_from_env(backend=shipped)

    error = duplicate.value
    assert isinstance(error, InvalidConfigurationError)
    assert error.backend == shipped
    owner = "stereo-spot-aws-adapters" if shipped == "aws" else "stereo-spot-shared"
    assert set(error.distributions) == {owner, "rogue-backend"}
    message = str(error)
    assert f"backend {shipped!r} is registered by 2 installed distributions" in message
    assert "rogue-backend (rogue_backend:build_adapters)" in message and owner in message


def test_the_variable_selects_a_duplicated_name_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_distribution(tmp_path, "rogue-backend", {"aws": "rogue_backend:build_adapters"})
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("STORAGE_ADAPTER", "aws")
    with pytest.raises(DuplicateBackendError, match="STORAGE_ADAPTER='aws'"):
        adapters_from_env()


def test_a_name_nobody_else_registers_still_loads_with_a_rival_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_distribution(tmp_path, "rogue-backend", {"aws": "rogue_backend:build_adapters"})
    monkeypatch.syspath_prepend(str(tmp_path))
    assert adapters_from_env(backend="memory").backend == "memory"


def test_a_third_party_backend_is_found_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_distribution(
        tmp_path,
        "plugin-backend",
        {"plugin": "plugin_backend:build_adapters"},
        module="plugin_backend",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    adapters = adapters_from_env(backend="plugin", wait_time_seconds=3)
    assert adapters.backend == "memory"  # the plugin wraps the memory backend
    import plugin_backend  # type: ignore[import-not-found]

    assert plugin_backend.CALLS == [3]


def test_two_distributions_registering_a_third_party_name_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_distribution(tmp_path / "a", "plugin-one", {"plugin": "one:build_adapters"})
    _fake_distribution(tmp_path / "b", "plugin-two", {"plugin": "two:build_adapters"})
    monkeypatch.syspath_prepend(str(tmp_path / "a"))
    monkeypatch.syspath_prepend(str(tmp_path / "b"))
    with pytest.raises(DuplicateBackendError) as duplicate:
        adapters_from_env(backend="plugin")
    assert set(duplicate.value.distributions) == {"plugin-one", "plugin-two"}


def test_one_distribution_found_twice_on_the_path_is_not_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same distribution in two path entries (a venv and a PYTHONPATH copy):
    # Python uses the first, as importlib.metadata does; that is no conflict.
    for folder in ("a", "b"):
        _fake_distribution(
            tmp_path / folder,
            "plugin-backend",
            {"plugin": "plugin_backend:build_adapters"},
            module="plugin_backend",
        )
        monkeypatch.syspath_prepend(str(tmp_path / folder))
    assert adapters_from_env(backend="plugin").backend == "memory"


# What `adapters_from_env()` with STORAGE_ADAPTER=aws may import of ours: the
# factories and the adapters' runtime. Not the models (pydantic), not the key
# layouts, not the memory backend, and no scan of every distribution through
# importlib.metadata (botocore imports that module itself, so its presence says nothing).
AWS_PATH_MODULES = {
    "stereo_spot_aws_adapters",
    "stereo_spot_aws_adapters._clients",
    "stereo_spot_aws_adapters._dynamo",
    "stereo_spot_aws_adapters._env",
    "stereo_spot_aws_adapters._errors",
    "stereo_spot_aws_adapters._leases",  # the lock adapter's runtime (i21), built with the bundle
    "stereo_spot_aws_adapters._logging",
    "stereo_spot_aws_adapters._retry",
    "stereo_spot_aws_adapters.iam_actions",
    "stereo_spot_aws_adapters.env_config",
    "stereo_spot_aws_adapters.generated",
    "stereo_spot_aws_adapters.generated.jobs",
    "stereo_spot_aws_adapters.generated.reassembly_triggered",
    "stereo_spot_aws_adapters.generated.segment_completions",
    "stereo_spot_aws_adapters.s3",
    "stereo_spot_aws_adapters.sqs",
    "stereo_spot_shared",
    "stereo_spot_shared._backend_registry",
    "stereo_spot_shared._checks",
    "stereo_spot_shared._clock",
    "stereo_spot_shared._lazy",
    "stereo_spot_shared._messages",
    "stereo_spot_shared._object_checks",
    "stereo_spot_shared.backends",
    "stereo_spot_shared.errors",
    "stereo_spot_shared.generated",
    "stereo_spot_shared.generated.adapters",
    "stereo_spot_shared.heartbeat",
    "stereo_spot_shared.interfaces",
    "stereo_spot_shared.leases",
    "stereo_spot_shared.message_attributes",
    "stereo_spot_shared.queue_message",
    "stereo_spot_shared.tracing",
}
NEVER_ON_THE_AWS_PATH = (
    "pydantic",
    "stereo_spot_shared.models",
    "stereo_spot_shared._keys",
    "stereo_spot_shared.generated.keys",
    "stereo_spot_shared.memory",
)

_PROBE = """
import importlib.metadata, json, sys
scans = []
for name in ("distributions", "entry_points"):
    original = getattr(importlib.metadata, name)
    def counted(*args, _original=original, _name=name, **kwargs):
        scans.append(_name)
        return _original(*args, **kwargs)
    setattr(importlib.metadata, name, counted)
loaded_before = set(sys.modules)
from stereo_spot_shared import adapters_from_env
adapters = adapters_from_env()
print(json.dumps({
    "backend": adapters.backend,
    "modules": sorted(set(sys.modules) - loaded_before),
    "scans": scans,
}))
"""

_ENVIRONMENT = {
    "JOBS_TABLE_NAME": "jobs",
    "SEGMENT_COMPLETIONS_TABLE_NAME": "segments",
    "REASSEMBLY_TRIGGERED_TABLE_NAME": "triggered",
    "CHUNKING_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/chunking",
    "VIDEO_WORKER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/video-worker",
    "REASSEMBLY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/reassembly",
    "INPUT_BUCKET_NAME": "input",
    "OUTPUT_BUCKET_NAME": "output",
}


def _modules_after_adapters_from_env(backend: str) -> list[str]:
    """The modules ``adapters_from_env()`` imports in a fresh process; it must scan no metadata."""
    env = {**os.environ, **_ENVIRONMENT, "STORAGE_ADAPTER": backend}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["backend"] == backend
    assert report["scans"] == [], "selecting a backend walked every distribution"
    modules: list[str] = report["modules"]
    return modules


def test_the_documented_path_imports_only_what_building_the_bundle_needs() -> None:
    modules = _modules_after_adapters_from_env("aws")
    ours = {name for name in modules if name.split(".")[0].startswith("stereo_spot")}
    assert ours == AWS_PATH_MODULES
    loaded_too_early = [
        name
        for name in modules
        if any(name == never or name.startswith(never + ".") for never in NEVER_ON_THE_AWS_PATH)
    ]
    assert loaded_too_early == []


def test_the_memory_path_imports_neither_the_aws_adapters_nor_the_key_layouts() -> None:
    modules = _modules_after_adapters_from_env("memory")
    for never in (
        "stereo_spot_shared._keys",
        "stereo_spot_shared.generated.keys",
        "importlib.metadata",
    ):
        assert never not in modules
    assert not any(name.startswith("stereo_spot_aws_adapters") for name in modules)


def test_a_distribution_inside_a_zip_on_the_path_is_seen_through_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder reader cannot look into an archive, so a zip on sys.path uses the slow path."""
    import zipfile

    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(
            "zipped_backend-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: zipped-backend\nVersion: 1.0\n",
        )
        bundle.writestr(
            "zipped_backend-1.0.dist-info/entry_points.txt",
            "[stereo_spot.backends]\naws = zipped_backend:build_adapters\n",
        )
    monkeypatch.syspath_prepend(str(archive))
    with pytest.raises(DuplicateBackendError) as duplicate:
        adapters_from_env(backend="aws")
    assert set(duplicate.value.distributions) == {"stereo-spot-aws-adapters", "zipped-backend"}
    assert adapters_from_env(backend="memory").backend == "memory"
