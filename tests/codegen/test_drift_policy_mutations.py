"""Mutations of the consumer-policy HCL: every one that changes a grant makes drift exit 1.

Each example takes one statement of a generated consumer policy document and
edits it as a hand would: add an action, widen a resource, add a statement,
or move the statement's actions into a variable default, a ``*.auto.tfvars``
file, a ``--var-file``, a local or a ``dynamic "statement"`` block. A move may
carry an extra action along (the grant changes: drift must exit 1) or not (the
grant is the same: drift must say in sync, exit 0, so the moves are evaluated
and not merely refused).
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from codegen.terraform.drift import main

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "schema" / "stereo_spot.toml"
POLICIES = REPO / "infra" / "consumer_policies.tf"
STATEMENT = re.compile(r"^  statement \{\n.*?^  \}\n", re.MULTILINE | re.DOTALL)
ACTIONS = re.compile(r"^    actions   = (\[.*\])$", re.MULTILINE)
RESOURCES = re.compile(r"^    resources = (\[.*\])$", re.MULTILINE)
# Actions no consumer is granted anywhere: adding one always widens the grant.
FOREIGN_ACTIONS = ("s3:DeleteObject", "dynamodb:DeleteTable", "sqs:PurgeQueue", "iam:PassRole")
MOVES = ("variable", "tfvars", "var-file", "local", "dynamic")


@dataclass(frozen=True)
class Mutation:
    kind: str
    statement: int  # index among every statement of the consumer documents
    action: str | None  # the action added (for moves: carried along, or None)

    @property
    def changes_the_grant(self) -> bool:
        return self.kind in ("add-action", "widen-resource", "add-statement") or bool(self.action)


def consumer_statements(text: str) -> list[re.Match[str]]:
    """Statements inside ``data "aws_iam_policy_document" "consumer_*"`` blocks only."""
    documents = [
        (m.start(), text.index("\n}\n", m.start()))
        for m in re.finditer(r'^data "aws_iam_policy_document" "consumer_', text, re.MULTILINE)
    ]
    return [m for m in STATEMENT.finditer(text) if any(a < m.start() < b for a, b in documents)]


TEXT = POLICIES.read_text()
STATEMENT_COUNT = len(consumer_statements(TEXT))


def apply(mutation: Mutation, infra: Path, var_file: Path) -> list[str]:
    """Edit ``infra``'s consumer policies; return the extra drift arguments it needs."""
    text = TEXT
    statement = consumer_statements(text)[mutation.statement]
    body = statement.group()
    actions = ACTIONS.search(body)
    assert actions is not None
    listed = actions.group(1)
    if mutation.action:
        listed = listed.replace("[", f'["{mutation.action}", ', 1)
    arguments: list[str] = []
    extra_tf = ""
    if mutation.kind == "add-action":
        body = body.replace(actions.group(), f"    actions   = {listed}")
    elif mutation.kind == "widen-resource":
        found = RESOURCES.search(body)
        assert found is not None
        body = body.replace(found.group(), '    resources = ["*"]')
    elif mutation.kind == "add-statement":
        body += (
            f'\n  statement {{\n    sid       = "Added"\n    actions   = ["{mutation.action}"]\n'
            "    resources = [aws_s3_bucket.input.arn]\n  }\n"
        )
    elif mutation.kind in ("variable", "tfvars", "var-file"):
        body = body.replace(actions.group(), "    actions   = var.moved_actions")
        default = f"  default = {listed}\n" if mutation.kind == "variable" else ""
        extra_tf = f'variable "moved_actions" {{\n  type = list(string)\n{default}}}\n'
        if mutation.kind == "tfvars":
            (infra / "moved.auto.tfvars").write_text(f"moved_actions = {listed}\n")
        elif mutation.kind == "var-file":
            var_file.write_text(f"moved_actions = {listed}\n")
            arguments = ["--var-file", str(var_file)]
    elif mutation.kind == "local":
        body = body.replace(actions.group(), "    actions   = local.moved_actions")
        extra_tf = f"locals {{\n  moved_actions = {listed}\n}}\n"
    elif mutation.kind == "dynamic":
        inner = body.replace(actions.group(), "    actions   = statement.value")
        inner = inner.removeprefix("  statement {\n").removesuffix("  }\n")
        body = (
            f'  dynamic "statement" {{\n    for_each = [{listed}]\n    content {{\n'
            + "".join(f"  {line}\n" for line in inner.splitlines())
            + "    }\n  }\n"
        )
    (infra / "consumer_policies.tf").write_text(
        text[: statement.start()] + body + text[statement.end() :]
    )
    if extra_tf:
        (infra / "moved.tf").write_text(extra_tf)
    return arguments


mutations = st.one_of(
    st.builds(
        Mutation,
        st.sampled_from(("add-action", "add-statement")),
        st.integers(0, STATEMENT_COUNT - 1),
        st.sampled_from(FOREIGN_ACTIONS),
    ),
    st.builds(Mutation, st.just("widen-resource"), st.integers(0, STATEMENT_COUNT - 1), st.none()),
    st.builds(
        Mutation,
        st.sampled_from(MOVES),
        st.integers(0, STATEMENT_COUNT - 1),
        st.none() | st.sampled_from(FOREIGN_ACTIONS),
    ),
)


def _every_move(test: Callable[[Mutation], None]) -> Callable[[Mutation], None]:
    """Each move, faithful and carrying an extra action, runs on every profile."""
    for index, kind in enumerate(MOVES):
        test = example(Mutation(kind, index * 5, None))(test)
        test = example(Mutation(kind, index * 5 + 2, FOREIGN_ACTIONS[index % 4]))(test)
    return test


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=mutations)
@_every_move
def test_every_grant_changing_mutation_exits_1_and_every_faithful_move_is_in_sync(
    mutation: Mutation,
) -> None:
    output = io.StringIO()
    with tempfile.TemporaryDirectory() as scratch:
        infra = Path(scratch) / "infra"
        shutil.copytree(REPO / "infra", infra, ignore=shutil.ignore_patterns(".terraform*", "*.md"))
        arguments = apply(mutation, infra, Path(scratch) / "mutation.tfvars")
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
            code = main(["--schema", str(SCHEMA), "--terraform", str(infra), *arguments])
    out = output.getvalue()
    if mutation.changes_the_grant:
        assert code == 1, f"{mutation}: {out}"
        assert "in sync" not in out
        assert "[grant-extra]" in out, out
    else:
        assert code == 0, f"{mutation}: {out}"


def test_the_mutations_reach_every_move_and_every_statement() -> None:
    """The statement regex finds the generated statements (so the property test edits something)."""
    assert STATEMENT_COUNT >= 20
    for index in range(STATEMENT_COUNT):
        assert ACTIONS.search(consumer_statements(TEXT)[index].group()), index
