"""Drift of the resource kinds beyond tables, queues and buckets: the secret and the metrics grant.

Each test edits a scratch copy of infra/; every edit is caught, or reported
unverifiable, never "in sync".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.codegen.test_drift import (  # the fixtures and helpers of the table drift tests
    cut_block,
    drift,
    edit,
    findings,
    infra,  # noqa: F401  (a fixture)
)

SECRET = 'resource "aws_secretsmanager_secret" "hf_token" {'
OUTPUT_VALUE = "value       = aws_secretsmanager_secret.hf_token.arn"


def kinds(out: str) -> list[str]:
    return [finding.split("]", 1)[0].lstrip("[") for finding in findings(out)]


def test_a_missing_secret_is_a_missing_resource(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    cut_block(infra / "secrets.tf", SECRET)
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert "missing-resource" in kinds(out)
    assert "aws_secretsmanager_secret.hf_token, which" in out
    assert "secrets.hf_token.terraform_output" in out


def test_an_output_giving_the_secrets_name_is_the_wrong_target(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    edit(
        infra / "outputs.tf", OUTPUT_VALUE, "value       = aws_secretsmanager_secret.hf_token.name"
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert (code, kinds(out)) == (1, ["wrong-target"])
    assert "a secret ARN must be aws_secretsmanager_secret.<name>.arn (or .id)" in out


def test_a_missing_output_and_an_undeclared_one_are_both_named(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    edit(infra / "outputs.tf", 'output "hf_token_secret_arn" {', 'output "token_arn" {')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert sorted(kinds(out)) == ["extra-output", "missing-output"]
    assert 'renamed? output "token_arn" gives aws_secretsmanager_secret.hf_token' in out


def test_a_counted_secret_is_unverifiable(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    edit(infra / "secrets.tf", SECRET, SECRET + "\n  count = var.secret_count")
    with (infra / "variables.tf").open("a") as handle:
        handle.write('\nvariable "secret_count" {\n  type = number\n}\n')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert kinds(out) == ["unverifiable: variable"]


@pytest.mark.parametrize(
    ("old", "new", "grant"),
    [
        # Another namespace: the schema's grant is missing, Terraform's is extra.
        (
            'values   = ["StereoSpot/Conversion"]',
            'values   = ["Other/Conversion"]',
            "Other/Conversion",
        ),
        # No condition at all: PutMetricData in every namespace.
        ('test     = "StringEquals"', 'test     = "StringLike"', "StringLike"),
    ],
)
def test_the_metrics_grant_is_compared_with_its_namespace_condition(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    grant: str,
) -> None:
    edit(infra / "consumer_policies.tf", old, new)
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert sorted(kinds(out)) == ["grant-extra", "grant-missing"]
    assert "cloudwatch:PutMetricData on * if cloudwatch:namespace" in out
    assert grant in out


def test_the_secret_grant_on_every_secret_is_extra(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    edit(
        infra / "consumer_policies.tf",
        "resources = [aws_secretsmanager_secret.hf_token.arn]",
        'resources = ["*"]',
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert sorted(kinds(out)) == ["grant-extra", "grant-missing"]
    assert "secretsmanager:GetSecretValue on *" in out
