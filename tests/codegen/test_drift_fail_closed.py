"""Drift fails closed: every adversarial edit of issue 22 is caught, or reported unverifiable.

Each test edits a scratch copy of infra/ the way the issue did; before drift
evaluated expressions, each of these reported "in sync".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stereo_spot_aws_adapters.generated.resources import QUEUES
from tests.codegen.test_drift import (  # the fixtures and helpers of the table drift tests
    SCHEMA_NAME,
    SUMMARY,
    drift,
    edit,
    findings,
    infra,  # noqa: F401  (a fixture)
    line_of,
)

POLICIES = "consumer_policies.tf"
REDRIVEN = sum(queue.dead_letter_queue is not None for queue in QUEUES)
WEB_UI_DOCUMENT = 'data "aws_iam_policy_document" "consumer_web_ui" {'
WEB_UI_PATH = f"{SCHEMA_NAME}:"


def add_to_web_ui_document(directory: Path, hcl: str) -> Path:
    """Insert ``hcl`` as the first thing inside the web UI's policy document."""
    path = directory / POLICIES
    edit(path, WEB_UI_DOCUMENT, WEB_UI_DOCUMENT + "\n" + hcl)
    return path


def kinds(out: str) -> list[str]:
    return [finding.split("]", 1)[0].lstrip("[") for finding in findings(out)]


# --------------------------------------------------------------------------- IAM


def test_not_actions_on_everything_is_an_extra_grant(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = add_to_web_ui_document(
        infra,
        '  statement {\n    sid = "Sneaky"\n    not_actions = ["iam:*"]\n'
        '    resources = ["*"]\n  }\n',
    )
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1, out
    (finding,) = findings(out)
    assert finding.startswith(
        "[grant-extra] consumer_web_ui statement 'Sneaky' grants every action except "
        "['iam:*'] on *, which the schema does not grant to 'web_ui'\n"
        f"  terraform: {path}:{line_of(path, 'not_actions')} "
    )
    assert "in sync" not in out + err


def test_not_resources_is_an_extra_grant(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_to_web_ui_document(
        infra,
        '  statement {\n    sid = "JobsItems"\n    actions = ["dynamodb:GetItem"]\n'
        '    not_resources = ["arn:aws:dynamodb:*:*:table/secret"]\n  }\n',
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert "grants dynamodb:GetItem on every resource except" in out


def test_a_dynamic_statement_is_expanded_and_its_grant_is_extra(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_to_web_ui_document(
        infra,
        '  dynamic "statement" {\n    for_each = ["s3:DeleteObject"]\n    content {\n'
        '      sid = "Extra"\n      actions = [statement.value]\n'
        "      resources = [aws_s3_bucket.input.arn]\n    }\n  }\n",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    assert finding.startswith(
        "[grant-extra] consumer_web_ui statement 'Extra' grants s3:DeleteObject on "
        "aws_s3_bucket.input.arn, which the schema does not grant to 'web_ui'"
    )


def test_a_dynamic_statement_over_an_unknown_value_is_unverifiable(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (infra / "extra.tf").write_text('variable "more" {\n  type = list(string)\n}\n')
    path = add_to_web_ui_document(
        infra,
        '  dynamic "statement" {\n    for_each = var.more\n    content {\n'
        '      actions = [statement.value]\n      resources = ["*"]\n    }\n  }\n',
    )
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    line = line_of(path, 'dynamic "statement"')
    assert finding == (
        '[unverifiable: dynamic] data.aws_iam_policy_document.consumer_web_ui: dynamic "statement" '
        "for_each = var.more: var.more has no default and no *.tfvars or --var-file sets it; "
        "drift cannot tell whether it matches the schema\n"
        f"  terraform: {path}:{line} data.aws_iam_policy_document.consumer_web_ui: "
        'dynamic "statement" for_each = var.more\n'
        f"  schema:    {SCHEMA_NAME} (not compared)"
    )
    assert "1 of them unverifiable" in err
    # ... and the documented way out: listed, not "in sync", exit 0.
    code, out, err = drift(capsys, "--terraform", str(infra), "--allow-unverifiable", "dynamic")
    assert code == 0
    assert findings(out) == [finding]
    assert "in sync" not in out + err
    assert "1 expression(s) were not compared (--allow-unverifiable dynamic)" in err
    # Allowing another kind does not allow this one.
    code, _, _ = drift(capsys, "--terraform", str(infra), "--allow-unverifiable", "function")
    assert code == 1


def test_source_policy_documents_merge_an_admin_document(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (infra / "admin.tf").write_text(
        'data "aws_iam_policy_document" "admin" {\n  statement {\n    sid = "Admin"\n'
        '    actions = ["*"]\n    resources = ["*"]\n  }\n}\n'
    )
    add_to_web_ui_document(
        infra, "  source_policy_documents = [data.aws_iam_policy_document.admin.json]\n"
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    admin = infra / "admin.tf"
    assert finding.startswith(
        "[grant-extra] consumer_web_ui statement 'Admin' grants * on *, which the schema "
        f"does not grant to 'web_ui'\n  terraform: {admin}:{line_of(admin, 'actions')} "
    )


def test_an_override_replacing_a_statement_is_seen(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (infra / "wider.tf").write_text(
        'data "aws_iam_policy_document" "wider" {\n  statement {\n    sid = "JobsItems"\n'
        '    actions = ["dynamodb:*"]\n    resources = [aws_dynamodb_table.jobs.arn]\n  }\n}\n'
    )
    add_to_web_ui_document(
        infra, "  override_policy_documents = [data.aws_iam_policy_document.wider.json]\n"
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert sorted(kinds(out)) == ["grant-extra", "grant-missing", "grant-missing"]
    assert "grants dynamodb:* on aws_dynamodb_table.jobs.arn" in out


def test_a_source_document_drift_cannot_read_is_unverifiable(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_to_web_ui_document(infra, '  source_policy_documents = [file("admin.json")]\n')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert kinds(out) == ["unverifiable: policy"]
    assert "the function file() is not evaluated by drift" in out


def test_a_policy_that_no_longer_uses_the_checked_document_is_detached(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / POLICIES
    edit(
        path,
        "policy      = data.aws_iam_policy_document.consumer_web_ui.json",
        'policy      = jsonencode({ Version = "2012-10-17", Statement = [] })',
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert kinds(out) == ["policy-detached", "policy-detached"]
    line = line_of(path, "policy      = jsonencode")
    assert (
        "[policy-detached] aws_iam_policy.consumer_web_ui has policy = "
        '{"Statement":[],"Version":"2012-10-17"}, not '
        "data.aws_iam_policy_document.consumer_web_ui.json: the checked document is not what "
        "consumer 'web_ui' gets\n"
        f"  terraform: {path}:{line} aws_iam_policy.consumer_web_ui: policy\n"
    ) in out
    assert (
        "no aws_iam_policy or aws_iam_role_policy has policy = "
        "data.aws_iam_policy_document.consumer_web_ui.json"
    ) in out


ROLE = """
resource "aws_iam_role" "web_ui" {
  name               = "web-ui"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy_attachment" "web_ui" {
  role       = aws_iam_role.web_ui.name
  policy_arn = aws_iam_policy.consumer_web_ui.arn
}
"""


def test_the_consumers_own_attachment_is_in_sync(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (infra / "roles.tf").write_text(ROLE)
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert (code, kinds(out)) == (
        0,
        [f"in sync: {SUMMARY} checked against {infra}/"],
    )


@pytest.mark.parametrize(
    ("extra", "what"),
    [
        (
            'resource "aws_iam_role_policy_attachment" "admin" {\n'
            "  role       = aws_iam_role.web_ui.id\n"
            '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n',
            "aws_iam_role_policy_attachment.admin gives aws_iam_role.web_ui, the role of consumer "
            "'web_ui', arn:aws:iam::aws:policy/AdministratorAccess as well",
        ),
        (
            'resource "aws_iam_role_policy" "inline" {\n'
            "  role   = aws_iam_role.web_ui.name\n"
            "  policy = jsonencode({ Statement = [] })\n}\n",
            "aws_iam_role_policy.inline gives aws_iam_role.web_ui, the role of consumer "
            "'web_ui', an inline policy as well",
        ),
    ],
)
def test_another_policy_on_the_consumers_role_is_reported(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    extra: str,
    what: str,
) -> None:
    (infra / "roles.tf").write_text(ROLE + "\n" + extra)
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    assert finding.startswith(f"[role-extra-policy] {what}: the role's grant is more than")
    assert f"schema:    {SCHEMA_NAME}:" in finding


# --------------------------------------------------------------------------- notifications


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        (
            '["s3:ObjectCreated:Copy"]',
            "it misses s3:ObjectCreated:CompleteMultipartUpload, s3:ObjectCreated:Put",
        ),
        (
            '["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]',
            "s3:ObjectRemoved:* is not an object the adapters created",
        ),
        ('["s3:ObjectCreated:Put"]', "it misses s3:ObjectCreated:CompleteMultipartUpload"),
    ],
)
def test_notification_events_must_be_exactly_object_created(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    events: str,
    problem: str,
) -> None:
    path = infra / "notifications.tf"
    text = path.read_text()
    path.write_text(text.replace('["s3:ObjectCreated:*"]', events, 1))
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    assert finding.startswith("[notification-events] aws_s3_bucket_notification.input sends ")
    assert problem in finding


def test_an_explicit_equivalent_event_set_is_in_sync(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / "notifications.tf"
    text = path.read_text()
    path.write_text(
        text.replace(
            '["s3:ObjectCreated:*"]',
            '["s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"]',
            1,
        )
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 0, out


def test_another_bucket_may_not_notify_a_schema_queue(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (infra / "other.tf").write_text(
        'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n\n'
        'resource "aws_s3_bucket_notification" "logs" {\n  bucket = aws_s3_bucket.logs.id\n'
        "  queue {\n    queue_arn = aws_sqs_queue.chunking.arn\n"
        '    events    = ["s3:ObjectCreated:*"]\n  }\n}\n'
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert kinds(out) == ["notification-extra"]
    assert "only the schema's layouts may notify queue 'chunking'" in out


# --------------------------------------------------------------------------- queues and TTL


def test_an_auto_tfvars_file_sets_the_max_receive_count(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (infra / "terraform.auto.tfvars").write_text("dlq_max_receive_count = 1\n")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert kinds(out) == ["redrive-mismatch"] * REDRIVEN  # one per queue with a redrive policy
    assert "aws_sqs_queue.chunking redrive_policy maxReceiveCount is 1; the schema says 5" in out


def test_a_var_file_is_read_after_the_auto_tfvars(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    (infra / "terraform.auto.tfvars").write_text("dlq_max_receive_count = 1\n")
    var_file = tmp_path / "prod.tfvars"
    var_file.write_text("dlq_max_receive_count = 5\n")
    code, out, _ = drift(capsys, "--terraform", str(infra), "--var-file", str(var_file))
    assert code == 0, out
    (infra / "terraform.tfvars.json").write_text('{"chunking_visibility_timeout_seconds": 60}')
    code, out, _ = drift(capsys, "--terraform", str(infra), "--var-file", str(var_file))
    assert code == 1
    assert "aws_sqs_queue.chunking visibility_timeout_seconds is 60; the schema says 900" in out


def test_arithmetic_on_a_variable_is_evaluated(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / "sqs.tf"
    text = path.read_text()
    path.write_text(
        text.replace(
            "maxReceiveCount     = var.dlq_max_receive_count",
            "maxReceiveCount     = var.dlq_max_receive_count * 20",
            1,
        )
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    assert finding.startswith(
        "[redrive-mismatch] aws_sqs_queue.chunking redrive_policy maxReceiveCount is 100; "
        "the schema says 5"
    )


def test_ttl_switched_off_through_a_variable_default(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (infra / "ttl.tf").write_text('variable "ttl_on" {\n  type    = bool\n  default = false\n}\n')
    edit(
        infra / "dynamodb.tf",
        "    enabled        = true\n  }\n\n  point",
        "    enabled        = var.ttl_on\n  }\n\n  point",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    assert finding.startswith(
        '[ttl-mismatch] aws_dynamodb_table.reassembly_triggered has TTL on "ttl" switched off'
    )


def test_locals_and_references_to_other_resources_are_evaluated(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / "sqs.tf"
    (infra / "locals.tf").write_text("locals {\n  hour = 60 * 60\n}\n")
    edit(
        path,
        "visibility_timeout_seconds = var.video_worker_visibility_timeout_seconds",
        "visibility_timeout_seconds = local.hour",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 0, out
    edit(
        path,
        "visibility_timeout_seconds = var.chunking_visibility_timeout_seconds",
        "visibility_timeout_seconds = aws_sqs_queue.video_worker.visibility_timeout_seconds",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    assert finding.startswith(
        "[visibility-mismatch] aws_sqs_queue.chunking visibility_timeout_seconds is 3600; "
        "the schema says 900"
    )


def test_a_function_drift_does_not_evaluate_is_unverifiable_with_file_and_line(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / "sqs.tf"
    edit(
        path,
        "visibility_timeout_seconds = var.chunking_visibility_timeout_seconds",
        'visibility_timeout_seconds = lookup({ a = 900 }, "a", 30)',
    )
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    line = line_of(path, "lookup(")
    assert finding == (
        "[unverifiable: function] aws_sqs_queue.chunking: visibility_timeout_seconds = "
        'lookup({a = 900}, "a", 30): the function lookup() is not evaluated by '
        "drift; drift cannot tell whether it matches the schema\n"
        f"  terraform: {path}:{line} aws_sqs_queue.chunking: visibility_timeout_seconds = "
        'lookup({a = 900}, "a", 30)\n'
        f"  schema:    {SCHEMA_NAME} (not compared)"
    )
    assert "in sync" not in out + err


def test_a_variable_set_in_the_environment_is_unverifiable(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TF_VAR_dlq_max_receive_count", "1")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    # One per queue with a redrive policy.
    assert kinds(out) == ["unverifiable: variable"] * REDRIVEN
    assert "var.dlq_max_receive_count is set by TF_VAR_dlq_max_receive_count" in out


# --------------------------------------------------------------------------- what drift does not read


def test_a_notification_naming_its_bucket_by_name_is_still_that_bucket(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    edit(
        infra / "notifications.tf",
        "bucket = aws_s3_bucket.input.id",
        "bucket = aws_s3_bucket.input.bucket",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 0, out


def test_count_on_a_compared_resource_is_unverifiable(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = infra / "sqs.tf"
    edit(
        path,
        'resource "aws_sqs_queue" "reassembly" {',
        'resource "aws_sqs_queue" "reassembly" {\n  count = 0',
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert (
        "[unverifiable: expression] aws_sqs_queue.reassembly: count = 0: count = 0: drift compares single resources"
        in out
    )


@pytest.mark.parametrize("name", ["sqs_override.tf", "extra.tf.json"])
def test_override_and_json_files_are_unverifiable(
    infra: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    (infra / name).write_text(
        '{"resource": {}}\n'
        if name.endswith(".json")
        else 'resource "aws_sqs_queue" "chunking" {\n  visibility_timeout_seconds = 5\n}\n'
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    (finding,) = findings(out)
    assert finding.startswith(
        f"[unverifiable: expression] {name} = (the whole file): Terraform reads it too"
    )
