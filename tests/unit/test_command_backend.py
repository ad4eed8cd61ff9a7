"""``demo`` and ``smoke`` honour ``$STORAGE_ADAPTER``: a mistyped name is one line, exit 2.

Before, both commands overwrote the variable, so ``STORAGE_ADAPTER=memroy demo``
ran the aws demo and ``STORAGE_ADAPTER=memory smoke`` walked the stack anyway.
"""

from __future__ import annotations

import pytest

from stereo_spot_aws_adapters.devtools import demo
from stereo_spot_aws_adapters.devtools.cli import main


def never(**_: object) -> int:
    raise AssertionError("the command must not start")


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "run_demo", never)
    monkeypatch.setattr(demo, "run_smoke", never)


@pytest.mark.parametrize("command", [["demo"], ["smoke", "--env-file", "outputs.json"]])
def test_a_mistyped_storage_adapter_is_one_line_naming_the_backends(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORAGE_ADAPTER", "memroy")
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: STORAGE_ADAPTER='memroy' names no backend (installed: ")
    assert "aws" in err and "memory" in err


def test_smoke_refuses_a_backend_other_than_aws(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORAGE_ADAPTER", "memory")
    assert main(["smoke", "--env-file", "outputs.json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "smoke walks a deployed stack on the aws backend" in err


@pytest.mark.parametrize(
    ("variable", "flag", "expected"),
    [
        (None, None, "aws"),
        ("", None, "aws"),
        ("memory", None, "memory"),
        (" AWS ", None, "aws"),
        ("memory", "aws", "aws"),  # --backend wins over the variable
        ("memroy", "memory", "memory"),
    ],
)
def test_demo_runs_the_backend_it_is_told(
    variable: str | None,
    flag: str | None,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if variable is None:
        monkeypatch.delenv("STORAGE_ADAPTER", raising=False)
    else:
        monkeypatch.setenv("STORAGE_ADAPTER", variable)
    ran: list[str] = []

    def run_demo(*, backend: str, **_: object) -> int:
        ran.append(backend)
        return 0

    monkeypatch.setattr(demo, "run_demo", run_demo)
    assert main(["demo", *(["--backend", flag] if flag else [])]) == 0
    assert ran == [expected]
