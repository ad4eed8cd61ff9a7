"""Generated consumer policies: derived per pattern kind, resolvable, and clean under parliament."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
from parliament import analyze_policy_string

from codegen.iam.permissions import Resource, iam_literal, key_glob, policies, policy, resolve
from codegen.iam.policy_files import render_json
from codegen.model import types as m
from codegen.model.kinds import KINDS
from codegen.model.schema_file import load_schema
from stereo_spot_aws_adapters.iam_actions import OPERATION_ACTIONS
from tests.golden.regenerate import schema_path

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "eu-west-1"


def stereo_spot() -> m.SchemaSpec:
    return load_schema(REPO / "schema" / "stereo_spot.toml")


def sample_outputs(schema: m.SchemaSpec) -> dict[str, str]:
    """Values shaped like `terraform output`: table and bucket names, queue URLs."""
    outputs = {t.terraform_output: f"prod-{t.name}" for t in schema.tables}
    outputs |= {b.terraform_output: f"prod-{b.name}" for b in schema.buckets}
    outputs |= {
        q.terraform_output: f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/prod-{q.name}"
        for q in schema.queues
    }
    outputs |= {
        s.terraform_output: f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/{s.name}-AbCdEf"
        for s in schema.services
        if s.terraform_output is not None
    }
    return outputs


def statements(schema: m.SchemaSpec, consumer: str) -> list[dict[str, object]]:
    (found,) = [p for p in policies(schema) if p.consumer.name == consumer]
    document = resolve(found, sample_outputs(schema), account=ACCOUNT, region=REGION)
    return list(document["Statement"])


def test_every_pattern_kind_maps_to_operations_with_known_actions() -> None:
    for kind in KINDS.values():
        assert kind.operations, f"{kind.kind} declares no DynamoDB operations"
        for operation in kind.operations:
            assert OPERATION_ACTIONS["dynamodb", operation].startswith("dynamodb:")


def test_an_index_query_is_granted_on_that_index_only() -> None:
    queries = {
        str(s["Sid"]): s["Resource"]
        for s in statements(stereo_spot(), "web_ui")
        if s["Action"] == ["dynamodb:Query"]
    }
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/prod-jobs"
    segments = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/prod-segment_completions"
    assert queries == {
        "JobsIndexStatusCompletedAt": [f"{table}/index/status-completed_at"],
        "JobsIndexInProgressCreatedAt": [f"{table}/index/in_progress-created_at"],
        "JobsIndexStatusCreatedAt": [f"{table}/index/status-created_at"],
        # The job-events consumer's progress: a partition query on the table itself.
        "SegmentCompletionsItems": [segments],
    }


def test_the_video_worker_only_gets_and_updates_jobs_the_web_ui_sends_ingest_deletion() -> None:
    schema = stereo_spot()
    # The original's later video worker reads a job and moves its status; nothing more.
    video = statements(schema, "video_worker")
    jobs = [s for s in video if any(r.endswith("table/prod-jobs") for r in s["Resource"])]
    assert [(s["Action"], s["Resource"]) for s in jobs] == [
        (
            ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/prod-jobs"],
        )
    ]
    web = statements(schema, "web_ui")
    queues = [s for s in web if any(a.startswith("sqs:") for a in s["Action"])]
    receive = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"]
    assert [(s["Action"], s["Resource"]) for s in queues] == [
        (receive, [f"arn:aws:sqs:{REGION}:{ACCOUNT}:prod-job_events"])
    ] + [
        (["sqs:SendMessage"], [f"arn:aws:sqs:{REGION}:{ACCOUNT}:prod-{name}"])
        for name in ("ingest", "deletion")
    ]


def test_receivers_get_receive_delete_and_visibility_senders_only_send() -> None:
    video = {s["Sid"]: s for s in statements(stereo_spot(), "video_worker")}
    assert video["ReceiveVideoWorkerQueue"]["Action"] == [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:ReceiveMessage",
    ]
    assert video["ReceiveVideoWorkerQueue"]["Resource"] == [
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:prod-video_worker"
    ]
    assert video["SendReassemblyQueue"]["Action"] == ["sqs:SendMessage"]


def test_objects_are_limited_to_layouts_and_listing_to_their_prefixes() -> None:
    media = {s["Sid"]: s for s in statements(stereo_spot(), "media_worker")}
    assert media["WriteOutputObjects"]["Resource"] == ["arn:aws:s3:::prod-output/jobs/*/final.mp4"]
    assert media["WriteOutputObjects"]["Action"] == ["s3:AbortMultipartUpload", "s3:PutObject"]
    assert media["ListOutputPrefixes"]["Condition"] == {"StringLike": {"s3:prefix": ["jobs/*"]}}
    assert media["ListOutputPrefixes"]["Resource"] == ["arn:aws:s3:::prod-output"]


def test_presigned_uploads_get_put_object_on_the_layout_and_nothing_else() -> None:
    web_ui = {s["Sid"]: s for s in statements(stereo_spot(), "web_ui")}
    assert web_ui["PresignInputUploads"]["Action"] == ["s3:PutObject"]
    assert web_ui["PresignInputUploads"]["Resource"] == [
        "arn:aws:s3:::prod-input/input/*/source.mp4"
    ]
    granted = {action for s in web_ui.values() for action in s["Action"]}  # type: ignore[attr-defined]
    assert not {"s3:AbortMultipartUpload", "s3:ListBucketMultipartUploads"} & granted


def test_a_missing_output_is_named() -> None:
    schema = stereo_spot()
    outputs = sample_outputs(schema)
    del outputs["jobs_table_name"]
    (web,) = [p for p in policies(schema) if p.consumer.name == "web_ui"]
    with pytest.raises(KeyError, match="jobs_table_name"):
        resolve(web, outputs, account=ACCOUNT, region=REGION)


@pytest.mark.parametrize("case", ["stereo_spot", "library"])
def test_parliament_finds_nothing_in_any_generated_policy(case: str) -> None:
    schema = stereo_spot() if case == "stereo_spot" else load_schema(schema_path("library"))
    assert schema.consumers
    for found in policies(schema):
        document = resolve(found, sample_outputs(schema), account=ACCOUNT, region=REGION)
        analyzed = analyze_policy_string(json.dumps(document))
        assert [(f.issue, f.detail) for f in analyzed.findings] == [], found.consumer.name


def test_parliament_is_live_on_a_wrong_policy() -> None:
    wrong = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::bucket"]}
        ],
    }
    assert analyze_policy_string(json.dumps(wrong)).findings


def test_schema_text_is_data_in_iam_hcl_and_json() -> None:
    # Fields become "*"; "$", "*" and "?" in the literal text are escaped.
    def field(name: str) -> m.LayoutField:
        return m.LayoutField(name, "text", "str", 0, ())

    layout = m.LayoutSpec(
        name="odd",
        bucket="input",
        description="",
        template="(not read: the parts are)",
        parts=('odd/"$', field("x"), '"/%', field("y"), "/*?/", field("id"), ".bin"),
        model=None,
        uri_field=None,
        notify_queue=None,
        schema_path="buckets.input.layouts.odd",
    )
    assert key_glob(layout) == 'odd/"${$}*"/%*/${*}${?}/*.bin'
    assert iam_literal("a*b") == "a${*}b"
    resource = Resource("bucket", "input", "input_bucket_name", "/" + key_glob(layout))
    parsed = hcl2.loads(f"x = {resource.hcl}\n")["x"]
    # Terraform sees one interpolation (the ARN) and the rest as literal text.
    assert parsed.count("${aws_s3_bucket.input.arn}") == 1
    assert '\\"$${$}*\\"' in parsed


def test_json_marks_itself_generated_and_lists_its_placeholders() -> None:
    schema = stereo_spot()
    (web,) = [p for p in policies(schema) if p.consumer.name == "web_ui"]
    envelope = json.loads(render_json(schema, web))
    assert next(iter(envelope)) == "_generated"
    assert "DO NOT EDIT" in envelope["_generated"]
    assert "{{jobs_table_name.arn}}" in envelope["placeholders"]
    assert envelope["policy"] == web.document() == policy(web.consumer).document()
