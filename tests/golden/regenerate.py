"""Regenerate the golden records on purpose, after an intended generator change.

Run from the repository root::

    python -m tests.golden.regenerate

It rewrites, for every case in ``tests/golden/<case>/``, the ``expected/``
tree (deleted first, so files the generator no longer emits go too), and for
every bad schema ``tests/golden/bad/<name>.toml`` the ``<name>.expected``
error text. Review the resulting ``git diff`` like any other change: it is
exactly what the generator's change does to generated code.

The tests (``tests/codegen/test_golden.py``, ``tests/codegen/test_bad_schemas.py``)
use the helpers below, so they and this script read the layout the same way.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from codegen.cli import generate, main

GOLDEN = Path(__file__).resolve().parent
BAD = GOLDEN / "bad"


def cases() -> list[str]:
    """Every golden case: a folder with ``schema/<one file>.toml`` and ``expected/``."""
    return sorted(path.parent.parent.name for path in GOLDEN.glob("*/schema/*.toml"))


def schema_path(case: str) -> Path:
    (path,) = sorted((GOLDEN / case / "schema").glob("*.toml"))
    return path


def expected_dir(case: str) -> Path:
    return GOLDEN / case / "expected"


def render_case(case: str) -> dict[Path, str]:
    """What the generator emits for ``case``, keyed by path relative to the out dir."""
    out = Path(tempfile.gettempdir()) / "golden-out"
    files = generate(schema_path(case), out, infra_dir=out / "infra").files
    return {path.relative_to(out): text for path, text in files.items()}


def read_tree(root: Path) -> dict[Path, str]:
    """Every file under ``root`` (bytecode caches aside), keyed by its relative path."""
    return {
        path.relative_to(root): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def bad_schemas() -> list[Path]:
    return sorted(BAD.glob("*.toml"))


def run_bad_schema(path: Path, out_dir: Path) -> tuple[int, str]:
    """Run the generator on a bad schema; returns (exit code, stderr)."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(
            ["--schema", str(path), "--out", str(out_dir), "--infra", str(out_dir / "infra")]
        )
    return code, stderr.getvalue()


def regenerate_case(case: str) -> int:
    target = expected_dir(case)
    shutil.rmtree(target, ignore_errors=True)
    files = render_case(case)
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return len(files)


def regenerate_bad_schema(path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="golden-bad-") as out:
        code, stderr = run_bad_schema(path, Path(out))
        written = list(Path(out).iterdir())
    if code != 2 or written:
        raise SystemExit(
            f"{path.name}: expected exit 2 and nothing written, got exit {code} "
            f"and {len(written)} file(s); a bad schema must fail validation"
        )
    path.with_suffix(".expected").write_text(stderr, encoding="utf-8", newline="\n")


def regenerate() -> None:
    for case in cases():
        count = regenerate_case(case)
        print(f"{case}: wrote {count} files to {expected_dir(case).relative_to(GOLDEN)}")
    for stale in BAD.glob("*.expected"):
        if not stale.with_suffix(".toml").exists():
            stale.unlink()
            print(f"bad/{stale.name}: deleted (its schema is gone)")
    for path in bad_schemas():
        regenerate_bad_schema(path)
    print(f"bad: wrote {len(bad_schemas())} expected error texts")


if __name__ == "__main__":
    regenerate()
