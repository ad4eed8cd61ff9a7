"""Build both distributions and prove, in scratch venvs, what each one installs.

    python -m tests.distributions        (`make distributions`, part of `make test`)

1. ``pip wheel --no-deps`` builds ``stereo-spot-shared`` (packaging/stereo-spot-shared)
   and ``stereo-spot-aws-adapters`` (the top-level pyproject.toml) into
   ``build/distributions/``; each wheel holds only its own package.
2. A scratch venv gets the shared wheel alone: ``stereo_spot_shared`` (interfaces,
   key functions, models) imports and works, ``STORAGE_ADAPTER=memory`` gives a
   working in-memory bundle, ``aws`` is an unknown backend there, and neither
   boto3 nor botocore is installed or imported.
3. A second scratch venv gets the adapters wheel with ``--find-links`` to the
   wheel folder: pip pulls in our shared wheel (its RECORD is checked, so a
   same-named package from elsewhere would fail), the adapters import, and both
   backends are registered (each by its own distribution's entry point); the
   developer tools (``devtools``) ship in the wheel, the library does not import
   them, and ``python -m stereo_spot_aws_adapters --help`` runs without moto.

pydantic and boto3 come from the configured package index, at the lock's versions
when ``DISTRIBUTIONS_CONSTRAINTS`` names a constraints file (``make distributions``
exports one from uv.lock), so the wheels are proved with what CI tested. The venvs
are made without pip; the dev venv's pip installs into them with ``--python``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "distributions"
SHARED_PROJECT = ROOT / "packaging" / "stereo-spot-shared"

SHARED_ONLY = """
import importlib.util, json, sys
import stereo_spot_shared
from stereo_spot_shared import build_segment_key, parse_input_key, parse_segment_key
from stereo_spot_shared.interfaces import JobStore, QueueMessage
from stereo_spot_shared import UnknownBackendError, adapters_from_env
key = build_segment_key("job-1", 0, 2, "sbs")
memory = adapters_from_env(backend="memory", wait_time_seconds=0)
memory.objects.upload(memory.input_bucket, key, b"segment")
(notification,) = memory.video_worker_receiver.receive()
try:
    adapters_from_env(backend="aws")
    aws = "built"
except UnknownBackendError as error:
    aws = list(error.installed)
print(json.dumps({
    "memory": stereo_spot_shared.parse_s3_event(notification.body)[0].key,
    "aws_without_adapters": aws,
    "version": stereo_spot_shared.__version__,
    "segment": parse_segment_key("b", key).segment_s3_uri,
    "input": parse_input_key("input/job-1/source.mp4"),
    "message": QueueMessage("r", "body").receipt_handle,
    "file": stereo_spot_shared.__file__,
    "installed": [n for n in ("boto3", "botocore") if importlib.util.find_spec(n)],
    "imported": sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")),
}))
"""

WITH_ADAPTERS = """
import importlib.metadata as metadata, json, sys
import stereo_spot_aws_adapters, stereo_spot_shared
record = metadata.distribution("stereo-spot-shared").read_text("RECORD") or ""
backends = {
    e.name: e.dist.name for e in metadata.entry_points(group="stereo_spot.backends")
}
print(json.dumps({
    "backends": backends,
    "requires": metadata.requires("stereo-spot-aws-adapters"),
    "shared_version": metadata.version("stereo-spot-shared"),
    "shared_has_keys": "stereo_spot_shared/generated/keys.py" in record,
    "adapters": stereo_spot_aws_adapters.DynamoDBJobStore.__name__,
    "shared_file": stereo_spot_shared.__file__,
    "devtools_imported": sorted(m for m in sys.modules if ".devtools" in m),
    "devtools_installed": any(
        str(f).startswith("stereo_spot_aws_adapters/devtools/walk/")
        for f in metadata.files("stereo-spot-aws-adapters") or ()
    ),
}))
"""


class DistributionError(Exception):
    pass


def run(*command: str | Path) -> str:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DistributionError(
            f"failed: {' '.join(map(str, command))}\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def pip(*args: str | Path, into: Path | None = None) -> str:
    target = ("--python", into) if into is not None else ()
    return run(sys.executable, "-m", "pip", *target, "--disable-pip-version-check", *args)


def install(*args: str | Path, into: Path) -> str:
    """``pip install`` into a scratch venv, pinned to the lock when make gives its constraints."""
    constraints = os.environ.get("DISTRIBUTIONS_CONSTRAINTS")
    pinned = ("--constraint", constraints) if constraints else ()
    return pip("install", "--quiet", *pinned, *args, into=into)


def build_wheel(project: Path) -> Path:
    before = set(OUT.glob("*.whl"))
    pip("wheel", "--no-deps", "--quiet", "--wheel-dir", OUT, project)
    (wheel,) = set(OUT.glob("*.whl")) - before
    return wheel


def packages_in(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name.split("/")[0] for name in archive.namelist() if ".dist-info/" not in name}


def scratch_venv(parent: Path, name: str) -> Path:
    path = parent / name
    venv.EnvBuilder(with_pip=False).create(path)
    return path / "bin" / "python"


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DistributionError(message)


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    try:
        shared = build_wheel(SHARED_PROJECT)
        adapters = build_wheel(ROOT)
        check(
            packages_in(shared) == {"stereo_spot_shared"}, f"{shared.name}: {packages_in(shared)}"
        )
        check(
            packages_in(adapters) == {"stereo_spot_aws_adapters"},
            f"{adapters.name}: {packages_in(adapters)}",
        )
        print(f"built {shared.name} and {adapters.name} in {OUT.relative_to(ROOT)}/")
        with tempfile.TemporaryDirectory(prefix="distributions-") as tmp:
            alone = scratch_venv(Path(tmp), "shared-only")
            install(shared, into=alone)
            facts = json.loads(run(alone, "-c", SHARED_ONLY))
            check(facts["installed"] == [], f"the shared wheel installed {facts['installed']}")
            check(facts["imported"] == [], f"stereo_spot_shared imported {facts['imported']}")
            check(
                facts["segment"] == "s3://b/segments/job-1/00000_00002_sbs.mp4"
                and facts["input"] == "job-1"
                and facts["message"] == "r",
                f"the shared types misbehave in the scratch venv: {facts}",
            )
            check(Path(tmp) in Path(facts["file"]).parents, f"imported from {facts['file']}")
            check(
                facts["memory"] == "segments/job-1/00000_00002_sbs.mp4"
                and facts["aws_without_adapters"] == ["memory"],
                f"STORAGE_ADAPTER misbehaves with the shared wheel alone: {facts}",
            )
            print(
                f"shared wheel alone: stereo_spot_shared {facts['version']} imports and works, "
                "STORAGE_ADAPTER=memory runs (aws: not installed); no boto3 or botocore "
                "installed or imported"
            )
            full = scratch_venv(Path(tmp), "adapters")
            install("--find-links", OUT, adapters, into=full)
            facts = json.loads(run(full, "-c", WITH_ADAPTERS))
            check(
                any(r.startswith("stereo-spot-shared") for r in facts["requires"]),
                f"the adapters do not require stereo-spot-shared: {facts['requires']}",
            )
            check(facts["shared_has_keys"], "stereo-spot-shared was not installed from our wheel")
            check(Path(tmp) in Path(facts["shared_file"]).parents, f"{facts['shared_file']}")
            check(
                facts["backends"]
                == {"aws": "stereo-spot-aws-adapters", "memory": "stereo-spot-shared"},
                f"backend entry points: {facts['backends']}",
            )
            check(
                facts["devtools_installed"] and facts["devtools_imported"] == [],
                f"the developer tools are missing or imported with the library: {facts}",
            )
            usage = run(full, "-m", "stereo_spot_aws_adapters", "--help")
            check("demo" in usage and "dlq" in usage, f"the command line misbehaves: {usage}")
            print(
                f"adapters wheel: pulled in stereo-spot-shared {facts['shared_version']} "
                f"from {OUT.relative_to(ROOT)}/; {facts['adapters']} imports; backends "
                f"{facts['backends']}; devtools shipped, not imported by the library; "
                "`python -m stereo_spot_aws_adapters --help` runs without moto"
            )
    except DistributionError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
