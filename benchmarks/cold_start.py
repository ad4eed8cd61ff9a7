"""Row 5: a fresh process building every adapter from the environment vs three bare clients.

Two ways in: the ``env_config`` factories one by one, and
``stereo_spot_shared.adapters_from_env()``, the path the README recommends
(backend selection included).
"""

from __future__ import annotations

import compileall
import importlib.util
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable

from benchmarks._harness import (
    Comparison,
    RowResult,
    Sizes,
    Stat,
    at_most,
    interleaved,
    subprocess_env,
)

ROW = 5
LIMIT = 1.1
TOP_IMPORTS = 12

OURS = """\
from stereo_spot_aws_adapters import env_config as e
e.check_environment()
e.job_store_from_env()
e.segment_completion_store_from_env()
e.reassembly_triggered_lock_from_env()
e.chunking_queue_sender_from_env()
e.chunking_queue_receiver_from_env()
e.video_worker_queue_sender_from_env()
e.video_worker_queue_receiver_from_env()
e.reassembly_queue_sender_from_env()
e.reassembly_queue_receiver_from_env()
e.object_storage_from_env()
e.input_bucket_name()
e.output_bucket_name()
"""

DOCUMENTED = """\
from stereo_spot_shared import adapters_from_env
adapters_from_env()
"""

FLOOR = """\
import boto3
boto3.client("dynamodb")
boto3.client("sqs")
boto3.client("s3")
"""

_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/stereo-spot-{}"
ENV = {
    "JOBS_TABLE_NAME": "stereo-spot-jobs",
    "SEGMENT_COMPLETIONS_TABLE_NAME": "stereo-spot-segment-completions",
    "REASSEMBLY_TRIGGERED_TABLE_NAME": "stereo-spot-reassembly-triggered",
    "CHUNKING_QUEUE_URL": _QUEUE_URL.format("chunking"),
    "VIDEO_WORKER_QUEUE_URL": _QUEUE_URL.format("video-worker"),
    "REASSEMBLY_QUEUE_URL": _QUEUE_URL.format("reassembly"),
    "INPUT_BUCKET_NAME": "stereo-spot-input",
    "OUTPUT_BUCKET_NAME": "stereo-spot-output",
}


def _fresh_process(code: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *options, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=subprocess_env(ENV),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_seconds(code: str, walls: list[float]) -> Callable[[], float]:
    """One fresh process: returns its CPU time (user + system) and appends its wall time."""

    def measure() -> float:
        cpu_before = _children_cpu()
        start = time.perf_counter()
        _fresh_process(code)
        walls.append(time.perf_counter() - start)
        return _children_cpu() - cpu_before

    return measure


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def import_costs(code: str) -> dict[str, tuple[int, int]]:
    """Module -> (self µs, cumulative µs) from ``-X importtime``."""
    stderr = _fresh_process(code, "-X", "importtime").stderr
    costs: dict[str, tuple[int, int]] = {}
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            costs[match.group(4)] = (int(match.group(1)), int(match.group(2)))
    return costs


def extra_imports_note(top: int = TOP_IMPORTS) -> str:
    """What the documented path imports that the floor does not, by package and by module."""
    ours = import_costs(DOCUMENTED)
    floor = import_costs(FLOOR)
    extra = {name: cost for name, cost in ours.items() if name not in floor}
    by_package: dict[str, int] = {}
    for name, (self_us, _) in extra.items():
        package = name.split(".")[0]
        by_package[package] = by_package.get(package, 0) + self_us
    packages = sorted(by_package.items(), key=lambda pair: -pair[1])[:top]
    modules = sorted(extra.items(), key=lambda pair: -pair[1][0])[:top]
    total_ms = sum(self_us for self_us, _ in extra.values()) / 1000
    lines = [
        f"Row 5, what `adapters_from_env()` imports beyond the floor (one `-X importtime` "
        f"run; {len(extra)} extra "
        f"modules, {total_ms:.0f} ms of self time in total):",
        "",
        "| Top-level package | Self time of its extra modules |",
        "|---|---|",
        *(f"| `{package}` | {us / 1000:.1f} ms |" for package, us in packages),
        "",
        "| Extra module | Self time | Cumulative (with what it imports) |",
        "|---|---|---|",
        *(
            f"| `{name}` | {self_us / 1000:.1f} ms | {cumulative / 1000:.1f} ms |"
            for name, (self_us, cumulative) in modules
        ),
    ]
    return "\n".join(lines)


PACKAGES = ("stereo_spot_aws_adapters", "stereo_spot_shared")


def byte_compile_packages() -> None:
    """Write our packages' bytecode, as installing a wheel does (boto3's already is).

    Without it, a checkout run with ``PYTHONDONTWRITEBYTECODE`` set recompiles
    every module of ours from source in each fresh process while the floor's
    modules load from bytecode: a cost no installed service pays.
    """
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(location, quiet=1)


def run(sizes: Sizes) -> RowResult:
    byte_compile_packages()
    walls: dict[str, list[float]] = {"factories": [], "documented": [], "floor": []}
    # Every measured run checks its exit status, so a broken program cannot pass as fast.
    cpu = interleaved(
        {
            "factories": _cpu_seconds(OURS, walls["factories"]),
            "documented": _cpu_seconds(DOCUMENTED, walls["documented"]),
            "floor": _cpu_seconds(FLOOR, walls["floor"]),
        },
        sizes.cold_starts,
    )
    wall = {name: Stat.of(values) for name, values in walls.items()}
    floor_name = "fresh process creating the dynamodb, sqs and s3 clients (floor)"
    comparisons: list[Comparison] = []
    for key, case in (
        ("factories", "the 9 `env_config` factories"),
        ("documented", "`adapters_from_env()` (the README's path, backend selection included)"),
    ):
        comparisons.append(
            at_most(
                ROW,
                f"Cold start, CPU: fresh process, import + {case}",
                cpu[key],
                floor_name,
                cpu["floor"],
                "s",
                LIMIT,
                digits=3,
            )
        )
        comparisons.append(
            Comparison(
                ROW,
                f"Cold start, wall: fresh process, import + {case}",
                wall[key],
                floor_name,
                wall["floor"],
                "s",
                "context",
                None,
                3,
            )
        )
    note = (
        "Row 5: fresh `python -c ...` processes from spawn to exit, fake credentials and "
        "region, no network; the three programs run interleaved, one of each per round. "
        "The target is on CPU time (user + system, from the child's rusage): on a shared "
        "machine it moves far less with other load than wall time, which is shown as "
        "context. The factories build all 9 adapters (3 tables, 6 queue endpoints, object "
        "storage); `adapters_from_env()` selects the `aws` backend (`STORAGE_ADAPTER` "
        "unset) and builds the same bundle. Both load bytecode: our packages are "
        "byte-compiled first, as installing them does."
    )
    return RowResult(comparisons, [note, extra_imports_note()])
