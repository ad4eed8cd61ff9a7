"""Drift of S3 notifications: each layout's ``notify_queue`` against ``aws_s3_bucket_notification``.

A layout with ``notify_queue`` says: every object created under this layout is
announced on that queue. In Terraform that is one ``queue { ... }`` block of
the bucket's notification whose ``filter_prefix`` and ``filter_suffix`` are
the layout's literal prefix and suffix. Compared in both directions: a layout
without its block, a block without its layout, and a block whose filters or
events differ, each reported with file:line on both sides.

The events must be ``s3:ObjectCreated:*`` or an equivalent set: every way the
adapters write an object (PUT, presigned PUT, multipart) and nothing else. A
bucket the schema does not declare may not notify a schema queue; a queue
block whose target drift cannot resolve is unverifiable. Notifications to
other queues are left alone.
"""

from __future__ import annotations

from .. import model as m
from .comparison import Comparison
from .drift_findings import Location, quoted
from .hcl import TfBucketNotification, TfQueueNotification, Unread

_Group = tuple[str, str]  # (schema bucket, schema queue)


def compare_notifications(run: Comparison) -> None:
    schema, terraform = run.schema, run.terraform
    buckets = run.by_terraform_name(schema.buckets, "aws_s3_bucket")
    queues = run.by_terraform_name(schema.queues, "aws_sqs_queue")
    bucket_resources = {
        schema_name: resource
        for terraform_name, schema_name in buckets.items()
        if (resource := terraform.resource("aws_s3_bucket", terraform_name)) is not None
    }
    notification_of: dict[str, TfBucketNotification] = {}
    found: dict[_Group, list[tuple[TfBucketNotification, TfQueueNotification]]] = {}
    for notification in terraform.notifications:
        bucket = buckets.get(notification.bucket.resource_name) if notification.bucket else None
        if bucket is not None:
            notification_of.setdefault(bucket, notification)
        for block in notification.queues:
            if block.queue is None or block.queue.resource_type != "aws_sqs_queue":
                _unknown_queue(run, notification, block)
                continue
            queue = queues.get(block.queue.resource_name)
            if queue is None:
                continue  # another queue: not the adapters' business
            if bucket is None:
                _foreign_bucket(run, notification, block, queue)
            else:
                found.setdefault((bucket, queue), []).append((notification, block))
    wanted: dict[_Group, list[m.LayoutSpec]] = {}
    for layout in schema.layouts:
        if layout.notify_queue is not None:
            wanted.setdefault((layout.bucket, layout.notify_queue), []).append(layout)

    for group in sorted(set(found) | set(wanted)):
        layouts = list(wanted.get(group, []))
        blocks = list(found.get(group, []))
        # Exact matches first; what is left is paired in order and compared.
        for layout in list(layouts):
            exact = next((b for b in blocks if _filters(b[1]) == _filters_of(layout)), None)
            if exact is not None:
                layouts.remove(layout)
                blocks.remove(exact)
                _check_events(run, layout, *exact)
        for layout, (notification, block) in zip(layouts, blocks, strict=False):
            _check_filters(run, layout, notification, block)
            _check_events(run, layout, notification, block)
        for layout in layouts[len(blocks) :]:
            where = notification_of.get(layout.bucket)
            bucket_resource = bucket_resources.get(layout.bucket)
            if where is not None:
                _missing(run, layout, run.at_resource(where.resource))
            elif bucket_resource is not None:
                _missing(run, layout, run.at_resource(bucket_resource))
            # else the bucket resource itself is missing: reported with its output
        for notification, block in blocks[len(layouts) :]:
            _extra(run, group, notification, block)


def _filters(block: TfQueueNotification) -> tuple[str, str]:
    return block.prefix, block.suffix


def _filters_of(layout: m.LayoutSpec) -> tuple[str, str]:
    return layout.prefix, layout.suffix


def _layout_at(run: Comparison, layout: m.LayoutSpec) -> Location:
    return run.at_schema(f"{layout.schema_path}.template", layout.template)


def _check_filters(
    run: Comparison,
    layout: m.LayoutSpec,
    notification: TfBucketNotification,
    block: TfQueueNotification,
) -> None:
    for name, wanted, value in (
        ("filter_prefix", layout.prefix, block.filter_prefix),
        ("filter_suffix", layout.suffix, block.filter_suffix),
    ):
        found = value.value if value else ""
        if found == wanted:
            continue
        written = f"{name} = {quoted(found)}" if value else f"{name} (not set)"
        run.add(
            "notification-filter-mismatch",
            f"{notification.resource.address} sends {block.queue_expression} objects with "
            f"{written}; layout {layout.name!r} ({layout.template}) needs {quoted(wanted)}",
            run.at_terraform(
                notification.resource,
                f"queue {{ {written} }}",
                (value.line if value else None) or block.line,
            ),
            _layout_at(run, layout),
        )


CREATED_EVENTS = frozenset(
    {
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
    }
)
"""What ``s3:ObjectCreated:*`` stands for (S3's event types)."""

WRITTEN_BY_ADAPTERS = frozenset(
    {"s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"}
)
"""How the adapters create objects: PUT and presigned PUT are ``Put``, large files ``CompleteMultipartUpload``."""


def _events_problem(events: tuple[str, ...]) -> str | None:
    """Why an event list is not ``s3:ObjectCreated:*`` or an equivalent set, else None."""
    others = sorted(e for e in events if e != "s3:ObjectCreated:*" and e not in CREATED_EVENTS)
    if others:
        return f"{', '.join(others)} is not an object the adapters created"
    covered = CREATED_EVENTS if "s3:ObjectCreated:*" in events else set(events)
    missing = sorted(WRITTEN_BY_ADAPTERS - covered)
    if missing:
        return (
            f"it misses {', '.join(missing)}: objects written that way (PUT and presigned PUT are "
            "Put, multipart uploads CompleteMultipartUpload) would never be announced"
        )
    return None


def _check_events(
    run: Comparison,
    layout: m.LayoutSpec,
    notification: TfBucketNotification,
    block: TfQueueNotification,
) -> None:
    if block.events is None:
        return  # not evaluable: reported as unverifiable
    problem = _events_problem(block.events)
    if problem is None:
        return
    run.add(
        "notification-events",
        f"{notification.resource.address} sends {block.queue_expression} events = "
        f"{list(block.events)}: {problem}; layout {layout.name!r} needs "
        '["s3:ObjectCreated:*"] (or an equivalent set)',
        run.at_terraform(notification.resource, "queue { events }", block.line),
        run.at_schema(f"{layout.schema_path}.notify_queue", layout.notify_queue),
    )


def _unknown_queue(
    run: Comparison, notification: TfBucketNotification, block: TfQueueNotification
) -> None:
    """A queue block whose target is not a queue resource's attribute: it may be a schema queue."""
    if block.queue_expression == "(none)" or not block.queue_expression:
        return
    run.unverifiable(
        Unread(
            "computed",
            notification.resource.file,
            block.line,
            f"{notification.resource.address}: queue queue_arn",
            block.queue_expression,
            "not an aws_sqs_queue attribute, so drift cannot tell whether it is a schema queue",
        )
    )


def _foreign_bucket(
    run: Comparison,
    notification: TfBucketNotification,
    block: TfQueueNotification,
    queue: str,
) -> None:
    """A bucket the schema does not declare sends to a schema queue: nothing else may."""
    bucket = notification.bucket
    run.add(
        "notification-extra",
        f"{notification.resource.address} sends objects of "
        f"{bucket if bucket else 'a bucket the schema does not declare'} to "
        f"{block.queue_expression}; only the schema's layouts may notify queue {queue!r}",
        run.at_terraform(
            notification.resource, f"queue {{ queue_arn = {block.queue_expression} }}", block.line
        ),
        run.at_schema(f"queues.{queue}"),
    )


def _missing(run: Comparison, layout: m.LayoutSpec, where: Location) -> None:
    run.add(
        "notification-missing",
        f"layout {layout.name!r} ({layout.template}) notifies queue {layout.notify_queue!r}, "
        f"but no queue block sends it objects with filter_prefix {quoted(layout.prefix)} "
        f"and filter_suffix {quoted(layout.suffix)}",
        where,
        run.at_schema(f"{layout.schema_path}.notify_queue", layout.notify_queue),
    )


def _extra(
    run: Comparison,
    group: _Group,
    notification: TfBucketNotification,
    block: TfQueueNotification,
) -> None:
    bucket, queue = group
    run.add(
        "notification-extra",
        f"{notification.resource.address} sends {block.queue_expression} objects with "
        f"filter_prefix {quoted(block.prefix)} and filter_suffix {quoted(block.suffix)}; "
        f'no layout of bucket {bucket!r} has notify_queue = "{queue}" with those filters',
        run.at_terraform(
            notification.resource, f"queue {{ queue_arn = {block.queue_expression} }}", block.line
        ),
        run.at_schema(f"buckets.{bucket}"),
    )
