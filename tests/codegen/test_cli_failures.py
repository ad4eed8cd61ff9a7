"""Codegen and drift never end in a traceback, and never leave a half-written tree.

Inputs the generator cannot use (a schema that is not UTF-8 or is a directory,
a models module that raises, ``--out`` naming a file, a ``.tf`` that is a
device) end in exit 2 with a message naming the input, for ``python -m codegen``
and ``python -m codegen drift`` alike. An I/O error while writing leaves the
previously generated files exactly as they were.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import codegen.render.disk
from codegen.cli import main
from tests.golden.regenerate import BAD, read_tree, schema_path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = schema_path("library")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m codegen ...`` in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_clean_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


BAD_SCHEMAS = {
    "not_utf8": "is not UTF-8",
    "schema_is_a_directory": "is a directory, not a schema file",
    "models_module_raises": "importing 'broken_models' raised RuntimeError",
}


@pytest.mark.parametrize("command", [[], ["drift"]], ids=["generate", "drift"])
@pytest.mark.parametrize("case", sorted(BAD_SCHEMAS))
def test_unusable_schema_is_exit_2_for_generate_and_drift(
    case: str, command: list[str], tmp_path: Path
) -> None:
    schema = BAD / f"{case}.toml"
    out = ["--out", str(tmp_path)] if not command else []
    result = run(*command, "--schema", str(schema), *out)
    assert_clean_exit_2(result, f"bad/{case}.toml: ", BAD_SCHEMAS[case])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("check", [False, True], ids=["write", "check"])
def test_out_naming_a_file_is_exit_2(check: bool, tmp_path: Path) -> None:
    out = tmp_path / "src"
    out.write_text("not a directory\n", encoding="utf-8")
    result = run("--schema", str(LIBRARY), "--out", str(out), *(["--check"] if check else []))
    assert_clean_exit_2(result, f"--out {out}: not a directory")
    assert out.read_text(encoding="utf-8") == "not a directory\n"


def test_a_file_where_the_generated_package_goes_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "library_adapters").mkdir()
    (tmp_path / "library_adapters" / "generated").write_text("mine\n", encoding="utf-8")
    result = run("--schema", str(LIBRARY), "--out", str(tmp_path))
    assert_clean_exit_2(result, "cannot write", "nothing was changed")
    assert read_tree(tmp_path) == {Path("library_adapters/generated"): "mine\n"}


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_tf_file_that_is_a_device_is_exit_2(device: str, tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    shutil.copytree(ROOT / "infra", infra, ignore=shutil.ignore_patterns(".terraform*"))
    (infra / "zzz.tf").symlink_to(device)
    result = run("drift", "--terraform", str(infra))
    assert_clean_exit_2(result, f"{infra.as_posix()}/zzz.tf: not a regular file")
    assert len(result.stderr.strip().splitlines()) == 2  # the problem and "nothing was compared"


def test_outputs_json_that_is_a_device_is_exit_2() -> None:
    result = run("drift", "--outputs-json", "/dev/zero")
    assert_clean_exit_2(result, "/dev/zero: not a regular file")


# -- all or nothing ---------------------------------------------------------------------------


def _generated_tree(tmp_path: Path) -> tuple[Path, Path, dict[Path, str]]:
    """The library case generated into ``out``, and a variant schema that changes most files."""
    out = tmp_path / "src"
    assert main(["--schema", str(LIBRARY), "--out", str(out)]) == 0
    variant_dir = tmp_path / "variant" / "schema"
    variant_dir.mkdir(parents=True)
    text = LIBRARY.read_text(encoding="utf-8")
    text = text.replace(
        'python_path = "../models"', f'python_path = "{LIBRARY.parent.parent / "models"}"'
    )
    text = text.replace(
        "[buckets.covers]",
        '[buckets.scans]\ndescription = "Scans."\nterraform_output = "scans_bucket_name"\n\n[buckets.covers]',
    )
    text = text.replace('name = "withdraw"', 'name = "remove"')
    # The consumer calling it follows the rename, as an author renaming a method would.
    text = text.replace('"restock", "withdraw"]', '"restock", "remove"]')
    variant = variant_dir / "library.toml"
    variant.write_text(text, encoding="utf-8")
    return out, variant, read_tree(out)


def _fail_on_call(number: int, real: Callable[..., Any]) -> Callable[..., Any]:
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == number:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    return failing


@pytest.mark.parametrize(
    ("target", "attribute"),
    [(codegen.render.disk.tempfile, "mkstemp"), (codegen.render.disk.os, "replace")],
    ids=["while-writing", "while-swapping"],
)
def test_io_error_part_way_leaves_the_previous_tree_intact(
    target: Any,
    attribute: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, variant, before = _generated_tree(tmp_path)
    capsys.readouterr()
    monkeypatch.setattr(target, attribute, _fail_on_call(3, getattr(target, attribute)))
    assert main(["--schema", str(variant), "--out", str(out)]) == 2
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert "No space left on device" in err
    assert "Traceback" not in err
    assert read_tree(out) == before, "the previous generated files are exactly as they were"
    # ...and the variant really changes the tree: without the fault it is written.
    assert main(["--schema", str(variant), "--out", str(out)]) == 0
    assert read_tree(out) != before


def test_drift_and_generate_share_schema_loading_without_importing_each_other() -> None:
    # The two commands start from codegen.model.schema_file; neither may import the other.
    code = (
        "import sys, codegen.terraform.drift, codegen.model.schema_file;"
        "assert 'codegen.cli' not in sys.modules, 'drift imports cli';"
        "import codegen.cli;"
        "assert codegen.cli.load_schema is codegen.model.schema_file.load_schema"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [[], ["drift"]], ids=["generate", "drift"])
def test_a_relative_schema_path_is_named_as_given(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    # Before, errors named `<cwd's folder>/nope.toml`: a path that exists nowhere.
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--schema", "nope.toml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nope.toml: 1 problem(s):\nnope.toml: file not found\n")
    assert tmp_path.name not in err

    bad = tmp_path / "schemas" / "invalid.toml"
    bad.parent.mkdir()
    shutil.copy(BAD / "invalid_toml.toml", bad)
    assert main([*command, "--schema", "schemas/invalid.toml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("schemas/invalid.toml: 1 problem(s):\nschemas/invalid.toml: invalid TOML")


def test_codegen_on_a_python_without_tomllib_is_one_line_naming_3_11() -> None:
    # python3.10 is not on this machine: a fresh interpreter where tomllib cannot be imported.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys; sys.modules['tomllib'] = None; sys.argv = ['codegen', '--check']; "
            "runpy.run_module('codegen', run_name='__main__', alter_sys=True)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "python -m codegen needs Python 3.11 or newer" in result.stderr
