"""The drift examples of docs/guides/drift.md, reproduced: each edit applied to a copy of the repo.

Every ```text block the page marks with ``<!-- drift-example: NAME -->`` is
what ``python -m codegen drift`` prints after the edit ``EXAMPLES[NAME]`` makes
to a scratch copy of ``schema/`` and ``infra/``. ``tests/docs/
test_drift_examples.py`` checks them; ``python -m tests.docs.drift_examples
--write`` (part of ``make goldens``) rewrites the blocks after a schema or
Terraform change moved a line.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guides" / "drift.md"
COMMAND = "$ python -m codegen drift"


def _replace(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    if text.count(old) != 1:
        raise AssertionError(f"{relative}: expected {old!r} exactly once, found {text.count(old)}")
    path.write_text(text.replace(old, new), encoding="utf-8")


def _three_edits(root: Path) -> None:
    # The reassembly_triggered table's TTL (the inference_invocations table has one too).
    ttl = '{\n    name = "job_id"\n    type = "S"\n  }\n\n  ttl {\n    attribute_name = '
    _replace(root, "infra/dynamodb.tf", ttl + '"ttl"', ttl + '"expires_at"')
    _replace(root, "infra/outputs.tf", "aws_sqs_queue.chunking.url", "aws_sqs_queue.chunking.arn")
    _replace(root, "infra/outputs.tf", 'output "output_bucket_name"', 'output "output_bucket"')


def _notification_prefix(root: Path) -> None:
    _replace(
        root, "infra/notifications.tf", 'filter_prefix = "input/"', 'filter_prefix = "uploads/"'
    )


def _in_sync(root: Path) -> None:
    del root  # the repository as it is


def _bare_name(root: Path) -> None:
    path = root / "infra/sqs.tf"
    path.write_text(
        path.read_text(encoding="utf-8") + '\nresource "aws_sqs_queue" "broken" {\n  name =\n}\n',
        encoding="utf-8",
    )


def _widened_policies(root: Path) -> None:
    policies = root / "infra/consumer_policies.tf"
    text = policies.read_text(encoding="utf-8")
    # The media worker's final-video statement widened to the whole bucket.
    start = text.index('sid       = "WriteOutputObjects"')
    end = text.index("\n  }", start)
    block = text[start:end].replace("/jobs/*/final.mp4", "/*")
    text = text[:start] + block + text[end:]
    # The video worker's segment-completion statement gains UpdateItem.
    start = text.index(
        'sid       = "SegmentCompletionsItems"', text.index('"consumer_video_worker"')
    )
    actions = text.index("actions", start)
    bracket = text.index("[", actions)
    text = text[: bracket + 1] + '"dynamodb:UpdateItem", ' + text[bracket + 1 :]
    policies.write_text(text, encoding="utf-8")


def _pipe_from_another_table(root: Path) -> None:
    _replace(
        root,
        "infra/pipes.tf",
        "source   = aws_dynamodb_table.jobs.stream_arn",
        "source   = aws_dynamodb_table.reassembly_triggered.stream_arn",
    )


def _unset_variable(root: Path) -> None:
    # The chunking queue's visibility timeout loses its default: nothing says what it is.
    block = 'variable "chunking_visibility_timeout_seconds" {\n  description = "Splitting'
    _replace(
        root,
        "infra/variables.tf",
        block + ' a source video into segments takes minutes, not hours."\n'
        "  type        = number\n  default     = 900\n",
        block + ' a source video into segments takes minutes, not hours."\n'
        "  type        = number\n",
    )


def _unset_variable_with_var_file(root: Path) -> None:
    _unset_variable(root)
    (root / "prod.tfvars").write_text(
        "chunking_visibility_timeout_seconds = 900\n", encoding="utf-8"
    )


EXAMPLES: dict[str, Callable[[Path], None]] = {
    "three-edits": _three_edits,
    "notification-prefix": _notification_prefix,
    "in-sync": _in_sync,
    "parse-error": _bare_name,
    "consumer-policies": _widened_policies,
    "pipe-wrong-table": _pipe_from_another_table,
    "unset-variable": _unset_variable,
    "unset-variable-allowed": _unset_variable,
    "unset-variable-var-file": _unset_variable_with_var_file,
}

ARGUMENTS: dict[str, tuple[str, ...]] = {
    "unset-variable-allowed": ("--allow-unverifiable", "variable"),
    "unset-variable-var-file": ("--var-file", "prod.tfvars"),
}
"""Arguments an example passes to the command (none for the others)."""

_BLOCK = re.compile(r"<!-- drift-example: (?P<name>[\w-]+) -->\n+```text\n(?P<body>.*?)```", re.S)


def run(name: str) -> str:
    """What drift prints (stdout, then stderr) on a copy with ``name``'s edit."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for folder in ("schema", "infra"):
            shutil.copytree(ROOT / folder, root / folder)
        (root / "src").symlink_to(ROOT / "src")  # the schema's models, as python_path finds them
        EXAMPLES[name](root)
        done = subprocess.run(
            [sys.executable, "-m", "codegen", "drift", *ARGUMENTS.get(name, ())],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": "", "PYTHONPATH": str(ROOT)},
        )
    command = " ".join((COMMAND, *ARGUMENTS.get(name, ())))
    return f"{command}\n{done.stdout}{done.stderr}"


def page_blocks(text: str) -> dict[str, str]:
    return {match["name"]: match["body"] for match in _BLOCK.finditer(text)}


def write() -> None:
    outputs = {name: run(name) for name in EXAMPLES}

    def current(match: re.Match[str]) -> str:
        # Splice by position: an empty body would otherwise match everywhere.
        start, end = match.start("body") - match.start(), match.end("body") - match.start()
        whole = match.group(0)
        return whole[:start] + outputs[match["name"]] + whole[end:]

    PAGE.write_text(_BLOCK.sub(current, PAGE.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write", action="store_true", help="rewrite the blocks in docs/guides/drift.md"
    )
    if parser.parse_args().write:
        write()
    else:
        for example in EXAMPLES:
            print(run(example))
