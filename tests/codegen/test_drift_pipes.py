"""Drift of EventBridge Pipes against the queues' ``stream_sources``: one mutation of a copy of infra/ each.

A queue with ``stream_sources = ["jobs", ...]`` must have one ``aws_pipes_pipe``
per table whose ``source`` is the table's ``stream_arn`` and whose ``target`` is
the queue's ``arn``; every finding names the file and line on both sides.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.codegen.test_drift import (
    SCHEMA_NAME,
    cut_block,
    drift,
    edit,
    findings,
    infra,
    line_of,
    schema_line,
)

__all__ = ["infra"]  # the fixture, shared with test_drift

JOB_EVENTS = "[queues.job_events]"
JOBS_PIPE = 'resource "aws_pipes_pipe" "job_events_jobs"'
JOBS_SOURCE = "source   = aws_dynamodb_table.jobs.stream_arn"
JOBS_TABLE = 'resource "aws_dynamodb_table" "jobs"'
JOB_EVENTS_QUEUE = 'resource "aws_sqs_queue" "job_events"'
AGAIN_PIPE = 'resource "aws_pipes_pipe" "again"'
AUDIT_SOURCE = "source   = aws_dynamodb_table.audit.stream_arn"


def _retarget_jobs_pipe(pipes: Path, target: str) -> None:
    """Point the jobs pipe (the first of pipes.tf) at ``target``."""
    text = pipes.read_text()
    old = "target   = aws_sqs_queue.job_events.arn"
    assert text.index(old) > text.index(JOBS_PIPE)
    pipes.write_text(text.replace(old, f"target   = {target}", 1))


def _stream_sources(table: str) -> str:
    return (
        f"{SCHEMA_NAME}:{schema_line(JOB_EVENTS, 'stream_sources')} "
        f'queues.job_events.stream_sources includes "{table}"'
    )


def _missing_jobs_pipe(infra: Path) -> str:
    tables, queues = infra / "dynamodb.tf", infra / "sqs.tf"
    return (
        "[pipe-missing] queue 'job_events' is fed the stream of table 'jobs' (stream_sources), "
        "but no aws_pipes_pipe has source = aws_dynamodb_table.jobs.stream_arn "
        f"({tables}:{line_of(tables, JOBS_TABLE)}) and "
        "target = aws_sqs_queue.job_events.arn\n"
        f"  terraform: {queues}:{line_of(queues, JOB_EVENTS_QUEUE)} "
        'resource "aws_sqs_queue" "job_events"\n'
        f"  schema:    {_stream_sources('jobs')}"
    )


def test_a_deleted_pipe_is_missing_with_the_queue_and_the_stream_sources_entry(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut_block(infra / "pipes.tf", JOBS_PIPE)
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [_missing_jobs_pipe(infra)]
    assert err == f"\ndrift: 1 finding(s) between {SCHEMA_NAME} and {infra}/\n"


def test_a_pipe_from_the_wrong_table_is_extra_and_leaves_its_stream_missing(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    edit(pipes, JOBS_SOURCE, "source   = aws_dynamodb_table.reassembly_triggered.stream_arn")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        "[pipe-extra] aws_pipes_pipe.job_events_jobs sends the stream of "
        "aws_dynamodb_table.reassembly_triggered to aws_sqs_queue.job_events; "
        "queue 'job_events' has no stream_sources entry \"reassembly_triggered\"\n"
        f"  terraform: {pipes}:{line_of(pipes, 'reassembly_triggered.stream_arn')} "
        "aws_pipes_pipe.job_events_jobs: source = "
        "aws_dynamodb_table.reassembly_triggered.stream_arn\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line(JOB_EVENTS, 'stream_sources')} "
        "queues.job_events.stream_sources",
        _missing_jobs_pipe(infra),  # pipes.tf sorts before sqs.tf
    ]


def test_a_pipe_to_the_wrong_queue_is_extra_there(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    _retarget_jobs_pipe(pipes, "aws_sqs_queue.job_status_events.arn")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        "[pipe-extra] aws_pipes_pipe.job_events_jobs sends the stream of "
        "aws_dynamodb_table.jobs to aws_sqs_queue.job_status_events; "
        "queue 'job_status_events' has no stream_sources entry \"jobs\"\n"
        f"  terraform: {pipes}:{line_of(pipes, 'aws_sqs_queue.job_status_events.arn')} "
        "aws_pipes_pipe.job_events_jobs: target = aws_sqs_queue.job_status_events.arn\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line('[queues.job_status_events]')} "
        "queues.job_status_events.stream_sources (not set)",
        _missing_jobs_pipe(infra),
    ]


def test_a_second_pipe_of_one_stream_is_extra(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    with pipes.open("a") as handle:
        handle.write(
            '\nresource "aws_pipes_pipe" "again" {\n'
            '  name     = "again"\n'
            "  role_arn = aws_iam_role.job_events_pipe.arn\n"
            "  source   = aws_dynamodb_table.segment_completions.stream_arn\n"
            "  target   = aws_sqs_queue.job_events.arn\n"
            "}\n"
        )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    first = line_of(pipes, 'resource "aws_pipes_pipe" "job_events_segment_completions"')
    assert findings(out) == [
        "[pipe-extra] aws_pipes_pipe.again sends the stream of "
        "aws_dynamodb_table.segment_completions to aws_sqs_queue.job_events, as "
        f"aws_pipes_pipe.job_events_segment_completions ({pipes}:{first}) does already: "
        "every record would arrive twice\n"
        f"  terraform: {pipes}:{line_of(pipes, AGAIN_PIPE)} "
        'resource "aws_pipes_pipe" "again"\n'
        f"  schema:    {_stream_sources('segment_completions')}"
    ]


def test_a_table_the_schema_does_not_declare_may_not_feed_a_schema_queue(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    with pipes.open("a") as handle:
        handle.write(
            '\nresource "aws_dynamodb_table" "audit" {\n'
            '  name     = "audit"\n  hash_key = "id"\n'
            '  attribute {\n    name = "id"\n    type = "S"\n  }\n'
            "  stream_enabled   = true\n"
            '  stream_view_type = "NEW_IMAGE"\n'
            "}\n"
            '\nresource "aws_pipes_pipe" "audit" {\n'
            '  name     = "audit"\n'
            "  role_arn = aws_iam_role.job_events_pipe.arn\n"
            "  source   = aws_dynamodb_table.audit.stream_arn\n"
            "  target   = aws_sqs_queue.job_events.arn\n"
            "}\n"
            # Pipes between resources the schema does not declare are not drift's business.
            '\nresource "aws_sqs_queue" "audit" {\n  name = "audit"\n}\n'
            '\nresource "aws_pipes_pipe" "audit_elsewhere" {\n'
            '  name     = "audit-elsewhere"\n'
            "  role_arn = aws_iam_role.job_events_pipe.arn\n"
            "  source   = aws_dynamodb_table.audit.stream_arn\n"
            "  target   = aws_sqs_queue.audit.arn\n"
            "}\n"
        )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    source = line_of(pipes, AUDIT_SOURCE, after='"aws_pipes_pipe" "audit"')
    assert findings(out) == [
        "[pipe-extra] aws_pipes_pipe.audit sends the stream of aws_dynamodb_table.audit, "
        "which the schema does not declare, to aws_sqs_queue.job_events; only the tables of "
        "queue 'job_events''s stream_sources may feed it\n"
        f"  terraform: {pipes}:{source} "
        "aws_pipes_pipe.audit: source = aws_dynamodb_table.audit.stream_arn\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line(JOB_EVENTS, 'stream_sources')} "
        "queues.job_events.stream_sources"
    ]


def test_a_pipe_target_drift_cannot_resolve_is_unverifiable_not_missing(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    arn = "arn:aws:sqs:eu-west-1:123456789012:job-events"
    _retarget_jobs_pipe(pipes, f'"{arn}"')
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1
    at = f"{pipes}:{line_of(pipes, arn)}"
    # The jobs stream may well reach the queue through it: not reported missing.
    assert findings(out) == [
        f'[unverifiable: computed] aws_pipes_pipe.job_events_jobs: target = "{arn}": not an '
        "aws_sqs_queue's arn, so drift cannot tell whether it is a schema queue; "
        "drift cannot tell whether it matches the schema\n"
        f'  terraform: {at} aws_pipes_pipe.job_events_jobs: target = "{arn}"\n'
        f"  schema:    {SCHEMA_NAME} (not compared)"
    ]
    assert "1 of them unverifiable" in err
    code, _, err = drift(capsys, "--terraform", str(infra), "--allow-unverifiable", "computed")
    assert code == 0
    assert "1 expression(s) were not compared (--allow-unverifiable computed)" in err


def test_a_pipe_source_drift_cannot_resolve_is_unverifiable(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    edit(pipes, JOBS_SOURCE, "source   = aws_dynamodb_table.jobs.arn")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        "[unverifiable: computed] aws_pipes_pipe.job_events_jobs: source = "
        "aws_dynamodb_table.jobs.arn: not an aws_dynamodb_table's stream_arn, so drift cannot "
        "tell whether it is a schema table's stream; drift cannot tell whether it matches "
        "the schema\n"
        f"  terraform: {pipes}:{line_of(pipes, 'aws_dynamodb_table.jobs.arn')} "
        "aws_pipes_pipe.job_events_jobs: source = aws_dynamodb_table.jobs.arn\n"
        f"  schema:    {SCHEMA_NAME} (not compared)"
    ]


def test_a_source_table_without_its_stream_is_a_stream_mismatch(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = infra / "dynamodb.tf"
    text = tables.read_text()
    start = text.index('resource "aws_dynamodb_table" "jobs"')
    cut = text.index("  stream_enabled   = true\n", start)
    tables.write_text(
        text[:cut]
        + text[cut:].replace(
            '  stream_enabled   = true\n  stream_view_type = "NEW_AND_OLD_IMAGES"\n', "", 1
        )
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert [f.split("\n")[0] for f in findings(out)] == [
        "[stream-mismatch] aws_dynamodb_table.jobs has no stream (stream_enabled is not true); "
        'the schema\'s stream_view_type is "NEW_AND_OLD_IMAGES"'
    ]


ATTACHMENT = 'resource "aws_iam_role_policy_attachment" "job_events_pipe"'


def _role_finding(pipes: Path, pipe: str, role: str, after: str) -> str:
    consumer = "[consumers.job_events_pipe]"
    return (
        f"[pipe-role] aws_pipes_pipe.{pipe} runs as {role}, which does not carry the policy of "
        "consumer 'job_events_pipe' (it reads_streams the table and sends_to the queue): the "
        "pipe cannot read the stream or send to the queue\n"
        f"  terraform: {pipes}:{line_of(pipes, 'role_arn', after=after)} "
        f"aws_pipes_pipe.{pipe}: role_arn = {role}.arn\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line(consumer)} consumers.job_events_pipe"
    )


def test_a_pipe_role_without_the_consumer_policy_is_reported(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    cut_block(pipes, ATTACHMENT)
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    role = "aws_iam_role.job_events_pipe"
    assert findings(out) == [
        _role_finding(pipes, "job_events_jobs", role, JOBS_PIPE),
        _role_finding(
            pipes,
            "job_events_segment_completions",
            role,
            'resource "aws_pipes_pipe" "job_events_segment_completions"',
        ),
    ]


def test_a_pipe_running_as_another_role_is_reported(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    text = pipes.read_text()
    old = "role_arn = aws_iam_role.job_events_pipe.arn"
    pipes.write_text(
        text.replace(old, "role_arn = aws_iam_role.other.arn", 1)
        + '\nresource "aws_iam_role" "other" {\n  name               = "other"\n'
        "  assume_role_policy = data.aws_iam_policy_document.job_events_pipe_assume.json\n}\n"
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        _role_finding(pipes, "job_events_jobs", "aws_iam_role.other", JOBS_PIPE)
    ]


def test_a_pipe_source_from_a_variable_is_unverifiable_and_its_streams_not_missing(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    edit(pipes, JOBS_SOURCE, "source   = var.jobs_stream_arn")
    with pipes.open("a") as handle:
        handle.write('\nvariable "jobs_stream_arn" {\n  type = string\n}\n')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert [f.split("\n")[0] for f in findings(out)] == [
        "[unverifiable: variable] aws_pipes_pipe.job_events_jobs: source = var.jobs_stream_arn: "
        "var.jobs_stream_arn has no default and no *.tfvars or --var-file sets it; "
        "drift cannot tell whether it matches the schema"
    ]
    assert f"{pipes}:{line_of(pipes, 'var.jobs_stream_arn')} " in out


def test_a_role_written_as_an_arn_is_unverifiable(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipes = infra / "pipes.tf"
    arn = "arn:aws:iam::123456789012:role/pipe"
    text = pipes.read_text()
    pipes.write_text(
        text.replace("role_arn = aws_iam_role.job_events_pipe.arn", f'role_arn = "{arn}"', 1)
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        f'[unverifiable: computed] aws_pipes_pipe.job_events_jobs: role_arn = "{arn}": not an '
        "aws_iam_role's arn, so drift cannot tell whether it is a role with the consumer's "
        "policy; drift cannot tell whether it matches the schema\n"
        f'  terraform: {pipes}:{line_of(pipes, arn)} aws_pipes_pipe.job_events_jobs: role_arn = "{arn}"\n'
        f"  schema:    {SCHEMA_NAME} (not compared)"
    ]
