"""The lifecycle diagram in docs/concepts/lifecycle.md is generated from the schema and cannot drift."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.model.schema_file import load_schema
from codegen.render.docs import (
    LIFECYCLE_BEGIN,
    LIFECYCLE_END,
    MissingMarkersError,
    fill_block,
    lifecycle_block,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = Path("docs/concepts/lifecycle.md")


def test_the_diagram_has_every_transition_of_the_schema_and_no_other() -> None:
    schema = load_schema(ROOT / "schema" / "stereo_spot.toml")
    (jobs,) = [t for t in schema.tables if t.lifecycle is not None]
    assert jobs.lifecycle is not None
    block = lifecycle_block(schema)

    arrows = {line.strip() for line in block.splitlines() if "-->" in line}
    expected = {f"{a} --> {b}" for a, b in jobs.lifecycle.transitions}
    expected |= {f"{a} --> {b}: retry" for a, b in jobs.lifecycle.retries}
    expected |= {f"{a} --> {b}: removal" for a, b in jobs.lifecycle.removals}
    expected |= {"[*] --> created", "completed --> [*]", "failed --> [*]", "deleted --> [*]"}
    assert arrows == expected
    assert "chunking_in_progress --> created: retry" in arrows, "a retry is drawn, as a retry"
    assert "chunking_complete --> failed" in arrows and "completed --> failed" not in arrows
    assert {"completed --> deleted: removal", "failed --> deleted: removal"} <= arrows
    assert "deleted --> failed" not in arrows, "a tombstone has no failure move"


def test_the_lifecycle_page_holds_the_current_diagram() -> None:
    page = (ROOT / PAGE).read_text(encoding="utf-8")
    schema = load_schema(ROOT / "schema" / "stereo_spot.toml")
    assert fill_block(page, LIFECYCLE_BEGIN, LIFECYCLE_END, lifecycle_block(schema)) == page


def test_fill_block_replaces_only_the_block() -> None:
    text = f"before\n{LIFECYCLE_BEGIN}\nold\n{LIFECYCLE_END}\nafter\n"
    assert fill_block(text, LIFECYCLE_BEGIN, LIFECYCLE_END, "new") == (
        f"before\n{LIFECYCLE_BEGIN}\n\nnew\n\n{LIFECYCLE_END}\nafter\n"
    )
    with pytest.raises(MissingMarkersError):
        fill_block("no markers here", LIFECYCLE_BEGIN, LIFECYCLE_END, "new")


def test_check_fails_on_a_hand_edited_diagram(tmp_path: Path) -> None:
    for folder in ("schema", "src"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc"))
    page = (ROOT / PAGE).read_text(encoding="utf-8")
    (tmp_path / PAGE).parent.mkdir(parents=True)
    (tmp_path / PAGE).write_text(
        page.replace("    completed --> [*]\n", "    completed --> created\n"), encoding="utf-8"
    )

    def codegen(*args: str) -> subprocess.CompletedProcess[str]:
        # A fresh process: the copied schema imports the copied models.
        return subprocess.run(
            [sys.executable, "-m", "codegen", *args],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=False,
        )

    checked = codegen("--check")
    assert checked.returncode == 1, checked.stderr
    assert "+    completed --> [*]" in checked.stdout
    assert codegen().returncode == 0
    assert (tmp_path / PAGE).read_text(encoding="utf-8") == page


def test_statuses_that_are_not_plain_words_get_declared_mermaid_states() -> None:
    from types import SimpleNamespace

    from codegen.model import types as m

    status = m.AttributeSpec("state", "S", "enum", "State", False, "tables.t.attributes.state")
    lifecycle = m.LifecycleSpec(
        status,
        ("new", "in review", 'say "no"'),
        (("new", "in review"), ("new", 'say "no"'), ("in review", 'say "no"')),
        'say "no"',
        None,
        "tables.t.lifecycle",
    )
    table = SimpleNamespace(name="t", lifecycle=lifecycle)
    schema = SimpleNamespace(tables=(table,), display_name="schema/x.toml")

    block = lifecycle_block(schema)  # type: ignore[arg-type]

    assert '    state "in review" as s1\n' in block
    assert "    state \"say 'no'\" as s2\n" in block
    assert "    new --> s1\n" in block and "    s1 --> s2\n" in block
    assert "    s2 --> [*]\n" in block and "[*] --> new" in block
