"""Drift of S3 notifications against the key layouts: one mutation of a copy of infra/ each.

A layout with ``notify_queue`` must have one ``queue { ... }`` block in its
bucket's ``aws_s3_bucket_notification`` whose filters are the layout's literal
prefix and suffix; every finding names the file and line on both sides.
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

INPUT_LAYOUT = "[buckets.input.layouts.input]"
SEGMENT_LAYOUT = "[buckets.input.layouts.segment]"
SEGMENT_TEMPLATE = "segments/{job_id}/{segment_index:05d}_{total_segments:05d}_{mode}.mp4"


def test_a_changed_filter_prefix_is_reported_with_both_sides(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notifications = infra / "notifications.tf"
    edit(notifications, 'filter_prefix = "input/"', 'filter_prefix = "uploads/"')
    code, out, err = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        "[notification-filter-mismatch] aws_s3_bucket_notification.input sends "
        'aws_sqs_queue.chunking.arn objects with filter_prefix = "uploads/"; '
        "layout 'input' (input/{job_id}/source.mp4) needs \"input/\"\n"
        f"  terraform: {notifications}:{line_of(notifications, 'uploads/')} "
        'aws_s3_bucket_notification.input: queue { filter_prefix = "uploads/" }\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line(INPUT_LAYOUT, 'template')} "
        'buckets.input.layouts.input.template = "input/{job_id}/source.mp4"'
    ]
    assert err == f"\ndrift: 1 finding(s) between {SCHEMA_NAME} and {infra}/\n"


def test_a_missing_filter_suffix_points_at_the_queue_block(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notifications = infra / "notifications.tf"
    edit(notifications, '    filter_suffix = ".mp4"\n', "")
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    block = line_of(notifications, "aws_sqs_queue.video_worker.arn", after="bucket_notification")
    assert findings(out) == [
        "[notification-filter-mismatch] aws_s3_bucket_notification.input sends "
        "aws_sqs_queue.video_worker.arn objects with filter_suffix (not set); "
        f"layout 'segment' ({SEGMENT_TEMPLATE}) needs \".mp4\"\n"
        # The block starts on the line before its queue_arn.
        f"  terraform: {notifications}:{block - 1} "
        "aws_s3_bucket_notification.input: queue { filter_suffix (not set) }\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line(SEGMENT_LAYOUT, 'template')} "
        f'buckets.input.layouts.segment.template = "{SEGMENT_TEMPLATE}"'
    ]


def test_a_layout_without_its_queue_block_is_missing(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notifications = infra / "notifications.tf"
    edit(
        notifications,
        "  queue {\n    queue_arn     = aws_sqs_queue.chunking.arn\n"
        '    events        = ["s3:ObjectCreated:*"]\n    filter_prefix = "input/"\n'
        '    filter_suffix = "/source.mp4"\n  }\n',
        "",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    resource = line_of(notifications, 'resource "aws_s3_bucket_notification" "input"')
    assert findings(out) == [
        "[notification-missing] layout 'input' (input/{job_id}/source.mp4) notifies queue "
        "'chunking', but no queue block sends it objects with filter_prefix \"input/\" and "
        'filter_suffix "/source.mp4"\n'
        f"  terraform: {notifications}:{resource} "
        'resource "aws_s3_bucket_notification" "input"\n'
        f"  schema:    {SCHEMA_NAME}:{schema_line(INPUT_LAYOUT, 'notify_queue')} "
        'buckets.input.layouts.input.notify_queue = "chunking"'
    ]


def test_a_queue_block_without_a_layout_is_extra(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notifications = infra / "notifications.tf"
    edit(
        notifications,
        "  # S3 checks that it may send",
        "  queue {\n    queue_arn     = aws_sqs_queue.chunking.arn\n"
        '    events        = ["s3:ObjectCreated:*"]\n    filter_prefix = "drafts/"\n  }\n\n'
        "  # S3 checks that it may send",
    )
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    assert findings(out) == [
        "[notification-extra] aws_s3_bucket_notification.input sends aws_sqs_queue.chunking.arn "
        'objects with filter_prefix "drafts/" and filter_suffix ""; no layout of bucket '
        "'input' has notify_queue = \"chunking\" with those filters\n"
        f"  terraform: {notifications}:{line_of(notifications, 'drafts/') - 3} "
        "aws_s3_bucket_notification.input: queue { queue_arn = aws_sqs_queue.chunking.arn }\n"
        f"  schema:    {SCHEMA_NAME}:{schema_line('[buckets.input]')} buckets.input"
    ]


def test_a_notification_of_other_events(infra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notifications = infra / "notifications.tf"
    text = notifications.read_text()
    notifications.write_text(text.replace('["s3:ObjectCreated:*"]', '["s3:ObjectRemoved:*"]', 1))
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    [finding] = findings(out)
    assert finding.startswith(
        "[notification-events] aws_s3_bucket_notification.input sends aws_sqs_queue.chunking.arn "
        "events = ['s3:ObjectRemoved:*']: s3:ObjectRemoved:* is not an object the adapters created"
    )
    assert f"schema:    {SCHEMA_NAME}:{schema_line(INPUT_LAYOUT, 'notify_queue')} " in finding


def test_without_a_bucket_notification_each_layout_points_at_the_bucket(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut_block(infra / "notifications.tf", 'resource "aws_s3_bucket_notification" "input"')
    code, out, _ = drift(capsys, "--terraform", str(infra))
    assert code == 1
    bucket_line = line_of(infra / "s3.tf", 'resource "aws_s3_bucket" "input"')
    blocks = findings(out)
    assert [block.split("]")[0] + "]" for block in blocks] == ["[notification-missing]"] * 2
    for block, layout in zip(blocks, (INPUT_LAYOUT, SEGMENT_LAYOUT), strict=True):
        assert f'terraform: {infra / "s3.tf"}:{bucket_line} resource "aws_s3_bucket" "input"' in (
            block
        )
        assert f"{SCHEMA_NAME}:{schema_line(layout, 'notify_queue')} " in block
