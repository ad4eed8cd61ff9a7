"""Row 4: file upload and download, throughput and client peak memory.

Each transfer runs in a fresh child process (``python -m benchmarks.transfers
--worker ...``) so that its peak RSS belongs to that transfer alone; moto's
S3 server runs in yet another process and keeps the objects in its memory.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from mypy_boto3_s3.client import S3Client

from benchmarks._harness import (
    Comparison,
    RowResult,
    Sizes,
    Stat,
    at_least,
    interleaved,
    subprocess_env,
)
from benchmarks._servers import moto_process
from stereo_spot_aws_adapters._clients import client_config
from stereo_spot_aws_adapters.s3 import S3ObjectStorage, default_transfer_config

ROW = 4
MIB = 1024 * 1024
THROUGHPUT_LIMIT = 0.9
MEMORY_LIMIT_MIB = 128
MEMORY_TARGET_SIZE_MIB = 1024
BUCKET = "bench-transfers"
VARIANTS = ("ours", "floor", "read-all")
SOURCE_KEY = "download-source"


def _peak_rss_mib() -> float:
    """This process's peak resident memory since it started its program, in MiB.

    ``ru_maxrss`` is not used: Linux carries the high-water mark of the
    pre-exec image (the forked copy of the parent, here the whole benchmark
    process) over ``execve``, so a child would report its parent's size.
    ``VmHWM`` belongs to the process's own address space.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _raw_client(endpoint: str) -> S3Client:
    client: S3Client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint, config=client_config("s3")
    )
    return client


def worker(variant: str, operation: str, endpoint: str, key: str, path: str) -> dict[str, float]:
    """One transfer in this process; returns seconds and peak RSS before and after."""
    storage = S3ObjectStorage(endpoint_url=endpoint)
    client = _raw_client(endpoint)
    ready_mib = _peak_rss_mib()
    start = time.perf_counter()
    if operation == "upload":
        if variant == "ours":
            storage.upload_file(BUCKET, key, path)
        elif variant == "floor":
            client.upload_file(path, BUCKET, key, Config=default_transfer_config())
        else:
            with open(path, "rb") as source:
                client.put_object(Bucket=BUCKET, Key=key, Body=source.read())
    elif variant == "ours":
        storage.download_file(BUCKET, key, path)
    elif variant == "floor":
        client.download_file(BUCKET, key, path, Config=default_transfer_config())
    else:
        body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        with open(path, "wb") as target:
            target.write(body)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "ready_mib": ready_mib, "peak_mib": _peak_rss_mib()}


def _run_worker(
    variant: str, operation: str, endpoint: str, key: str, path: Path
) -> dict[str, float]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.transfers",
            "--worker",
            variant,
            operation,
            endpoint,
            key,
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=subprocess_env(),
    )
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def write_file(path: Path, size_mib: int) -> None:
    """``size_mib`` MiB of random bytes, written one MiB at a time."""
    block = os.urandom(MIB)
    with path.open("wb") as target:
        for index in range(size_mib):
            # Vary each block so no layer can deduplicate or compress them away.
            target.write(index.to_bytes(8, "big") + block[8:])


@contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="stereo-spot-bench-") as directory:
        yield Path(directory)


def _measure_size(
    endpoint: str, client: S3Client, directory: Path, size_mib: int, repeats: int
) -> dict[str, dict[str, list[dict[str, float]]]]:
    source = directory / f"source-{size_mib}.bin"
    write_file(source, size_mib)
    size = source.stat().st_size
    results: dict[str, dict[str, list[dict[str, float]]]] = {
        operation: {variant: [] for variant in VARIANTS} for operation in ("upload", "download")
    }

    def upload(variant: str) -> float:
        key = f"upload-{variant}-{size_mib}"
        outcome = _run_worker(variant, "upload", endpoint, key, source)
        assert client.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == size
        client.delete_object(Bucket=BUCKET, Key=key)
        results["upload"][variant].append(outcome)
        return outcome["seconds"]

    def download(variant: str) -> float:
        target = directory / f"download-{variant}.bin"
        outcome = _run_worker(variant, "download", endpoint, SOURCE_KEY, target)
        assert target.stat().st_size == size, f"{variant} downloaded a short file"
        target.unlink()
        results["download"][variant].append(outcome)
        return outcome["seconds"]

    interleaved({variant: functools.partial(upload, variant) for variant in VARIANTS}, repeats)
    client.upload_file(str(source), BUCKET, SOURCE_KEY, Config=default_transfer_config())
    source.unlink()
    interleaved({variant: functools.partial(download, variant) for variant in VARIANTS}, repeats)
    client.delete_object(Bucket=BUCKET, Key=SOURCE_KEY)
    return results


def _stat(outcomes: list[dict[str, float]], field: str, size_mib: int = 0) -> Stat:
    if field == "throughput":
        return Stat.of([size_mib / outcome["seconds"] for outcome in outcomes])
    return Stat.of([outcome[field] for outcome in outcomes])


def _comparisons(
    size_mib: int, results: dict[str, dict[str, list[dict[str, float]]]]
) -> list[Comparison]:
    size = f"{size_mib} MiB" if size_mib < 1024 else f"{size_mib // 1024} GiB"
    rows: list[Comparison] = []
    for operation, by_variant in results.items():
        ours_speed = _stat(by_variant["ours"], "throughput", size_mib)
        rows.append(
            at_least(
                ROW,
                f"`{operation}_file` {size}: throughput",
                ours_speed,
                "boto3 managed transfer, same TransferConfig (floor)",
                _stat(by_variant["floor"], "throughput", size_mib),
                "MiB/s",
                THROUGHPUT_LIMIT,
            )
        )
        rows.append(
            Comparison(
                ROW,
                f"`{operation}_file` {size}: throughput",
                ours_speed,
                "read whole file (`put_object` / `get_object().read()`)",
                _stat(by_variant["read-all"], "throughput", size_mib),
                "MiB/s",
                "context",
                None,
            )
        )
        ours_peak = _stat(by_variant["ours"], "peak_mib")
        ready = _stat(by_variant["ours"], "ready_mib").median
        judged = size_mib >= MEMORY_TARGET_SIZE_MIB
        rows.append(
            Comparison(
                ROW,
                f"`{operation}_file` {size}: client peak RSS (after imports: {ready:.0f} MiB)",
                ours_peak,
                "read whole file (`put_object` / `get_object().read()`)",
                _stat(by_variant["read-all"], "peak_mib"),
                "MiB",
                f"< {MEMORY_LIMIT_MIB} MiB" if judged else "context",
                ours_peak.median < MEMORY_LIMIT_MIB if judged else None,
                digits=0,
            )
        )
        rows.append(
            Comparison(
                ROW,
                f"`{operation}_file` {size}: client peak RSS",
                ours_peak,
                "boto3 managed transfer, same TransferConfig (floor)",
                _stat(by_variant["floor"], "peak_mib"),
                "MiB",
                "context",
                None,
                digits=0,
            )
        )
    return rows


def run(sizes: Sizes) -> RowResult:
    comparisons: list[Comparison] = []
    with moto_process() as endpoint, _scratch() as directory:
        client = _raw_client(endpoint)
        client.create_bucket(Bucket=BUCKET)
        for size_mib, repeats in zip(sizes.transfer_sizes_mib, sizes.transfer_repeats, strict=True):
            results = _measure_size(endpoint, client, directory, size_mib, repeats)
            comparisons += _comparisons(size_mib, results)
    config = default_transfer_config()
    note = (
        "Row 4: each transfer in a fresh child process against moto's S3 server in another "
        "process (ranged GETs read straight from moto's stored object, as moto itself "
        "reads the whole object per range); throughput is file size / wall time of the call, peak RSS is the child's "
        "`VmHWM` at its end (not `ru_maxrss`, which inherits the parent's size on Linux) (the import baseline is in the case name). TransferConfig: "
        f"multipart threshold and parts {config.multipart_chunksize // MIB} MiB, "
        f"{config.max_request_concurrency} threads. moto assembles multipart uploads slowly, so the "
        "read-whole-file baseline's throughput is context, not a target."
    )
    return RowResult(comparisons, [note])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="one transfer (internal to the benchmark)")
    parser.add_argument(
        "--worker",
        nargs=5,
        required=True,
        metavar=("VARIANT", "OPERATION", "ENDPOINT", "KEY", "PATH"),
    )
    args = parser.parse_args(argv)
    variant, operation, endpoint, key, path = args.worker
    if variant not in VARIANTS or operation not in ("upload", "download"):
        parser.error(f"unknown variant or operation: {variant} {operation}")
    outcome: dict[str, Any] = worker(variant, operation, endpoint, key, path)
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
