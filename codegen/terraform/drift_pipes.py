"""Drift of EventBridge Pipes: each queue's ``stream_sources`` against ``aws_pipes_pipe``.

A queue with ``stream_sources = ["jobs", ...]`` says: every change to those
tables is delivered to this queue. In Terraform that is one ``aws_pipes_pipe``
per table with ``source = aws_dynamodb_table.<table>.stream_arn`` and
``target = aws_sqs_queue.<queue>.arn``. Compared in both directions: a stream
source without its pipe is ``pipe-missing``; a pipe into a schema queue from a
stream the queue does not list (a schema table's, another table's, a second
pipe of one stream) is ``pipe-extra``. Each names file:line on both sides.

A pipe whose ``source`` or ``target`` drift cannot resolve to a table's
``stream_arn`` / a queue resource may connect schema resources: it is
unverifiable, and the streams it may carry are not reported missing. Pipes
between resources the schema does not declare are left alone. Whether the
source table's stream is on is ``stream-mismatch`` (``drift``).

The pipe's role must carry the policy of the consumer that ``reads_streams``
the table and ``sends_to`` the queue (``pipe-role``), when the schema has one.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import TypeGuard

from .. import model as m
from .comparison import Comparison
from .drift_findings import Location, quoted
from .hcl import TfPipe, TfReference, TfResource, TfValue, Unread

TABLE_TYPE = "aws_dynamodb_table"
QUEUE_TYPE = "aws_sqs_queue"
ROLE_TYPE = "aws_iam_role"

_Pair = tuple[str, str]  # (schema table, schema queue)


def compare_pipes(run: Comparison, consumer_roles: Mapping[str, Set[str]] | None) -> None:
    """``consumer_roles``: each consumer's roles (``aws_iam_role.x``); None skips ``pipe-role``."""
    schema, terraform = run.schema, run.terraform
    tables = run.by_terraform_name(schema.tables, TABLE_TYPE)
    queues = run.by_terraform_name(schema.queues, QUEUE_TYPE)
    found: dict[_Pair, list[TfPipe]] = {}
    unresolved: list[tuple[str | None, str | None]] = []  # what an unread pipe may connect
    for pipe in terraform.pipes:
        queue_ref = _resolved(run, pipe, "target", QUEUE_TYPE, "arn", "a schema queue")
        if queue_ref is None:
            source = TfPipe.reference(pipe.source)
            if source is None:
                unresolved.append((None, None))
            elif _is_stream(source) and source.resource_name in tables:
                unresolved.append((tables[source.resource_name], None))
            # else another resource's stream: it carries no schema table's records
            continue
        if queue_ref.resource_type != QUEUE_TYPE or queue_ref.resource_name not in queues:
            continue  # another target: not the adapters' business
        queue = queues[queue_ref.resource_name]
        source_ref = _resolved(
            run, pipe, "source", TABLE_TYPE, "stream_arn", "a schema table's stream"
        )
        if source_ref is None:
            unresolved.append((None, queue))
            continue
        table = tables.get(source_ref.resource_name) if _is_stream(source_ref) else None
        if table is None:
            _foreign_source(run, pipe, source_ref, queue)
        else:
            found.setdefault((table, queue), []).append(pipe)

    wanted: dict[_Pair, m.QueueSpec] = {
        (stream.table, queue.name): queue
        for queue in schema.queues
        for stream in queue.stream_sources
    }
    for pair in sorted(set(found) | set(wanted)):
        pipes = found.get(pair, [])
        queue_spec = wanted.get(pair)
        if queue_spec is None:
            for pipe in pipes:
                _extra(run, pair, pipe)
            continue
        if not pipes:
            if not any(_may_connect(u, pair) for u in unresolved):
                _missing(run, pair, queue_spec)
            continue
        first, *again = pipes
        for pipe in again:
            _duplicate(run, pair, pipe, first)
        if consumer_roles is not None:
            for pipe in pipes:
                _check_role(run, pair, pipe, consumer_roles)


def _is_stream(reference: TfReference | None) -> TypeGuard[TfReference]:
    return (
        reference is not None
        and reference.resource_type == TABLE_TYPE
        and reference.attribute == "stream_arn"
    )


def _may_connect(unresolved: tuple[str | None, str | None], pair: _Pair) -> bool:
    table, queue = unresolved
    return table in (None, pair[0]) and queue in (None, pair[1])


def _resolved(
    run: Comparison, pipe: TfPipe, key: str, resource_type: str, attribute: str, what: str
) -> TfReference | None:
    """The resource attribute ``key`` refers to; None (unverifiable) if drift cannot tell.

    Another resource type's attribute is returned: that is not a schema resource. The
    expected type's other attributes are unverifiable: they are no ``attribute``.
    """
    value: TfValue | None = getattr(pipe, key)
    if value is None or not value.known:
        return None  # absent: Terraform rejects the pipe; not evaluable: already reported
    reference = TfPipe.reference(value)
    if reference is not None and (
        reference.resource_type != resource_type or reference.attribute == attribute
    ):
        return reference
    run.unverifiable(
        Unread(
            "computed",
            pipe.resource.file,
            value.line or pipe.resource.line,
            f"{pipe.resource.address}: {key}",
            value.value if reference is not None else quoted(value.value),
            f"not an {resource_type}'s {attribute}, so drift cannot tell whether it is {what}",
        )
    )
    return None


def _at(run: Comparison, pipe: TfPipe, key: str) -> Location:
    value: TfValue | None = getattr(pipe, key)
    return run.at_terraform(
        pipe.resource,
        f"{key} = {value.value if value else '(none)'}",
        (value.line if value else None) or pipe.resource.line,
    )


def _sources_at(run: Comparison, queue: str) -> Location:
    spec = next(q for q in run.schema.queues if q.name == queue)
    return run.at_schema(f"{spec.schema_path}.stream_sources", absent=not spec.stream_sources)


def _entry_at(run: Comparison, queue: m.QueueSpec, table: str) -> Location:
    path = f"{queue.schema_path}.stream_sources"
    return Location(run.schema.display_name, run.lines.line(path), f'{path} includes "{table}"')


def _resource_of(
    run: Comparison, resource_type: str, terraform_output: str, name: str
) -> TfResource | None:
    terraform = run.terraform
    return terraform.resource(
        resource_type, terraform.target_name(terraform_output, resource_type, name)
    )


def _missing(run: Comparison, pair: _Pair, queue: m.QueueSpec) -> None:
    table_name, queue_name = pair
    table_spec = next(t for t in run.schema.tables if t.name == table_name)
    table = _resource_of(run, TABLE_TYPE, table_spec.terraform_output, table_name)
    tf_queue = _resource_of(run, QUEUE_TYPE, queue.terraform_output, queue_name)
    if table is None or tf_queue is None:
        return  # the resource itself is missing: reported with its output
    run.add(
        "pipe-missing",
        f"queue {queue_name!r} is fed the stream of table {table_name!r} (stream_sources), but "
        f"no aws_pipes_pipe has source = {table.address}.stream_arn ({table.file}:{table.line}) "
        f"and target = {tf_queue.address}.arn",
        run.at_resource(tf_queue),
        _entry_at(run, queue, table_name),
    )


def _extra(run: Comparison, pair: _Pair, pipe: TfPipe) -> None:
    table, queue = pair
    source, target = TfPipe.reference(pipe.source), TfPipe.reference(pipe.target)
    assert source is not None and target is not None
    fed = next(q for q in run.schema.queues if q.name == queue).stream_sources
    run.add(
        "pipe-extra",
        f"{pipe.resource.address} sends the stream of {_address(source)} to {_address(target)}; "
        f'queue {queue!r} has no stream_sources entry "{table}"',
        # A queue fed by streams got the wrong one; any other queue is the wrong target.
        _at(run, pipe, "source" if fed else "target"),
        _sources_at(run, queue),
    )


def _foreign_source(run: Comparison, pipe: TfPipe, source: TfReference, queue: str) -> None:
    """A stream the schema does not declare feeds a schema queue: nothing else may."""
    target = TfPipe.reference(pipe.target)
    assert target is not None
    run.add(
        "pipe-extra",
        f"{pipe.resource.address} sends the stream of {_address(source)}, which the schema does "
        f"not declare, to {_address(target)}; only the tables of queue {queue!r}'s "
        "stream_sources may feed it",
        _at(run, pipe, "source"),
        _sources_at(run, queue),
    )


def _duplicate(run: Comparison, pair: _Pair, pipe: TfPipe, first: TfPipe) -> None:
    table, queue = pair
    source, target = TfPipe.reference(pipe.source), TfPipe.reference(pipe.target)
    assert source is not None and target is not None
    queue_spec = next(q for q in run.schema.queues if q.name == queue)
    run.add(
        "pipe-extra",
        f"{pipe.resource.address} sends the stream of {_address(source)} to {_address(target)}, "
        f"as {first.resource.address} ({first.resource.file}:{first.resource.line}) does "
        "already: every record would arrive twice",
        run.at_resource(pipe.resource),
        _entry_at(run, queue_spec, table),
    )


def _check_role(
    run: Comparison, pair: _Pair, pipe: TfPipe, consumer_roles: Mapping[str, Set[str]]
) -> None:
    """The pipe's role carries the policy of a consumer reading the stream into the queue."""
    table, queue = pair
    consumers = [
        c
        for c in run.schema.consumers
        if any(s.table == table for s in c.reads_streams)
        and any(q.name == queue for q in c.sends_to)
    ]
    if not consumers:
        return  # the schema names no consumer for the pipe: no policy to look for
    role = _resolved(run, pipe, "role_arn", ROLE_TYPE, "arn", "a role with the consumer's policy")
    if role is None and pipe.role_arn is not None:
        return  # unverifiable, reported
    role_address = _address(role) if role else "(no role_arn)"
    if any(role_address in consumer_roles.get(c.name, ()) for c in consumers):
        return
    consumer = consumers[0]
    run.add(
        "pipe-role",
        f"{pipe.resource.address} runs as {role_address}, which does not carry the policy of "
        f"consumer {consumer.name!r} (it reads_streams the table and sends_to the queue): "
        "the pipe cannot read the stream or send to the queue",
        _at(run, pipe, "role_arn"),
        run.at_schema(consumer.schema_path),
    )


def _address(reference: TfReference) -> str:
    return f"{reference.resource_type}.{reference.resource_name}"
