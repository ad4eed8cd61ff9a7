"""Queues and buckets: the resources that are not tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..schema import Problem, spec
from ..schema import sections as s
from . import types as m
from .consumers import resolve_streams
from .layouts import build_layouts
from .model_catalog import ModelCatalog


def build_queue(
    name: str, fields: s.Fields, models: ModelCatalog, problems: list[Problem]
) -> m.QueueSpec | None:
    path, data = fields.path, fields.values
    before = len(problems)
    problems += fields.problems
    if "payload_model" in data:
        models.model(data["payload_model"], f"{path}.payload_model", problems)
        if "event_source" in data:
            problems.append(
                Problem(
                    f"{path}.payload_model", "a queue has either an event_source or a payload_model"
                )
            )
    if ("max_receive_count" in data) != ("dead_letter_queue" in data):
        present, missing = (
            ("max_receive_count", "dead_letter_queue")
            if "max_receive_count" in data
            else ("dead_letter_queue", "max_receive_count")
        )
        problems.append(
            Problem(f"{path}.{missing}", f"a redrive policy needs both; {present} is set")
        )
    margin, timeout = (
        data.get("heartbeat_margin_seconds"),
        data.get("visibility_timeout_seconds", 30),
    )
    if isinstance(margin, int) and isinstance(timeout, int) and 3 * margin > timeout:
        problems.append(
            Problem(
                f"{path}.heartbeat_margin_seconds",
                f"at most a third of visibility_timeout_seconds ({timeout}), got {margin}",
            )
        )
    if len(problems) > before:
        return None
    output = data["terraform_output"]
    return m.QueueSpec(
        name,
        data["description"],
        output,
        data.get("env_var", output.upper()),
        data.get("wait_time_seconds", 20),
        data.get("event_source"),
        data.get("payload_model"),
        path,
        visibility_timeout_seconds=data.get("visibility_timeout_seconds", 30),
        heartbeat_margin_seconds=data.get("heartbeat_margin_seconds"),
        max_receive_count=data.get("max_receive_count"),
        dead_letter_queue=data.get("dead_letter_queue"),
        max_message_bytes=data.get("max_message_bytes", spec.DEFAULT_MAX_MESSAGE_BYTES),
        max_message_bytes_declared="max_message_bytes" in data,
        optional=data.get("optional", False),
    )


def route_events(queue: m.QueueSpec, buckets: tuple[m.BucketSpec, ...]) -> m.QueueSpec:
    """Which buckets' S3 notifications the queue's parser accepts: those a layout routes here.

    The routing is the layouts' ``notify_queue``, the fact the notification drift
    check also reads. An S3-fed queue that no layout names accepts events of
    every bucket in the schema.
    """
    if not queue.carries_s3_events:
        return queue
    routed = tuple(
        b for b in buckets if any(layout.notify_queue == queue.name for layout in b.layouts)
    )
    return replace(queue, event_buckets=routed or buckets)


def feed_streams(
    queue: m.QueueSpec,
    fields: s.Fields,
    tables: tuple[m.TableSpec, ...],
    declared: Mapping[str, frozenset[str]],
    problems: list[Problem],
) -> m.QueueSpec:
    """The streams whose records the queue is fed (``stream_sources``), each a table's with one."""
    names = fields.values.get("stream_sources", [])
    if not names:
        return queue
    path = f"{fields.path}.stream_sources"
    if queue.payload_model is not None or queue.event_source is not None:
        problems.append(
            Problem(
                path,
                "a queue fed by streams carries stream records: no payload_model or event_source",
            )
        )
    streams = resolve_streams(tables, declared, names, path, problems)
    return replace(queue, stream_sources=streams)


def build_bucket(
    name: str, bucket: s.Bucket, models: ModelCatalog, problems: list[Problem]
) -> m.BucketSpec | None:
    path, data = bucket.fields.path, bucket.fields.values
    before = len(problems)
    problems += bucket.fields.problems
    layouts = build_layouts(name, bucket.layouts, models, problems)
    if len(problems) > before:
        return None
    output = data["terraform_output"]
    return m.BucketSpec(
        name, data["description"], output, data.get("env_var", output.upper()), path, layouts
    )
