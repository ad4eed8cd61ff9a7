"""``make lint``'s import contracts fail, by name, on the import they exist to stop."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contract(contract_id: str) -> dict[str, object]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = pyproject["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def _lint_copy(
    tmp_path: Path, contract_id: str, **overrides: object
) -> subprocess.CompletedProcess[str]:
    """lint-imports on ``tmp_path/codegen`` with one contract of the project's pyproject.toml."""
    contract = {**_contract(contract_id), **overrides}
    # JSON strings and lists are valid TOML values.
    lines = [
        "[tool.importlinter]",
        'root_packages = ["codegen"]',
        "",
        "[[tool.importlinter.contracts]]",
    ]
    lines += [f"{key} = {json.dumps(value)}" for key, value in contract.items()]
    config = tmp_path / "pyproject.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_codegen(tmp_path: Path) -> Path:
    copy = tmp_path / "codegen"
    shutil.copytree(ROOT / "codegen", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_stage_importing_a_later_stage_breaks_the_layers_contract(tmp_path: Path) -> None:
    copy = _copy_codegen(tmp_path)
    assert _lint_copy(tmp_path, "codegen-stages").returncode == 0
    with (copy / "schema" / "spec.py").open("a", encoding="utf-8") as spec:
        spec.write("\nfrom ..model import types as _upward  # noqa\n")
    result = _lint_copy(tmp_path, "codegen-stages")
    assert result.returncode == 1
    assert "codegen stages: each imports only the stages before it" in result.stdout
    assert "codegen.schema.spec -> codegen.model.types" in result.stdout


def test_reaching_into_an_earlier_stage_breaks_its_package_contract(tmp_path: Path) -> None:
    copy = _copy_codegen(tmp_path)
    assert _lint_copy(tmp_path, "codegen-render-uses-stage-packages").returncode == 0
    with (copy / "render" / "docs.py").open("a", encoding="utf-8") as docs:
        docs.write("\nfrom ..model.build import build as _internal  # noqa\n")
    result = _lint_copy(tmp_path, "codegen-render-uses-stage-packages")
    assert result.returncode == 1
    assert "codegen.render.docs -> codegen.model.build" in result.stdout


def test_a_circle_inside_a_stage_breaks_the_no_circles_contract(tmp_path: Path) -> None:
    copy = _copy_codegen(tmp_path)
    only_codegen = {"ancestors": ["codegen"]}
    assert _lint_copy(tmp_path, "no-circles", **only_codegen).returncode == 0
    findings = copy / "terraform" / "drift_findings.py"
    text = findings.read_text(encoding="utf-8")
    # Typing-only, as every circle the generator had was: it still counts.
    findings.write_text(
        text.replace(
            "from typing import Literal",
            "from typing import TYPE_CHECKING, Literal\n\nif TYPE_CHECKING:\n"
            "    from .comparison import Comparison  # noqa",
        ),
        encoding="utf-8",
    )
    result = _lint_copy(tmp_path, "no-circles", **only_codegen)
    assert result.returncode == 1
    assert "no import circles in codegen/ or src/" in result.stdout
    assert "codegen.terraform" in result.stdout
