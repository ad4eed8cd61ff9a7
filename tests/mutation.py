"""``make mutation``: mutation testing of the safety-critical runtime, module by module.

Each module in ``[tool.stereo-spot-mutation]`` (pyproject.toml) is mutated by
mutmut on its own, in a scratch directory under ``build/mutation/``, and only
the fast tests paired with it run against its mutants (mutmut's own settings
are ``[tool.mutmut]``). The run is bounded: few modules, fast tests only, one
worker per core at most, and a wall-clock cap per module (``--budget``).

The result goes to ``docs/mutation.md``: per module the mutants generated,
killed, survived and timed out, the score, and every survivor with the reason
it is equivalent, read from ``tests/mutation_equivalents.toml``. A survivor
with no reason there, or a score below the target, makes the run fail.

    python -m tests.mutation [--budget SECONDS] [--workers N] [--no-write] [--report-only] [module ...]

``--report-only`` renders the last run's results again (the date is the run's), for
when a survivor's reason was added to ``tests/mutation_equivalents.toml`` after it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "build" / "mutation"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.toml"
REPORT = ROOT / "docs" / "mutation.md"
TARGET = 95.0

# mutmut's exit codes by outcome (mutmut.stats.status_by_exit_code, 3.x).
KILLED = {1, 3}
SURVIVED = {0}
TIMED_OUT = {36, -24, 24, 152, 255}
NO_TESTS = {5, 33}


@dataclass(frozen=True)
class Module:
    name: str  # the report's row
    path: str  # under src/
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()  # only these functions' (or "Class.method"s') mutants


def mutant_stem(function: str) -> str:
    """How mutmut names a function's mutants: ``x_f`` or, for a method, ``xǁClassǁmethod``."""
    owner, _, name = function.rpartition(".")
    return f"xǁ{owner}ǁ{name}" if owner else f"x_{function}"


@dataclass
class Outcome:
    module: Module
    generated: int = 0
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    timed_out: int = 0
    other: dict[str, int] = field(default_factory=dict)  # no tests, suspicious, not run
    seconds: float = 0.0
    complete: bool = True
    started: str = ""  # UTC, when mutmut started on this module

    @property
    def tried(self) -> int:
        return self.killed + len(self.survived) + self.timed_out

    @property
    def score(self) -> float:
        # A timed-out mutant is detected (the tests did not pass), as mutmut counts it.
        caught = self.killed + self.timed_out
        return 100.0 * caught / self.generated if self.generated else 100.0


def load_modules(pyproject: dict[str, object]) -> list[Module]:
    table = pyproject["tool"]["stereo-spot-mutation"]  # type: ignore[index]
    return [
        Module(
            name=entry["name"],
            path=entry["path"],
            tests=tuple(entry["tests"]),
            functions=tuple(entry.get("functions", ())),
        )
        for entry in table["modules"]
    ]


def _toml_value(value: object) -> str:
    return json.dumps(value)  # lists of strings, numbers and booleans read the same in TOML


def _slug(module: Module) -> str:
    return "".join(c if c.isalnum() else "-" for c in module.name.removesuffix(".py")).strip("-")


def scratch_project(module: Module, pyproject: dict[str, object]) -> Path:
    """A directory mutmut can run in: links to the tree, and a config for this module alone."""
    slug = _slug(module)
    directory = SCRATCH / slug
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for name in ("src", "tests", "schema", "codegen"):
        (directory / name).symlink_to(ROOT / name)
    common: dict[str, object] = dict(pyproject["tool"]["mutmut"])  # type: ignore[index]
    common["only_mutate"] = [f"src/{module.path}"]
    common["pytest_add_cli_args_test_selection"] = list(module.tests)
    pytest_options = pyproject["tool"]["pytest"]["ini_options"]  # type: ignore[index]
    lines = ["[tool.mutmut]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in common.items()]
    lines += ["", "[tool.pytest.ini_options]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in pytest_options.items()]
    (directory / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return directory


def mutant_prefix(module: Module) -> str:
    return module.path.removesuffix(".py").replace("/", ".")


def run_module(
    module: Module, pyproject: dict[str, object], budget: float, workers: int
) -> Outcome:
    directory = scratch_project(module, pyproject)
    prefix = mutant_prefix(module)
    names = [f"{prefix}.{mutant_stem(function)}__mutmut_*" for function in module.functions]
    command = [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(workers)]
    started = time.monotonic()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    log = (directory / "mutmut.log").open("w")
    complete = True
    try:
        subprocess.run(
            [*command, *names], cwd=directory, stdout=log, stderr=subprocess.STDOUT, timeout=budget
        )
    except subprocess.TimeoutExpired:
        complete = False
    finally:
        log.close()
    seconds = time.monotonic() - started
    (directory / "run.json").write_text(
        json.dumps({"seconds": seconds, "complete": complete, "started": when})
    )
    return collect(module, directory, prefix)


def collect(module: Module, directory: Path, prefix: str) -> Outcome:
    meta = directory / "mutants" / "src" / f"{module.path}.meta"
    outcome = Outcome(module)
    run = directory / "run.json"
    if not meta.exists() or not run.exists():
        outcome.complete = False
        return outcome
    recorded = json.loads(run.read_text())
    outcome.seconds, outcome.complete = recorded["seconds"], recorded["complete"]
    outcome.started = recorded["started"]
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    wanted = tuple(f"{prefix}.{mutant_stem(function)}__mutmut_" for function in module.functions)
    for mutant, code in sorted(codes.items()):
        if wanted and not mutant.startswith(wanted):
            continue
        outcome.generated += 1
        if code in KILLED:
            outcome.killed += 1
        elif code in SURVIVED:
            outcome.survived.append(mutant)
        elif code in TIMED_OUT:
            outcome.timed_out += 1
        else:
            kind = "no tests" if code in NO_TESTS else "not run" if code is None else f"exit {code}"
            outcome.other[kind] = outcome.other.get(kind, 0) + 1
    return outcome


def mutant_diff(module: Module, mutant: str) -> str:
    """The changed line of one mutant, as ``old`` → ``new`` (from ``mutmut show``)."""
    directory = SCRATCH / _slug(module)
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "show", mutant],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    removed = [
        line[1:].strip() for line in shown if line.startswith("-") and not line.startswith("---")
    ]
    added = [
        line[1:].strip() for line in shown if line.startswith("+") and not line.startswith("+++")
    ]
    return f"`{' '.join(removed)}` → `{' '.join(added)}`"


def render(outcomes: list[Outcome], reasons: dict[str, str], when: str) -> str:
    lines = [
        "# Mutation testing",
        "",
        "`make mutation` mutates the safety-critical runtime one operator, constant or",
        "statement at a time and runs each module's fast tests against every mutant",
        "(`python -m tests.mutation`; modules and their tests are paired in",
        "`[tool.stereo-spot-mutation]` in `pyproject.toml`, mutmut's settings are",
        "`[tool.mutmut]`). It is not part of `make test`: it takes a while and keeps",
        "both cores busy. A mutant is *killed* when a test fails, *timed out* when the",
        "tests hang (a detection too); the score is (killed + timed out) / generated.",
        f"The target is {TARGET:.0f} % on every module; every survivor below is an",
        "equivalent mutant (no behaviour changes), with the reason, kept in",
        "`tests/mutation_equivalents.toml`.",
        "",
        f"Generated by `make mutation` on {when} with mutmut {version('mutmut')}, "
        f"Python {sys.version.split()[0]}.",
        "",
        "| module | generated | killed | survived | timed out | score | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for outcome in outcomes:
        note = "" if outcome.complete else " (cut short by the budget)"
        if not outcome.started:
            note = " (no result: not run)"
        other = "".join(f", {count} {kind}" for kind, count in sorted(outcome.other.items()))
        lines.append(
            f"| `{outcome.module.name}`{note} | {outcome.generated}{other} | {outcome.killed} "
            f"| {len(outcome.survived)} | {outcome.timed_out} | {outcome.score:.1f} % "
            f"| {outcome.seconds:.0f} |"
        )
    total = sum(o.seconds for o in outcomes)
    lines += [
        "",
        f"The whole run took {total / 60:.0f} minutes on 2 cores. Run it with",
        "`make mutation` (each module at most `MUTATION_BUDGET` seconds, 900 by default;",
        "a module cut short fails the run) or one row at a time with",
        "`.venv/bin/python -m tests.mutation --no-write 'stereo_spot_shared/leases.py'`. The scratch",
        "copies stay in `build/mutation/<module>/`: `mutmut show NAME` there prints a mutant.",
        "",
        "Excluded from mutation, with `# pragma: no mutate`: two `typing.cast` lines, in",
        "`_checks.field_validator` and `_dynamo.fenced_update` (their type strings are read",
        "by mypy only, so every mutant of them is equivalent).",
    ]
    lines += ["", "## Tests paired with each module", ""]
    for outcome in outcomes:
        tests = ", ".join(f"`{test}`" for test in outcome.module.tests)
        lines.append(f"- `{outcome.module.name}`: {tests}")
    lines += ["", "## Surviving mutants (all equivalent)", ""]
    survivors = [(o, mutant) for o in outcomes for mutant in o.survived]
    if not survivors:
        lines.append("None.")
    for outcome, mutant in survivors:
        reason = reasons.get(mutant, "**NOT EXPLAINED: a test is missing**")
        lines.append(f"- `{mutant}`: {mutant_diff(outcome.module, mutant)}. {reason}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="report rows to run (default: all)")
    parser.add_argument("--budget", type=float, default=900, help="seconds per module at most")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs/")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="render the last run's results again (after explaining a survivor), run nothing",
    )
    arguments = parser.parse_args()

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    modules = [
        m for m in load_modules(pyproject) if not arguments.modules or m.name in arguments.modules
    ]
    reasons: dict[str, str] = tomllib.loads(EQUIVALENTS.read_text())["equivalent"]
    outcomes = []
    for module in modules:
        print(f"mutation: {module.name} against {' '.join(module.tests)}", flush=True)
        if arguments.report_only:
            outcome = collect(module, SCRATCH / _slug(module), mutant_prefix(module))
        else:
            outcome = run_module(module, pyproject, arguments.budget, arguments.workers)
        outcomes.append(outcome)
        print(
            f"  {outcome.generated} generated, {outcome.killed} killed, "
            f"{len(outcome.survived)} survived, {outcome.timed_out} timed out, "
            f"{outcome.score:.1f} % in {outcome.seconds:.0f} s",
            flush=True,
        )
        for mutant in outcome.survived:
            print(f"    survived: {mutant}{'' if mutant in reasons else '  (not explained)'}")
    when = min((o.started for o in outcomes if o.started), default="(no run)")
    report = render(outcomes, reasons, when)
    if arguments.no_write:
        print(report)
    else:
        REPORT.write_text(report)
        print(f"mutation: wrote {REPORT.relative_to(ROOT)}")
    failed = [
        o.module.name
        for o in outcomes
        if o.score < TARGET or not o.complete or any(m not in reasons for m in o.survived)
    ]
    if failed:
        print(f"mutation: below {TARGET:.0f} %, cut short, or unexplained survivors: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
