"""Run the original stereo-spot monorepo's own tests, unchanged, against our two wheels.

    make original-tests REV=b622b25 ORIGINAL=/path/to/stereo-spot   (not part of `make test`)
    python -m tests.original --rev b622b25 --original /path/to/stereo-spot [--no-reference]

``ORIGINAL`` is a local clone of ``alexpialetski/stereo-spot`` (a working clone or a bare
git dir). Nothing of it is copied into this repository: it is read with ``git`` into
``build/original/<rev>/`` (ignored), which the runner recreates on every run.

1. The tree of ``packages/`` at ``REV`` is written out blob by blob. A blob a partial clone
   lacks is replaced by a placeholder when it is one we know is never read by a test
   (web-ui's ``favicon.png``); any other missing blob is an error.
2. A scratch venv (``venv-ours``) gets our wheels from ``build/distributions`` (``make
   distributions`` builds them), the original's service packages (adapters facade,
   job-worker, media-worker, video-worker, web-ui, integration: whichever exist at REV)
   with ``--no-deps``, and the third-party dependencies those packages and the
   shared-types and aws-adapters packages declare (``dependencies`` plus the ``dev`` extra),
   from the package index. The original's ``shared-types`` and ``aws-adapters`` are never
   installed there, and their ``src/`` is removed from the copy, so their tests import ours.
3. With ``--reference`` (the default), a second venv (``venv-reference``) gets the
   original's own shared-types and aws-adapters instead, and the same tests run there:
   that run gives the denominator (a module that fails to import on ours still counts all
   the tests it holds) and the list of tests that pass on the original but not on ours.
4. Each package's tests run with its own pytest settings (``-c packages/<p>/pyproject.toml``)
   in a clean environment (no AWS or stereo-spot variables from the caller), and the
   runner prints passed/total per package, then every test that passes on the reference
   but not on ours, with the first line of its failure.

The exit status is 0 when the run completed (whatever the counts), 2 on a setup error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ROOT / "build" / "distributions"
WORK = ROOT / "build" / "original"

# The packages whose tests run, in this order; those absent at a revision are skipped.
TESTED = (
    "shared-types",
    "aws-adapters",
    "adapters",
    "job-worker",
    "media-worker",
    "video-worker",
    "web-ui",
    "integration",
)
# Replaced by ours in the venv under test.
REPLACED = ("shared-types", "aws-adapters")
# Installed (--no-deps) so the services and the integration tests can import each other.
SERVICES = ("adapters", "job-worker", "media-worker", "video-worker", "web-ui", "integration")
# Blobs a partial clone may lack, and what stands in for them. The placeholder for an
# image is a valid 1x1 PNG, so a test that serves it gets bytes of the right type.
PLACEHOLDERS = {
    "packages/web-ui/src/stereo_spot_web_ui/static/favicon.png": bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    ),
}


class SetupError(Exception):
    pass


@dataclass
class Outcome:
    passed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # test id -> first line of why
    skipped: set[str] = field(default_factory=set)
    # Why a test module (or the whole package, key "") could not be collected.
    uncollected: dict[str, str] = field(default_factory=dict)

    def why_not_run(self, test: str) -> str:
        """The collection error of the module ``test`` is in, or of the package."""
        classname = test.split("::")[1] if test.count("::") >= 1 else ""
        for name in (classname, classname.rsplit(".", 1)[0], ""):
            if name in self.uncollected:
                return f"not collected: {self.uncollected[name]}"
        return "not collected"

    @property
    def total(self) -> int:
        return len(self.passed) + len(self.failed) + len(self.skipped)


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )
    if result.returncode != 0:
        raise SetupError(f"failed: {' '.join(map(str, command))}\n{result.stdout}{result.stderr}")
    return result.stdout


def git_command(original: Path) -> list[str]:
    if (original / ".git").exists():
        return ["git", "-C", str(original)]
    if (original / "objects").is_dir() and (original / "HEAD").exists():
        return ["git", f"--git-dir={original}"]
    raise SetupError(f"{original} is neither a git clone nor a bare git dir")


def extract(original: Path, rev: str, into: Path) -> list[str]:
    """Write packages/ at ``rev`` under ``into``; return the placeholders used."""
    git = git_command(original)
    listing = run(*git, "ls-tree", "-r", "-z", "--full-tree", rev, "--", "packages")
    used = []
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind != "blob" or mode == "120000" or "/node_modules/" in path:
            continue
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        content = subprocess.run([*git, "cat-file", "blob", blob], capture_output=True, check=False)
        if content.returncode == 0:
            target.write_bytes(content.stdout)
        elif path in PLACEHOLDERS:
            target.write_bytes(PLACEHOLDERS[path])
            used.append(path)
        else:
            raise SetupError(f"{path} at {rev}: blob {blob} missing from {original}")
    return used


def declared_dependencies(project: Path) -> list[str]:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    section = data.get("project", {})
    requirements = list(section.get("dependencies", []))
    requirements += section.get("optional-dependencies", {}).get("dev", [])
    return [
        requirement
        for requirement in requirements
        if not re.match(r"\s*stereo[-_]spot", requirement, re.IGNORECASE)
    ]


def make_venv(uv: Path, path: Path, requirements: list[str], local: list[Path]) -> Path:
    run(uv, "venv", "--quiet", "--python", sys.executable, path)
    python = path / "bin" / "python"
    env = {**os.environ, "VIRTUAL_ENV": str(path)}
    run(uv, "pip", "install", "--quiet", *requirements, env=env)
    if local:
        run(uv, "pip", "install", "--quiet", "--no-deps", *local, env=env)
    return python


def clean_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM")
    return {name: os.environ[name] for name in keep if name in os.environ}


def run_tests(python: Path, project: Path, report: Path) -> Outcome:
    result = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--continue-on-collection-errors",
            "-c",
            str(project / "pyproject.toml"),
            "--rootdir",
            str(project),
            f"--junitxml={report}",
            "tests",
        ],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    outcome = Outcome()
    if not report.exists():  # a conftest that does not import stops pytest before the report
        outcome.uncollected[""] = first_error_line(result.stdout + result.stderr)
        return outcome
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if not case.get("classname") and problem is not None:  # a module that did not import
            outcome.uncollected[case.get("name", "")] = first_error_line(problem.text or "")
            continue
        name = f"{project.name}::{case.get('classname', '')}::{case.get('name', '')}"
        if problem is not None:
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            outcome.failed[name] = message[0][:200] if message else ""
        elif case.find("skipped") is not None:
            outcome.skipped.add(name)
        else:
            outcome.passed.add(name)
    return outcome


def first_error_line(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("E "):
            return line[1:].strip()[:200]
    return text.strip().splitlines()[0][:200] if text.strip() else "no output"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True)
    parser.add_argument("--original", required=True, type=Path)
    parser.add_argument("--wheels", type=Path, default=WHEELS)
    parser.add_argument("--uv", type=Path, default=ROOT / ".venv-uv" / "bin" / "uv")
    parser.add_argument("--no-reference", dest="reference", action="store_false")
    parser.add_argument("--json", type=Path, help="also write the counts here")
    args = parser.parse_args()
    try:
        return measure(args)
    except SetupError as error:
        print(f"original-tests: {error}", file=sys.stderr)
        return 2


def measure(args: argparse.Namespace) -> int:
    wheels = sorted(args.wheels.glob("stereo_spot_*.whl"))
    if len(wheels) != 2:
        raise SetupError(f"expected our two wheels in {args.wheels} (make distributions)")
    work = WORK / args.rev
    shutil.rmtree(work, ignore_errors=True)
    tree = work / "tree"
    placeholders = extract(args.original.resolve(), args.rev, tree)
    packages = tree / "packages"
    present = [name for name in TESTED if (packages / name / "tests").is_dir()]
    services = [packages / name for name in SERVICES if name in present]
    third_party = sorted(
        {dep for name in present for dep in declared_dependencies(packages / name)}
    )

    reference_python = None
    if args.reference:
        originals = [packages / name for name in REPLACED if name in present]
        reference_python = make_venv(
            args.uv, work / "venv-reference", third_party, [*originals, *services]
        )
    for name in REPLACED:
        shutil.rmtree(packages / name / "src", ignore_errors=True)
    ours_python = make_venv(args.uv, work / "venv-ours", third_party, [*wheels, *services])

    print(f"original-tests at {args.rev} ({len(present)} packages)")
    for path in placeholders:
        print(f"  placeholder for a missing blob: {path}")
    rows = []
    regressions: dict[str, str] = {}
    for name in present:
        ours = run_tests(ours_python, packages / name, work / f"ours-{name}.xml")
        if reference_python is not None:
            reference = run_tests(reference_python, packages / name, work / f"ref-{name}.xml")
            total = reference.total
            for test in sorted(reference.passed - ours.passed):
                regressions[test] = ours.failed.get(test) or ours.why_not_run(test)
        else:
            total = ours.total
        rows.append({"package": name, "passed": len(ours.passed), "total": total})
        print(f"  {name:<14} {len(ours.passed):>4} / {total:<4} passed")
    passed = sum(row["passed"] for row in rows)
    total = sum(row["total"] for row in rows)
    print(f"  {'all':<14} {passed:>4} / {total:<4} passed")
    if regressions:
        print("pass on the original's packages, not on ours:")
        for test, why in regressions.items():
            print(f"  {test}: {why}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rev": args.rev,
                    "packages": rows,
                    "passed": passed,
                    "total": total,
                    "failing": regressions,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
