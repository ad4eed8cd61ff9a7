"""Drift of the generated consumer IAM policies (``python -m codegen drift``).

Each test edits a copy of ``infra/`` the way a hand edit would, and asserts the
finding: its kind, what it names, and the file and line on both sides.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.codegen.test_drift import (  # the fixtures and helpers of the table drift tests
    CONSUMER_COUNT,
    SCHEMA_NAME,
    cut_block,
    drift,
    findings,
    infra,  # noqa: F401  (a fixture)
    line_of,
)

POLICIES = "consumer_policies.tf"
VIDEO_WORKER_COMPLETIONS = 'segment_completions = ["put", "put_many", "query_by_job"]'


def schema_line(needle: str) -> int:
    return line_of(Path(__file__).resolve().parents[2] / SCHEMA_NAME, needle)


def test_the_committed_policies_are_in_sync(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 0, out
    assert f"{CONSUMER_COUNT} consumer policies" in out


def test_an_action_terraform_adds_is_grant_extra(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / POLICIES
    text = path.read_text()
    start = text.index('data "aws_iam_policy_document" "consumer_video_worker"')
    old = 'actions   = ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:Query"]'
    at = text.index(old, start)
    path.write_text(
        text[:at]
        + 'actions   = ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]'
        + text[at + len(old) :]
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    line = line_of(path, '"dynamodb:Query", "dynamodb:UpdateItem"]', after="consumer_video_worker")
    assert finding == (
        "[grant-extra] consumer_video_worker statement 'SegmentCompletionsItems' grants "
        "dynamodb:UpdateItem on aws_dynamodb_table.segment_completions.arn, which the schema "
        "does not grant to 'video_worker'\n"
        f"  terraform: {infra.as_posix()}/{POLICIES}:{line} "
        "data.aws_iam_policy_document.consumer_video_worker: statement 'SegmentCompletionsItems'\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line(VIDEO_WORKER_COMPLETIONS)} "
        "consumers.video_worker.tables.segment_completions"
    )


def test_a_widened_resource_is_grant_extra_and_the_narrow_one_grant_missing(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / POLICIES
    text = path.read_text()
    start = text.index('data "aws_iam_policy_document" "consumer_media_worker"')
    start = text.index('sid       = "WriteOutputObjects"', start)
    old = '"${aws_s3_bucket.output.arn}/jobs/*/final.mp4"'
    at = text.index(old, start)
    path.write_text(text[:at] + '"${aws_s3_bucket.output.arn}/*"' + text[at + len(old) :])
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    kinds = [f.splitlines()[0] for f in findings(out)]
    assert any(
        k.startswith(
            "[grant-extra] consumer_media_worker statement 'WriteOutputObjects' grants "
            "s3:PutObject on ${aws_s3_bucket.output.arn}/*,"
        )
        for k in kinds
    ), kinds
    assert (
        "[grant-missing] the schema grants 'media_worker' s3:PutObject on "
        "${aws_s3_bucket.output.arn}/jobs/*/final.mp4; consumer_media_worker does not"
    ) in kinds


def test_a_removed_policy_is_policy_missing_and_an_unknown_one_policy_extra(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / POLICIES
    cut_block(path, 'data "aws_iam_policy_document" "consumer_web_ui"')
    (infra / "extra.tf").write_text(
        'data "aws_iam_policy_document" "consumer_billing" {\n'
        "  statement {\n"
        '    actions   = ["dynamodb:Scan"]\n'
        '    resources = ["*"]\n'
        "  }\n"
        "}\n"
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    rendered = findings(out)
    assert any(
        f.startswith(
            '[policy-extra] data "aws_iam_policy_document" "consumer_billing" names no consumer'
        )
        and f"{infra.as_posix()}/extra.tf:1 " in f
        for f in rendered
    ), rendered
    assert any(
        f.startswith(
            "[policy-missing] consumer 'web_ui' has no data \"aws_iam_policy_document\" "
            '"consumer_web_ui"'
        )
        and f"{SCHEMA_NAME}:{schema_line('[consumers.web_ui]')} consumers.web_ui" in f
        for f in rendered
    ), rendered


def test_a_consumer_leaving_the_schema_takes_its_policy_files_with_it(tmp_path: Path) -> None:
    from codegen.cli import main
    from tests.golden.regenerate import GOLDEN, schema_path

    text = schema_path("library").read_text(encoding="utf-8")
    text = text.replace(
        'python_path = "../models"', f"python_path = {str(GOLDEN / 'library' / 'models')!r}"
    )
    schema = tmp_path / "library.toml"
    schema.write_text(text, encoding="utf-8")
    infra_dir = tmp_path / "infra"
    hand_written = infra_dir / "policies" / "notes.json"
    hand_written.parent.mkdir(parents=True)
    hand_written.write_text('{\n  "owner": "ops"\n}\n', encoding="utf-8")

    def run(*args: str) -> int:
        return main(
            [
                "--schema",
                str(schema),
                "--out",
                str(tmp_path / "out"),
                "--infra",
                str(infra_dir),
                *args,
            ]
        )

    assert run() == 0
    cataloguer = infra_dir / "policies" / "cataloguer.json"
    assert cataloguer.exists()
    assert 'data "aws_iam_policy_document" "consumer_cataloguer"' in (
        infra_dir / "consumer_policies.tf"
    ).read_text(encoding="utf-8")

    start = text.index("[consumers.cataloguer]")
    schema.write_text(text[:start], encoding="utf-8")
    assert run("--check") == 1
    assert run() == 0
    assert not cataloguer.exists()
    assert "consumer_cataloguer" not in (infra_dir / "consumer_policies.tf").read_text(
        encoding="utf-8"
    )
    assert hand_written.exists(), "only files carrying the generated notice are deleted"
    assert run("--check") == 0
