"""``python -m codegen drift``: one mutation of a copy of infra/ per kind of drift.

Each test asserts the whole rendered finding: its kind, its message, and the file,
line and path on both sides. Lines are looked up in the (mutated) files, so the
tests say *which* line is meant rather than repeating numbers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from codegen.model import SERVICE_KINDS
from codegen.terraform.drift import main
from stereo_spot_aws_adapters.generated.resources import BUCKETS, QUEUES, TABLES

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "schema" / "stereo_spot.toml"
SCHEMA_NAME = "schema/stereo_spot.toml"
# What the drift check counts, from the schema (the generated resource lists, the
# other resource kinds' sections, and one generated policy per consumer), so a
# resource added to the schema needs no edit here.
CONSUMER_COUNT = len(list((REPO / "infra" / "policies").glob("*.json")))
SERVICES = {kind: tomllib.loads(SCHEMA.read_text("utf-8")).get(kind, {}) for kind in SERVICE_KINDS}
SUMMARY = (
    f"{len(TABLES)} tables, {len(QUEUES)} queues, {len(BUCKETS)} buckets, "
    + "".join(f"{len(entries)} {kind}, " for kind, entries in SERVICES.items() if entries)
    + f"{CONSUMER_COUNT} consumer policies"
)


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    copy = tmp_path / "infra"
    shutil.copytree(REPO / "infra", copy, ignore=shutil.ignore_patterns(".terraform*", "*.md"))
    return copy


def drift(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--schema", str(SCHEMA), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def findings(out: str) -> list[str]:
    return out.strip().split("\n\n")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new))


def cut_block(path: Path, header: str) -> None:
    """Delete a top-level block: from its header line to its closing brace."""
    text = path.read_text()
    start = text.index(header)
    end = text.index("\n}\n", start) + len("\n}\n")
    path.write_text(text[:start] + text[end:])


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    """The number of the one line containing ``needle`` (after the line containing ``after``)."""
    lines = path.read_text().splitlines()
    start = 0 if after is None else next(i for i, line in enumerate(lines) if after in line)
    found = [n for n, line in enumerate(lines, start=1) if n > start and needle in line]
    assert found, f"{needle!r} not in {path}"
    return found[0] if after is not None else _only(found, needle)


def _only(found: list[int], needle: str) -> int:
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def schema_line(header: str, key: str | None = None) -> int:
    """The line of ``[header]``, or of the first ``key =`` after it."""
    if key is None:
        return line_of(SCHEMA, header)
    return line_of(SCHEMA, f"{key} =", after=header)


# --------------------------------------------------------------------------- in sync


def test_checked_in_infra_is_in_sync(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert (code, err) == (0, "")
    assert out == f"in sync: {SUMMARY} checked against {infra}/\n"


def test_module_entry_point_defaults_to_infra_in_the_repo() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "drift"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"in sync: {SUMMARY} checked against infra/\n"


# --------------------------------------------------------------------------- outputs


def test_renamed_output_is_missing_and_the_new_name_is_extra(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = infra / "outputs.tf"
    edit(outputs, 'output "jobs_table_name"', 'output "jobs_table_nme"')
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        f'[missing-output] no output "jobs_table_name" in {infra}/ '
        '(renamed? output "jobs_table_nme" gives aws_dynamodb_table.jobs)\n'
        f'  terraform: {outputs} (no output "jobs_table_name")\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[tables.jobs]', 'terraform_output')} "
        'tables.jobs.terraform_output = "jobs_table_name"',
        '[extra-output] output "jobs_table_nme" (aws_dynamodb_table.jobs.name) is not in the '
        'schema: add [tables.<name>] with terraform_output = "jobs_table_nme", or remove the output\n'
        f'  terraform: {outputs}:{line_of(outputs, "jobs_table_nme")} output "jobs_table_nme"\n'
        f'  schema:    {SCHEMA_NAME} (no resource has terraform_output = "jobs_table_nme")',
    ]
    assert err == f"\ndrift: 2 finding(s) between {SCHEMA_NAME} and {infra}/\n"


def test_output_of_the_wrong_attribute(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = infra / "outputs.tf"
    edit(outputs, "aws_dynamodb_table.jobs.name", "aws_dynamodb_table.jobs.arn")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[wrong-target] output "jobs_table_name" is aws_dynamodb_table.jobs.arn; '
        "a table name must be aws_dynamodb_table.<name>.name\n"
        f"  terraform: {outputs}:{line_of(outputs, 'aws_dynamodb_table.jobs.arn')} "
        'output "jobs_table_name" value = aws_dynamodb_table.jobs.arn\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[tables.jobs]', 'terraform_output')} "
        'tables.jobs.terraform_output = "jobs_table_name"'
    ]


def test_output_of_the_wrong_resource_type(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = infra / "outputs.tf"
    edit(outputs, "aws_s3_bucket.input.id", "aws_sqs_queue.chunking.url")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[wrong-target] output "input_bucket_name" is aws_sqs_queue.chunking.url; '
        "a bucket name must be aws_s3_bucket.<name>.id (or .bucket)\n"
        f"  terraform: {outputs}:{line_of(outputs, 'value       = aws_sqs_queue.chunking.url', after='input_bucket_name')} "
        'output "input_bucket_name" value = aws_sqs_queue.chunking.url\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[buckets.input]', 'terraform_output')} "
        'buckets.input.terraform_output = "input_bucket_name"'
    ]


def test_output_of_an_undeclared_resource(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = infra / "outputs.tf"
    edit(outputs, "aws_sqs_queue.reassembly.url", "aws_sqs_queue.reassembly_v2.url")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[missing-resource] output "reassembly_queue_url" refers to aws_sqs_queue.reassembly_v2, '
        f"which {infra}/ does not declare\n"
        f"  terraform: {outputs}:{line_of(outputs, 'aws_sqs_queue.reassembly_v2.url')} "
        'output "reassembly_queue_url" value = aws_sqs_queue.reassembly_v2.url\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[queues.reassembly]', 'terraform_output')} "
        'queues.reassembly.terraform_output = "reassembly_queue_url"'
    ]


def test_extra_queue_output_not_in_the_schema(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = infra / "outputs.tf"
    with outputs.open("a") as handle:
        handle.write('\noutput "chunking_dlq_url" {\n  value = aws_sqs_queue.chunking_dlq.url\n}\n')
    output_line = line_of(outputs, 'output "chunking_dlq_url"')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[extra-output] output "chunking_dlq_url" (aws_sqs_queue.chunking_dlq.url) is not in the '
        'schema: add [queues.<name>] with terraform_output = "chunking_dlq_url", or remove the output\n'
        f"  terraform: {outputs}:{output_line} "
        'output "chunking_dlq_url"\n'
        f'  schema:    {SCHEMA_NAME} (no resource has terraform_output = "chunking_dlq_url")'
    ]


def test_outputs_of_other_attributes_are_not_extra(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (infra / "outputs.tf").open("a") as handle:
        handle.write('\noutput "chunking_queue_arn" {\n  value = aws_sqs_queue.chunking.arn\n}\n')
        handle.write('\noutput "region" {\n  value = "eu-west-1"\n}\n')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 0
    assert out.startswith("in sync:")


def test_removed_table_and_its_output(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cut_block(infra / "dynamodb.tf", 'resource "aws_dynamodb_table" "reassembly_triggered"')
    cut_block(infra / "outputs.tf", 'output "reassembly_triggered_table_name"')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        f'[missing-output] no output "reassembly_triggered_table_name" in {infra}/ '
        "(a table name must be aws_dynamodb_table.<name>.name)\n"
        f'  terraform: {infra}/outputs.tf (no output "reassembly_triggered_table_name")\n'
        f"  schema:    {SCHEMA_NAME}:"
        f"{schema_line('[tables.reassembly_triggered]', 'terraform_output')} "
        'tables.reassembly_triggered.terraform_output = "reassembly_triggered_table_name"'
    ]


# --------------------------------------------------------------------------- tables


def test_renamed_index(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dynamodb = infra / "dynamodb.tf"
    edit(dynamodb, '"status-completed_at"', '"status-completed"')
    jobs_line = line_of(dynamodb, '"jobs"')
    index_line = line_of(dynamodb, '"status-completed"')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[index-missing] aws_dynamodb_table.jobs has no global_secondary_index "status-completed_at" '
        '(renamed? "status-completed" has the same keys)\n'
        f"  terraform: {dynamodb}:{jobs_line} "
        'resource "aws_dynamodb_table" "jobs"\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[[tables.jobs.indexes]]', 'name')} "
        'tables.jobs.indexes[0].name = "status-completed_at"',
        '[index-extra] aws_dynamodb_table.jobs has global_secondary_index "status-completed", '
        "which tables.jobs.indexes does not declare\n"
        f"  terraform: {dynamodb}:{index_line} "
        'aws_dynamodb_table.jobs: global_secondary_index name = "status-completed"\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[tables.jobs]')} "
        'tables.jobs (no index "status-completed")',
    ]


def test_index_range_key_and_projection(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dynamodb = infra / "dynamodb.tf"
    edit(
        dynamodb,
        'range_key       = "completed_at"\n    projection_type = "ALL"',
        'range_key       = "created_at"\n    projection_type = "KEYS_ONLY"',
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    index = "[[tables.jobs.indexes]]"
    assert findings(out) == [
        '[index-mismatch] aws_dynamodb_table.jobs index "status-completed_at" range_key is '
        '"created_at"; the schema says "completed_at"\n'
        f"  terraform: {dynamodb}:{line_of(dynamodb, 'created_at', after='status-completed_at')} "
        'aws_dynamodb_table.jobs: global_secondary_index "status-completed_at" '
        'range_key = "created_at"\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line(index, 'range_key')} "
        'tables.jobs.indexes[0].range_key = "completed_at"',
        '[index-mismatch] aws_dynamodb_table.jobs index "status-completed_at" projection_type is '
        '"KEYS_ONLY"; the schema says "ALL"\n'
        f"  terraform: {dynamodb}:{line_of(dynamodb, 'KEYS_ONLY')} "
        'aws_dynamodb_table.jobs: global_secondary_index "status-completed_at" '
        'projection_type = "KEYS_ONLY"\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line(index, 'projection')} "
        'tables.jobs.indexes[0].projection = "ALL"',
    ]


def test_range_key_type_changed(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dynamodb = infra / "dynamodb.tf"
    edit(
        dynamodb,
        'name = "segment_index"\n    type = "N"',
        'name = "segment_index"\n    type = "S"',
    )
    type_line = line_of(dynamodb, 'name = "segment_index"') + 1
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[key-type-mismatch] aws_dynamodb_table.segment_completions attribute "segment_index" '
        'has type "S"; the schema says "N"\n'
        f"  terraform: {dynamodb}:{type_line} "
        'aws_dynamodb_table.segment_completions: attribute "segment_index" type = "S"\n'
        f"  schema:    {SCHEMA_NAME}:"
        f"{schema_line('[tables.segment_completions.attributes]', 'segment_index')} "
        'tables.segment_completions.attributes.segment_index = "N"'
    ]


def test_hash_key_renamed(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dynamodb = infra / "dynamodb.tf"
    jobs_keys = 'hash_key     = "job_id"\n\n  attribute {\n    name = "job_id"\n    type = "S"\n  }\n\n  attribute {\n    name = "status"'
    edit(dynamodb, jobs_keys, jobs_keys.replace("job_id", "id"))
    hash_key_line = line_of(dynamodb, 'hash_key     = "id"')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[key-mismatch] aws_dynamodb_table.jobs hash_key is "id"; the schema says "job_id"\n'
        f"  terraform: {dynamodb}:{hash_key_line} "
        'aws_dynamodb_table.jobs: hash_key = "id"\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[tables.jobs]', 'hash_key')} "
        'tables.jobs.hash_key = "job_id"'
    ]


def test_ttl_attribute_renamed(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dynamodb = infra / "dynamodb.tf"
    edit(dynamodb, 'attribute_name = "ttl"', 'attribute_name = "expires_at"')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        '[ttl-mismatch] aws_dynamodb_table.reassembly_triggered expires items on "expires_at"; '
        'the schema\'s ttl_attribute is "ttl"\n'
        f"  terraform: {dynamodb}:{line_of(dynamodb, 'attribute_name')} "
        'aws_dynamodb_table.reassembly_triggered: ttl attribute_name = "expires_at"\n'
        f"  schema:    {SCHEMA_NAME}:"
        f"{schema_line('[tables.reassembly_triggered]', 'ttl_attribute')} "
        'tables.reassembly_triggered.ttl_attribute = "ttl"'
    ]


def test_ttl_switched_off(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(infra / "dynamodb.tf", "enabled        = true", "enabled        = false")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    [finding] = findings(out)
    assert finding.startswith(
        '[ttl-mismatch] aws_dynamodb_table.reassembly_triggered has TTL on "ttl" switched off'
    )


def test_queue_message_size_changed(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sqs = infra / "sqs.tf"
    text = sqs.read_text()
    start = text.index('resource "aws_sqs_queue" "reassembly" {')
    sqs.write_text(
        text[:start]
        + text[start:].replace(
            "max_message_size           = 262144", "max_message_size           = 1048576", 1
        )
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    size_line = line_of(sqs, "max_message_size", after='"aws_sqs_queue" "reassembly" {')
    assert code == 1
    assert findings(out) == [
        "[queue-size-mismatch] aws_sqs_queue.reassembly max_message_size is 1048576; "
        "the schema says 262144\n"
        f"  terraform: {sqs}:{size_line} "
        "aws_sqs_queue.reassembly: max_message_size = 1048576\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line('[queues.reassembly]', 'max_message_bytes')} "
        'queues.reassembly.max_message_bytes = "262144"'
    ]


def test_queue_without_message_size_gets_the_provider_default(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = infra / "sqs.tf"
    text = sqs.read_text()
    start = text.index('resource "aws_sqs_queue" "chunking" {')
    end = text.index("\n}\n", start)
    block = text[start:end].replace("  max_message_size           = 262144\n", "")
    sqs.write_text(text[:start] + block + text[end:])
    schema = infra.parent / "schema.toml"
    schema.write_text(
        SCHEMA.read_text()
        .replace("max_message_bytes = 262144", "max_message_bytes = 1048576", 1)
        .replace('python_path = "../src"', f"python_path = {json.dumps(str(REPO / 'src'))}")
    )
    code = main(["--schema", str(schema), "--terraform", str(infra)])
    out = capsys.readouterr().out
    assert code == 1
    [finding] = findings(out)
    assert finding.startswith(
        "[queue-size-mismatch] aws_sqs_queue.chunking max_message_size is not set "
        "(the provider's default, 262144); the schema says 1048576"
    )


def test_every_finding_is_reported_in_one_run(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(infra / "dynamodb.tf", 'attribute_name = "ttl"', 'attribute_name = "expires_at"')
    edit(infra / "outputs.tf", "aws_sqs_queue.chunking.url", "aws_sqs_queue.chunking.arn")
    edit(infra / "outputs.tf", 'output "output_bucket_name"', 'output "output_bucket"')
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1
    kinds = [block.split("]")[0] + "]" for block in findings(out)]
    assert kinds == ["[ttl-mismatch]", "[missing-output]", "[wrong-target]", "[extra-output]"]
    assert err.endswith(f"drift: 4 finding(s) between schema/stereo_spot.toml and {infra}/\n")


# --------------------------------------------------------------------------- outputs json


def write_outputs_json(path: Path, names: list[str]) -> Path:
    data = {name: {"sensitive": False, "type": "string", "value": f"v-{name}"} for name in names}
    path.write_text(json.dumps(data, indent=2))
    return path


ALL_OUTPUTS = [resource.terraform_output for resource in (*TABLES, *QUEUES, *BUCKETS)] + [
    entry["terraform_output"]
    for entries in SERVICES.values()
    for entry in entries.values()
    if "terraform_output" in entry
]


def test_outputs_json_in_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_outputs_json(tmp_path / "outputs.json", [*ALL_OUTPUTS, "aws_region"])
    code, out, err = drift(capsys, "--outputs-json", str(path))
    assert (code, err) == (0, "")
    assert out == f"in sync: {SUMMARY} checked against {path} (output names only)\n"


def test_outputs_json_missing_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = [n for n in ALL_OUTPUTS if n != "video_worker_queue_url"]
    path = write_outputs_json(tmp_path / "outputs.json", names)
    code, out, err = drift(capsys, "--outputs-json", str(path))
    assert code == 1
    assert findings(out) == [
        f'[missing-output] no output "video_worker_queue_url" in {path}\n'
        f'  terraform: {path} (no output "video_worker_queue_url")\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line('[queues.video_worker]', 'terraform_output')} "
        'queues.video_worker.terraform_output = "video_worker_queue_url"'
    ]
    assert err.endswith("(output names only)\n")


def test_outputs_json_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "outputs.json"
    path.write_text("{\n  not json\n")
    code, out, err = drift(capsys, "--outputs-json", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}:2:3: invalid JSON: ")


# --------------------------------------------------------------------------- unreadable input


def test_unparseable_hcl_names_the_file(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sqs = infra / "sqs.tf"
    with sqs.open("a") as handle:
        handle.write('\nresource "aws_sqs_queue" "broken" {\n  name =\n}\n')
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert (code, out) == (2, "")
    first, second = err.splitlines()[:2]
    assert first.startswith(f"{sqs}:{line_of(sqs, '  name =')}:")
    assert ": cannot parse HCL: Unexpected token" in first
    assert second == "nothing was compared"


def test_missing_terraform_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = drift(capsys, "--terraform", str(tmp_path / "aws-infra"))
    assert (code, out) == (2, "")
    assert err == f"{tmp_path}/aws-infra/: no such directory\nnothing was compared\n"


def test_directory_without_terraform(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = drift(capsys, "--terraform", str(tmp_path))
    assert code == 2
    assert err.startswith(f"{tmp_path}/: no *.tf files\n")


def test_invalid_schema(tmp_path: Path, infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--schema", str(tmp_path / "missing.toml"), "--terraform", str(infra)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert "missing.toml" in captured.err
    assert "file not found" in captured.err


# --------------------------------------------------------------------------- queues


def test_queue_visibility_timeout_follows_variable_defaults(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variables = infra / "variables.tf"
    text = variables.read_text()
    start = text.index('variable "video_worker_visibility_timeout_seconds"')
    variables.write_text(
        text[:start] + text[start:].replace("default     = 3600", "default     = 600", 1)
    )
    edit(
        infra / "sqs.tf",
        "visibility_timeout_seconds = var.chunking_visibility_timeout_seconds",
        "visibility_timeout_seconds = 60",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    sqs = infra / "sqs.tf"
    assert findings(out) == [
        "[visibility-mismatch] aws_sqs_queue.chunking visibility_timeout_seconds is 60; "
        "the schema says 900\n"
        f"  terraform: {sqs}:{line_of(sqs, 'visibility_timeout_seconds = 60')} "
        "aws_sqs_queue.chunking: visibility_timeout_seconds = 60\n"
        f"  schema:    {SCHEMA_NAME}:"
        f"{schema_line('[queues.chunking]', 'visibility_timeout_seconds')} "
        'queues.chunking.visibility_timeout_seconds = "900"',
        "[visibility-mismatch] aws_sqs_queue.video_worker visibility_timeout_seconds is 600; "
        "the schema says 3600\n"
        f"  terraform: {sqs}:"
        f"{line_of(sqs, 'var.video_worker_visibility_timeout_seconds')} "
        "aws_sqs_queue.video_worker: visibility_timeout_seconds = 600\n"
        f"  schema:    {SCHEMA_NAME}:"
        f"{schema_line('[queues.video_worker]', 'visibility_timeout_seconds')} "
        'queues.video_worker.visibility_timeout_seconds = "3600"',
    ]


def test_redrive_policy_target_and_count(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sqs = infra / "sqs.tf"
    edit(
        sqs,
        "deadLetterTargetArn = aws_sqs_queue.reassembly_dlq.arn",
        "deadLetterTargetArn = aws_sqs_queue.chunking_dlq.arn",
    )
    text = sqs.read_text()
    start = text.index('resource "aws_sqs_queue" "video_worker" {')
    sqs.write_text(
        text[:start]
        + text[start:].replace(
            "maxReceiveCount     = var.dlq_max_receive_count", "maxReceiveCount = 9", 1
        )
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    found = findings(out)
    assert len(found) == 2
    assert found[0].startswith(
        "[redrive-mismatch] aws_sqs_queue.video_worker redrive_policy maxReceiveCount is 9; "
        "the schema says 5\n"
    )
    assert 'queues.video_worker.max_receive_count = "5"' in found[0]
    assert found[1].startswith(
        "[redrive-mismatch] aws_sqs_queue.reassembly redrive_policy deadLetterTargetArn is "
        "aws_sqs_queue.chunking_dlq.arn; the schema says aws_sqs_queue.reassembly_dlq.arn\n"
    )
    assert 'queues.reassembly.dead_letter_queue = "reassembly_dlq"' in found[1]


def test_a_dead_letter_queue_that_terraform_does_not_declare(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut_block(infra / "sqs.tf", 'resource "aws_sqs_queue" "chunking_dlq" {')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert "aws_sqs_queue.chunking sends dead letters to aws_sqs_queue.chunking_dlq, which" in out
    assert len(findings(out)) == 1


# --------------------------------------------------------------------------- table streams


def test_a_stream_of_another_view_or_none_is_drift(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dynamodb = infra / "dynamodb.tf"
    # The jobs stream switched off, the segment-completions stream keeping new images only.
    jobs_stream = '  stream_enabled   = true\n  stream_view_type = "NEW_AND_OLD_IMAGES"\n\n  point'
    edit(dynamodb, jobs_stream, jobs_stream.replace("true", "false"))
    segments_stream = 'range_key        = "segment_index"\n  stream_enabled   = true\n'
    edit(
        dynamodb,
        segments_stream + '  stream_view_type = "NEW_AND_OLD_IMAGES"',
        segments_stream + '  stream_view_type = "NEW_IMAGE"',
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    found = [f for f in findings(out) if f.startswith("[stream-mismatch]")]
    assert [f.splitlines()[0] for f in found] == [
        "[stream-mismatch] aws_dynamodb_table.jobs has no stream (stream_enabled is not true); "
        'the schema\'s stream_view_type is "NEW_AND_OLD_IMAGES"',
        '[stream-mismatch] aws_dynamodb_table.segment_completions has a stream of view "NEW_IMAGE"; '
        'the schema\'s stream_view_type is "NEW_AND_OLD_IMAGES"',
    ]
    assert (
        f"schema:    {SCHEMA_NAME}:{schema_line('[tables.jobs]', 'stream_view_type')} " in found[0]
    )
    assert len(findings(out)) == 2


def test_a_stream_arn_output_must_be_the_tables_stream_arn(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = infra / "outputs.tf"
    edit(outputs, "aws_dynamodb_table.jobs.stream_arn", "aws_dynamodb_table.jobs.arn")
    cut_block(outputs, 'output "segment_completions_table_stream_arn"')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert [f.splitlines()[0] for f in findings(out)] == [
        '[stream-output] no output "segment_completions_table_stream_arn" in '
        f"{infra}/ (the stream ARN, SEGMENT_COMPLETIONS_TABLE_STREAM_ARN: "
        "aws_dynamodb_table.segment_completions.stream_arn)",
        '[stream-output] output "jobs_table_stream_arn" is aws_dynamodb_table.jobs.arn; '
        "the stream ARN must be aws_dynamodb_table.jobs.stream_arn",
    ]


def test_a_stream_setting_drift_cannot_evaluate_fails_closed(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (infra / "streams_variable.tf").write_text('variable "jobs_stream" {\n  type = bool\n}\n')
    edit(
        infra / "dynamodb.tf",
        '  stream_enabled   = true\n  stream_view_type = "NEW_AND_OLD_IMAGES"\n\n  point',
        '  stream_enabled   = var.jobs_stream\n  stream_view_type = "NEW_AND_OLD_IMAGES"\n\n  point',
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    [finding] = findings(out)
    assert finding.startswith("[unverifiable")
    assert "stream_enabled" in finding
