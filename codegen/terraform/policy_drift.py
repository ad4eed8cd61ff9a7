"""Drift of consumer IAM policies: what Terraform grants against what the schema grants.

Reads every ``data "aws_iam_policy_document" "consumer_<name>"`` block of a
Terraform directory (file and line for each statement) and compares its
(action, resource, condition) grants with the consumer's ``PolicySpec``. A
grant only Terraform has is ``grant-extra``; one only the schema has is
``grant-missing``; a consumer without a document, or a document without a
consumer, is ``policy-missing`` / ``policy-extra``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..iam import Condition, PolicySpec, policies
from ..model import POLICY_PREFIX
from .comparison import Comparison
from .drift_findings import Location
from .hcl import TfFile, _dicts, _expression, _labelled

Grant = tuple[str, str, tuple[Condition, ...]]


@dataclass(frozen=True)
class TfStatement:
    sid: str
    grants: frozenset[Grant]
    line: int | None
    actions_line: int | None


@dataclass(frozen=True)
class TfPolicy:
    name: str  # the label after "consumer_"
    file: str
    line: int | None
    statements: tuple[TfStatement, ...]


def read_policies(files: Sequence[TfFile]) -> tuple[TfPolicy, ...]:
    """Every consumer policy document in ``files`` (``TerraformModel.files``)."""
    found: list[TfPolicy] = []
    for file in files:
        for data_type, by_name in _labelled(file.data.get("data")):
            if data_type != "aws_iam_policy_document":
                continue
            for label, raw_body in by_name.items():
                name = _expression(label)
                if not name.startswith(POLICY_PREFIX) or not isinstance(raw_body, dict):
                    continue
                lines = file.blocks.child("data", data_type, name)
                statements = []
                for i, raw in enumerate(_dicts(raw_body.get("statement"))):
                    statement_lines = lines.nth("statement", i) if lines else None
                    statements.append(
                        TfStatement(
                            sid=_expression(raw.get("sid", "")),
                            grants=frozenset(_grants(raw)),
                            line=statement_lines.line if statement_lines else None,
                            actions_line=(
                                statement_lines.attributes.get("actions")
                                if statement_lines
                                else None
                            ),
                        )
                    )
                found.append(
                    TfPolicy(
                        name.removeprefix(POLICY_PREFIX),
                        file.display,
                        lines.line if lines else None,
                        tuple(statements),
                    )
                )
    return tuple(found)


def _strings(value: object) -> list[str]:
    return [_expression(v) for v in value] if isinstance(value, list) else []


def _normalized(conditions: Iterable[Condition]) -> tuple[Condition, ...]:
    """The conditions in one order, each with its values sorted: equal grants compare equal."""
    return tuple(
        sorted(
            (Condition(c.test, c.variable, tuple(sorted(c.values))) for c in conditions),
            key=lambda c: (c.test, c.variable, c.values),
        )
    )


def _grants(raw: dict[str, object]) -> set[Grant]:
    effect = _expression(raw.get("effect", "Allow"))
    if effect != "Allow":
        return set()
    conditions = _normalized(
        Condition(
            _expression(c.get("test", "")),
            _expression(c.get("variable", "")),
            tuple(_strings(c.get("values"))),
        )
        for c in _dicts(raw.get("condition"))
    )
    return {
        (action, resource, conditions)
        for action in _strings(raw.get("actions"))
        for resource in _strings(raw.get("resources"))
    }


def _expected(spec: PolicySpec) -> dict[Grant, str]:
    """Every grant the schema gives, and the schema path of the key that gives it."""
    grants: dict[Grant, str] = {}
    for statement in spec.statements:
        conditions = _normalized(statement.conditions)
        for action in statement.actions:
            for resource in statement.resources:
                grants[action, resource.terraform_text, conditions] = statement.schema_path
    return grants


def _describe(grant: Grant) -> str:
    action, resource, conditions = grant
    where = "".join(f" if {c.variable} {c.test} {list(c.values)}" for c in conditions)
    return f"{action} on {resource}{where}"


def compare_policies(run: Comparison, found: tuple[TfPolicy, ...]) -> None:
    schema, source = run.schema, run.terraform.source
    by_name = {policy.name: policy for policy in found}
    specs = {spec.consumer.name: spec for spec in policies(schema)}
    for name, spec in specs.items():
        tf = by_name.get(name)
        if tf is None:
            run.add(
                "policy-missing",
                f'consumer {name!r} has no data "aws_iam_policy_document" "{spec.label}" in '
                f"{source} (run `python -m codegen`)",
                Location(source, None, f'(no data "aws_iam_policy_document" "{spec.label}")'),
                run.at_schema(spec.consumer.schema_path),
            )
            continue
        _compare_grants(run, spec, tf)
    for policy in found:
        if policy.name not in specs:
            run.add(
                "policy-extra",
                f'data "aws_iam_policy_document" "{POLICY_PREFIX}{policy.name}" names no '
                f"consumer: add [consumers.{policy.name}] to the schema, or remove it",
                Location(
                    policy.file,
                    policy.line,
                    f'data "aws_iam_policy_document" "{POLICY_PREFIX}{policy.name}"',
                ),
                Location(schema.display_name, None, "(no such consumer)"),
            )


def _compare_grants(run: Comparison, spec: PolicySpec, tf: TfPolicy) -> None:
    """Grants Terraform's policy document gives beyond the schema's, and those it lacks."""
    name, path = spec.consumer.name, spec.consumer.schema_path
    expected = _expected(spec)
    sid_paths = {s.sid: s.schema_path for s in spec.statements}
    granted: set[Grant] = set()
    for statement in tf.statements:
        granted |= statement.grants
        for grant in sorted(statement.grants - expected.keys(), key=_describe):
            run.add(
                "grant-extra",
                f"{spec.label} statement {statement.sid!r} grants {_describe(grant)}, "
                f"which the schema does not grant to {name!r}",
                Location(
                    tf.file,
                    statement.actions_line or statement.line,
                    f"data.aws_iam_policy_document.{spec.label}: statement {statement.sid!r}",
                ),
                run.at_schema(sid_paths.get(statement.sid, path)),
            )
    for grant in sorted(expected.keys() - granted, key=_describe):
        run.add(
            "grant-missing",
            f"the schema grants {name!r} {_describe(grant)}; {spec.label} does not",
            Location(tf.file, tf.line, f'data "aws_iam_policy_document" "{spec.label}"'),
            run.at_schema(expected[grant]),
        )
