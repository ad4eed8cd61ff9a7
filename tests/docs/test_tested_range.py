"""The README's tested range is the distributions' declared lower bounds and the lock's versions."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]


def _locked(name: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    (version,) = {p["version"] for p in lock["package"] if p["name"] == name}
    return str(version)


def _lowest(name: str) -> str:
    text = (ROOT / "tools" / "lowest.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{name}==(\S+)$", text, re.MULTILINE)
    assert match, f"tools/lowest.txt does not pin {name}"
    return match.group(1)


def test_the_readme_states_the_bounds_make_test_lowest_and_the_lock_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"]["dependencies"]
    assert f"boto3>={_lowest('boto3')}" in declared
    assert any(
        d.startswith(f"pydantic>={_lowest('pydantic').removesuffix('.0')}") for d in declared
    )
    stated = (
        f"tested from boto3/botocore {_lowest('boto3')} and pydantic {_lowest('pydantic')} up to "
        f"the lock's\nboto3/botocore {_locked('boto3')} and pydantic {_locked('pydantic')}"
    )
    assert stated in readme, stated
    assert _lowest("botocore") == _lowest("boto3")
