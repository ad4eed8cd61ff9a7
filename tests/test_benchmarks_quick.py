"""``python -m benchmarks --quick`` runs every row and prints a complete table.

Only the shape of the output is checked: timings depend on the machine, and
whether a target is met is the benchmark's report, not a test verdict. A quick
run must never write the committed table (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"\d[\d,]*(\.\d+)?")


@pytest.mark.slow
def test_quick_run_prints_every_row_and_never_writes_the_committed_table(tmp_path: Path) -> None:
    # Run from an empty folder: the default output path is relative to the cwd,
    # so a quick run that wrote its table would leave docs/benchmarks.md here.
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert not (tmp_path / "docs").exists(), "a --quick run wrote the benchmark table"
    assert "only a full run replaces it" in completed.stderr
    document = completed.stdout
    assert "Ratio (ours / baseline)" in document
    assert "CPU:" in document and "boto3" in document

    rows = [line for line in document.splitlines() if re.match(r"\| \d \|", line)]
    assert {line.split("|")[1].strip() for line in rows} == {"1", "2", "3", "4", "5", "6", "7"}
    for line in rows:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert len(cells) == 8, line
        _, _, ours, _, baseline, ratio, target, result = cells
        assert NUMBER.search(ours) and NUMBER.search(baseline), line
        assert re.fullmatch(r"\d+\.\d{3}x", ratio), line
        assert target and result in {"met", "**MISSED**", "context"}, line
    memory_missed = any(
        "memory backend" in line and line.endswith("| **MISSED** |")
        for line in rows
        if line.startswith("| 7 |")
    )
    # A missed memory worker-loop row says why, not only that it missed.
    assert ("Row 7 on the memory backend:" in document) == memory_missed
