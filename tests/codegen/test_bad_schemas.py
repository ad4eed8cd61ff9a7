"""Schemas that must fail: exit 2, exactly the snapshotted error text, nothing written.

Each ``tests/golden/bad/<name>.toml`` has its expected stderr in ``<name>.expected``;
``python -m tests.golden.regenerate`` rewrites those after an intended change.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from codegen.cli import main
from tests.golden.regenerate import bad_schemas, run_bad_schema


def test_every_bad_schema_has_its_expected_error_text() -> None:
    schemas = bad_schemas()
    assert len(schemas) >= 15
    folder = schemas[0].parent
    assert sorted(p.stem for p in folder.glob("*.expected")) == sorted(p.stem for p in schemas)


@pytest.mark.parametrize("schema", bad_schemas(), ids=lambda path: path.stem)
def test_bad_schema_is_rejected_with_its_snapshotted_error(schema: Path, tmp_path: Path) -> None:
    code, stderr = run_bad_schema(schema, tmp_path)
    expected = schema.with_suffix(".expected").read_text(encoding="utf-8")
    assert code == 2
    assert stderr == expected, "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            stderr.splitlines(keepends=True),
            fromfile=f"bad/{schema.stem}.expected",
            tofile="stderr",
        )
    )
    assert list(tmp_path.iterdir()) == [], "a rejected schema writes nothing"


@pytest.mark.parametrize("schema", bad_schemas(), ids=lambda path: path.stem)
def test_error_text_names_the_file_and_no_machine_path(schema: Path) -> None:
    lines = schema.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(f"bad/{schema.name}: ")
    assert lines[-1] == "nothing was written"
    problem = re.compile(rf"bad/{re.escape(schema.name)}(:[1-9][0-9]*)?: ")
    assert all(problem.match(line) for line in lines[1:-1])
    assert str(Path(__file__).resolve().parents[2]) not in "\n".join(lines)
    count = int(lines[0].split(": ")[1].split(" ")[0])
    assert count == len(lines) - 2, "the header counts every problem listed"


def test_check_mode_rejects_a_bad_schema_the_same_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = next(path for path in bad_schemas() if path.stem == "multiple_problems")
    assert main(["--schema", str(schema), "--out", str(tmp_path), "--check"]) == 2
    assert capsys.readouterr().err == schema.with_suffix(".expected").read_text(encoding="utf-8")
