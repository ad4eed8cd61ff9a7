"""``python -m codegen drift``: compare the schema with the Terraform that creates the resources.

    python -m codegen drift [--schema schema/stereo_spot.toml] [--terraform infra/]
    python -m codegen drift --outputs-json outputs.json   # `terraform output -json`; names only

Three stages:

1. Read every ``*.tf`` file of one directory into a small typed ``TerraformModel``
   with file and line for everything (``terraform.py``).
2. Compare that model with the ``SchemaSpec`` (``compare``): a pure function
   returning every ``Finding`` at once, each naming both sides.
3. Report: findings sorted by Terraform location; exit 0 in sync, 1 drift, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import model as m
from ..model import DEFAULT_SCHEMA, load_schema
from ..render import generator_version
from ..schema import SchemaError, SchemaLines
from .comparison import Comparison, SchemaResource, schema_resources
from .drift_findings import Finding, Location, quoted
from .drift_notifications import compare_notifications
from .drift_pipes import compare_pipes
from .hcl import (
    RESOURCE_KINDS,
    SQS_DEFAULT_MAX_MESSAGE_SIZE,
    ResourceKind,
    TerraformError,
    TerraformModel,
    TfIndex,
    TfQueue,
    TfResource,
    TfTable,
    TfValue,
    read_outputs_json,
    read_terraform,
)
from .hcl import _reference as _reference_of
from .hcl_eval import UNVERIFIABLE_KINDS
from .policy_drift import PolicyReading, compare_policies, read_policies

DEFAULT_TERRAFORM = Path("infra")


@dataclass(frozen=True)
class _Expected:
    resource_type: str
    attributes: tuple[str, ...]  # the attributes whose value is what the adapters need
    section: str  # the schema section: "tables", "queues", "buckets"
    noun: str

    def describe(self) -> str:
        first, *others = self.attributes
        alternatives = "".join(f" (or .{a})" for a in others)
        return f"{self.noun} must be {self.resource_type}.<name>.{first}{alternatives}"


EXPECTED: dict[ResourceKind, _Expected] = {
    "table": _Expected("aws_dynamodb_table", ("name",), "tables", "a table name"),
    "queue": _Expected("aws_sqs_queue", ("url", "id"), "queues", "a queue URL"),
    "bucket": _Expected("aws_s3_bucket", ("id", "bucket"), "buckets", "a bucket name"),
    # A secret's id is its ARN too.
    "secret": _Expected("aws_secretsmanager_secret", ("arn", "id"), "secrets", "a secret ARN"),
}


def compare(
    schema: m.SchemaSpec,
    terraform: TerraformModel,
    lines: SchemaLines,
    consumer_policies: PolicyReading | None = None,
) -> list[Finding]:
    """Every difference between the schema and the Terraform, sorted by Terraform location.

    ``consumer_policies`` (``policy_drift.read_policies``) adds the IAM policy comparison.
    """
    run = Comparison(schema, terraform, lines)
    for unread in terraform.unverifiable:
        run.unverifiable(unread)
    if consumer_policies is not None:
        compare_policies(run, consumer_policies)
    targets: dict[tuple[str, str], SchemaResource] = {}
    for resource in schema_resources(schema):
        target = _check_output(run, resource)
        if target is None:
            continue
        first = targets.setdefault((target.resource_type, target.name), resource)
        if first is not resource:
            output = terraform.output(resource.terraform_output)
            assert output is not None  # a target is only found through an output
            run.add(
                "shared-target",
                f'outputs "{first.terraform_output}" and "{resource.terraform_output}" both refer '
                f"to {target.address}; each schema resource needs its own",
                Location(
                    output.file,
                    output.value_line,
                    f'output "{output.name}" value = {output.expression}',
                ),
                run.at_schema(
                    f"{resource.schema_path}.terraform_output", resource.terraform_output
                ),
            )
    for table in schema.tables:
        tf_table = _table_for(terraform, table)
        if tf_table is not None:
            _compare_table(run, table, tf_table)
            if table.stream is not None:
                _check_stream_output(run, table.stream, tf_table.resource)
    for queue in schema.queues:
        tf_queue = _queue_for(terraform, queue)
        if tf_queue is not None:
            _compare_queue(run, queue, tf_queue)
            _compare_queue_size(run, queue, tf_queue.resource)
    if not terraform.names_only:
        _check_extra_outputs(run)
        compare_notifications(run)
        compare_pipes(run, consumer_policies.roles if consumer_policies else None)
    return sorted(run.findings, key=Finding.sort_key)


def _table_for(terraform: TerraformModel, table: m.TableSpec) -> TfTable | None:
    """The table the output points at, else the one of the same name, so one run shows all drift."""
    resource_type = EXPECTED["table"].resource_type
    return terraform.table(terraform.target_name(table.terraform_output, resource_type, table.name))


def _queue_for(terraform: TerraformModel, queue: m.QueueSpec) -> TfQueue | None:
    """The queue the output points at, else the one of the same name."""
    resource_type = EXPECTED["queue"].resource_type
    return terraform.queue(terraform.target_name(queue.terraform_output, resource_type, queue.name))


SQS_DEFAULT_VISIBILITY_TIMEOUT = "30"


def _compare_queue(run: Comparison, queue: m.QueueSpec, tf: TfQueue) -> None:
    _compare_visibility_timeout(run, queue, tf)
    _compare_dead_letter_target(run, queue, tf)
    _compare_max_receive_count(run, queue, tf)


def _unknown(*values: TfValue | None) -> bool:
    """Whether one of the values could not be evaluated (and was reported as unverifiable)."""
    return any(value is not None and not value.known for value in values)


def _compare_visibility_timeout(run: Comparison, queue: m.QueueSpec, tf: TfQueue) -> None:
    resource = tf.resource
    setting = tf.visibility_timeout_seconds
    if _unknown(setting):
        return
    found = setting.value if setting else SQS_DEFAULT_VISIBILITY_TIMEOUT
    wanted = str(queue.visibility_timeout_seconds)
    if found != wanted:
        shown = found if setting else f"{found} (not set: the SQS default)"
        run.add(
            "visibility-mismatch",
            f"{resource.address} visibility_timeout_seconds is {shown}; the schema says {wanted}",
            run.at_terraform(
                resource,
                f"visibility_timeout_seconds = {found}",
                setting.line if setting else resource.line,
            ),
            run.at_schema(f"{queue.schema_path}.visibility_timeout_seconds", wanted),
        )


def _compare_dead_letter_target(run: Comparison, queue: m.QueueSpec, tf: TfQueue) -> None:
    """The redrive target names the schema's dead-letter queue, which Terraform declares."""
    resource = tf.resource
    target = tf.dead_letter_target
    if _unknown(target):
        return
    reference = _reference_of(target.value) if target else None
    found_dlq = reference.resource_name if reference else (target.value if target else None)
    if found_dlq != queue.dead_letter_queue or (
        target is not None and (reference is None or reference.resource_type != "aws_sqs_queue")
    ):
        expected = (
            f"aws_sqs_queue.{queue.dead_letter_queue}.arn" if queue.dead_letter_queue else "(none)"
        )
        run.add(
            "redrive-mismatch",
            f"{resource.address} redrive_policy deadLetterTargetArn is "
            f"{target.value if target else '(none)'}; the schema says {expected}",
            run.at_terraform(
                resource,
                f"redrive_policy deadLetterTargetArn = {target.value if target else '(none)'}",
                target.line if target else resource.line,
            ),
            run.at_schema(
                f"{queue.schema_path}.dead_letter_queue",
                queue.dead_letter_queue,
                absent=queue.dead_letter_queue is None,
            ),
        )
    elif (
        queue.dead_letter_queue is not None and run.terraform.queue(queue.dead_letter_queue) is None
    ):
        run.add(
            "redrive-mismatch",
            f"{resource.address} sends dead letters to aws_sqs_queue.{queue.dead_letter_queue}, "
            f"which {run.terraform.source} does not declare",
            run.at_terraform(resource, "redrive_policy", target.line if target else resource.line),
            run.at_schema(f"{queue.schema_path}.dead_letter_queue", queue.dead_letter_queue),
        )


def _compare_max_receive_count(run: Comparison, queue: m.QueueSpec, tf: TfQueue) -> None:
    resource = tf.resource
    count = tf.max_receive_count
    if _unknown(count):
        return
    found_count = count.value if count else None
    wanted_count = str(queue.max_receive_count) if queue.max_receive_count is not None else None
    if found_count != wanted_count:
        run.add(
            "redrive-mismatch",
            f"{resource.address} redrive_policy maxReceiveCount is {found_count or '(none)'}; "
            f"the schema says {wanted_count or '(none)'}",
            run.at_terraform(
                resource,
                f"redrive_policy maxReceiveCount = {found_count or '(none)'}",
                count.line if count else resource.line,
            ),
            run.at_schema(
                f"{queue.schema_path}.max_receive_count",
                wanted_count,
                absent=wanted_count is None,
            ),
        )


def _compare_queue_size(run: Comparison, queue: m.QueueSpec, tf: TfResource) -> None:
    """``max_message_size`` (the provider's 256 KiB when absent) must equal ``max_message_bytes``."""
    value = tf.argument("max_message_size")
    if _unknown(value):
        return
    found = value.value if value else str(SQS_DEFAULT_MAX_MESSAGE_SIZE)
    if found == str(queue.max_message_bytes):
        return
    shown = found if value else f"not set (the provider's default, {found})"
    run.add(
        "queue-size-mismatch",
        f"{tf.address} max_message_size is {shown}; the schema says {queue.max_message_bytes}"
        + ("" if found.isdigit() else " (use a literal number so drift can compare it)"),
        run.at_terraform(tf, f"max_message_size = {shown}", value.line if value else tf.line),
        run.at_schema(
            f"{queue.schema_path}.max_message_bytes",
            str(queue.max_message_bytes),
            absent=not queue.max_message_bytes_declared,
        ),
    )


def _check_output(run: Comparison, resource: SchemaResource) -> TfResource | None:
    """Check one schema resource's output; return the Terraform resource it points at."""
    expected = EXPECTED[resource.kind]
    schema_at = run.at_schema(f"{resource.schema_path}.terraform_output", resource.terraform_output)
    output = run.terraform.output(resource.terraform_output)
    if output is None:
        _report_missing_output(run, resource, schema_at)
        return None
    if run.terraform.names_only:
        return None
    terraform_at = Location(
        output.file,
        output.value_line or output.line,
        f'output "{output.name}" value = {output.expression}',
    )
    reference = output.reference
    if reference is None or reference.resource_type != expected.resource_type:
        what = f"is {reference}" if reference else "is not a resource attribute"
        run.add(
            "wrong-target",
            f'output "{output.name}" {what}; {expected.describe()}',
            terraform_at,
            schema_at,
        )
        return None
    target = run.terraform.resource(reference.resource_type, reference.resource_name)
    if target is None:
        run.add(
            "missing-resource",
            f'output "{output.name}" refers to {reference.resource_type}.{reference.resource_name}, '
            f"which {run.terraform.source} does not declare",
            terraform_at,
            schema_at,
        )
        return None
    if reference.attribute not in expected.attributes:
        run.add(
            "wrong-target",
            f'output "{output.name}" is {reference}; {expected.describe()}',
            terraform_at,
            schema_at,
        )
    return target


def _report_missing_output(run: Comparison, resource: SchemaResource, schema_at: Location) -> None:
    """No output of the schema's name; an undeclared one giving the same resource is named."""
    expected = EXPECTED[resource.kind]
    hint = "" if run.terraform.names_only else f" ({expected.describe()})"
    renamed = [
        o.name
        for o in run.terraform.outputs
        if o.name not in run.known_outputs
        and o.reference is not None
        and (o.reference.resource_type, o.reference.resource_name)
        == (expected.resource_type, resource.name)
    ]
    if renamed:
        hint = f' (renamed? output "{renamed[0]}" gives {expected.resource_type}.{resource.name})'
    run.add(
        "missing-output",
        f'no output "{resource.terraform_output}" in {run.terraform.source}{hint}',
        Location(run.terraform.outputs_file, None, f'(no output "{resource.terraform_output}")'),
        schema_at,
    )


def _check_extra_outputs(run: Comparison) -> None:
    """Outputs giving a table name, queue URL or bucket name that no schema resource declares.

    Outputs of other attributes (an ``.arn`` for IAM policies elsewhere) are not the
    adapters' business and are left alone.
    """
    for output in run.terraform.outputs:
        reference = output.reference
        if output.name in run.known_outputs or reference is None:
            continue
        kind = RESOURCE_KINDS.get(reference.resource_type)
        if kind is None or reference.attribute not in EXPECTED[kind].attributes:
            continue
        section = EXPECTED[kind].section
        run.add(
            "extra-output",
            f'output "{output.name}" ({reference}) is not in the schema: add '
            f'[{section}.<name>] with terraform_output = "{output.name}", or remove the output',
            Location(output.file, output.line, f'output "{output.name}"'),
            Location(
                run.schema.display_name,
                None,
                f'(no resource has terraform_output = "{output.name}")',
            ),
        )


def _compare_table(run: Comparison, table: m.TableSpec, tf: TfTable) -> None:
    resource = tf.resource
    for role, spec_key, tf_key in (
        ("hash_key", table.hash_key, tf.hash_key),
        ("range_key", table.range_key, tf.range_key),
    ):
        wanted = spec_key.name if spec_key else None
        found = tf_key.value if tf_key else None
        if wanted == found or _unknown(tf_key):
            continue
        run.add(
            "key-mismatch",
            f"{resource.address} {role} is {quoted(found)}; the schema says {quoted(wanted)}",
            run.at_terraform(
                resource, f"{role} = {quoted(found)}", tf_key.line if tf_key else resource.line
            ),
            run.at_schema(f"{table.schema_path}.{role}", wanted, absent=wanted is None),
        )

    # Types only for names Terraform also uses as keys: a renamed key is reported once, above.
    terraform_keys = {v.value for v in (tf.hash_key, tf.range_key) if v}
    terraform_keys |= {v.value for i in tf.indexes for v in (i.hash_key, i.range_key) if v}
    schema_keys = {a.name: a for a in table.key_attributes}
    for index in table.indexes:
        for key in (index.hash_key, index.range_key):
            if key is not None:
                schema_keys.setdefault(key.name, key)
    for name, attribute in sorted(schema_keys.items()):
        if name not in terraform_keys:
            continue
        block = tf.attribute(name)
        found = block.type.value if block and block.type else None
        if found == attribute.dynamo_type or (block is not None and _unknown(block.type)):
            continue
        run.add(
            "key-type-mismatch",
            f'{resource.address} attribute "{name}" has type {quoted(found)}; '
            f"the schema says {quoted(attribute.dynamo_type)}",
            run.at_terraform(
                resource,
                f'attribute "{name}" type = {quoted(found)}',
                block.type.line if block and block.type else resource.line,
            ),
            run.at_schema(attribute.schema_path, attribute.dynamo_type),
        )

    _compare_indexes(run, table, tf)
    _compare_ttl(run, table, tf)
    _compare_stream(run, table, tf)


def _compare_indexes(run: Comparison, table: m.TableSpec, tf: TfTable) -> None:
    by_name = {i.name.value: i for i in tf.indexes}
    schema_names = {i.name for i in table.indexes}
    extras = [i for i in tf.indexes if i.name.value not in schema_names]
    for index in table.indexes:
        tf_index = by_name.get(index.name)
        if tf_index is None:
            _report_missing_index(run, tf.resource, index, extras)
        else:
            _compare_index_keys(run, tf.resource, index, tf_index)
            _compare_index_non_key_attributes(run, tf.resource, index, tf_index)
    for extra in extras:
        _report_extra_index(run, table, tf.resource, extra)


def _report_missing_index(
    run: Comparison, resource: TfResource, index: m.IndexSpec, extras: list[TfIndex]
) -> None:
    """The schema's index is not in Terraform; an undeclared one with the same keys is named."""
    same_keys = [
        i.name.value
        for i in extras
        if (i.hash_key.value if i.hash_key else None) == index.hash_key.name
        and (i.range_key.value if i.range_key else None)
        == (index.range_key.name if index.range_key else None)
    ]
    hint = (
        f" (renamed? {' and '.join(map(quoted, same_keys))} has the same keys)" if same_keys else ""
    )
    run.add(
        "index-missing",
        f"{resource.address} has no global_secondary_index {quoted(index.name)}{hint}",
        run.at_resource(resource),
        run.at_schema(f"{index.schema_path}.name", index.name),
    )


def _compare_index_keys(
    run: Comparison, resource: TfResource, index: m.IndexSpec, tf_index: TfIndex
) -> None:
    """Hash key, range key and projection type of an index both sides declare."""
    for role, wanted, found_value in (
        ("hash_key", index.hash_key.name, tf_index.hash_key),
        ("range_key", index.range_key.name if index.range_key else None, tf_index.range_key),
        ("projection_type", index.projection, tf_index.projection_type),
    ):
        found = found_value.value if found_value else None
        if found == wanted or _unknown(found_value):
            continue
        schema_role = "projection" if role == "projection_type" else role
        run.add(
            "index-mismatch",
            f"{resource.address} index {quoted(index.name)} {role} is {quoted(found)}; "
            f"the schema says {quoted(wanted)}",
            run.at_terraform(
                resource,
                f"global_secondary_index {quoted(index.name)} {role} = {quoted(found)}",
                found_value.line if found_value else tf_index.line,
            ),
            run.at_schema(f"{index.schema_path}.{schema_role}", wanted, absent=wanted is None),
        )


def _compare_index_non_key_attributes(
    run: Comparison, resource: TfResource, index: m.IndexSpec, tf_index: TfIndex
) -> None:
    wanted_non_key = tuple(sorted(index.non_key_attributes))
    if wanted_non_key == tf_index.non_key_attributes:
        return
    run.add(
        "index-mismatch",
        f"{resource.address} index {quoted(index.name)} non_key_attributes are "
        f"{list(tf_index.non_key_attributes)}; the schema says {list(wanted_non_key)}",
        run.at_terraform(
            resource,
            f"global_secondary_index {quoted(index.name)} non_key_attributes",
            tf_index.non_key_attributes_line or tf_index.line,
        ),
        run.at_schema(f"{index.schema_path}.non_key_attributes", absent=not wanted_non_key),
    )


def _report_extra_index(
    run: Comparison, table: m.TableSpec, resource: TfResource, extra: TfIndex
) -> None:
    """Terraform declares an index the schema does not."""
    run.add(
        "index-extra",
        f"{resource.address} has global_secondary_index {quoted(extra.name.value)}, "
        f"which {table.schema_path}.indexes does not declare",
        run.at_terraform(
            resource,
            f"global_secondary_index name = {quoted(extra.name.value)}",
            extra.name.line or extra.line,
        ),
        Location(
            run.schema.display_name,
            run.lines.line(table.schema_path),
            f"{table.schema_path} (no index {quoted(extra.name.value)})",
        ),
    )


def _compare_ttl(run: Comparison, table: m.TableSpec, tf: TfTable) -> None:
    resource = tf.resource
    wanted = table.ttl_attribute.name if table.ttl_attribute else None
    ttl = tf.ttl
    named = ttl.attribute_name if ttl else None
    if ttl is not None and (ttl.enabled is None or _unknown(named)):
        return  # reported as unverifiable
    found = named.value if named and ttl and ttl.enabled is not False else None
    if found == wanted:
        return
    if ttl is None:
        problem = "has no ttl block"
    elif ttl.enabled is False:
        problem = f"has TTL on {quoted(named.value if named else None)} switched off (enabled is not true)"
    else:
        problem = f"expires items on {quoted(found)}"
    run.add(
        "ttl-mismatch",
        f"{resource.address} {problem}; the schema's ttl_attribute is {quoted(wanted)}",
        run.at_terraform(
            resource,
            f"ttl attribute_name = {quoted(named.value if named else None)}",
            (named.line if named else None) or (ttl.line if ttl else resource.line),
        ),
        run.at_schema(f"{table.schema_path}.ttl_attribute", wanted, absent=wanted is None),
    )


def _compare_stream(run: Comparison, table: m.TableSpec, tf: TfTable) -> None:
    """stream_enabled and stream_view_type against the schema's stream_view_type."""
    resource, enabled, view = tf.resource, tf.stream_enabled, tf.stream_view_type
    if _unknown(enabled, view):
        return  # reported as unverifiable
    wanted = table.stream.view_type if table.stream else None
    is_on = enabled is not None and enabled.value == "true"
    found = (view.value if view else None) if is_on else None
    if found == wanted:
        return
    if not is_on:
        problem = "has no stream (stream_enabled is not true)"
    else:
        problem = f"has a stream of view {quoted(found)}"
    written = view or enabled
    line = written.line if written is not None else resource.line
    run.add(
        "stream-mismatch",
        f"{resource.address} {problem}; the schema's stream_view_type is {quoted(wanted)}",
        run.at_terraform(
            resource,
            f"stream_enabled = {quoted(enabled.value if enabled else None)}, "
            f"stream_view_type = {quoted(view.value if view else None)}",
            line,
        ),
        run.at_schema(
            table.stream.schema_path if table.stream else f"{table.schema_path}.stream_view_type",
            wanted,
            absent=wanted is None,
        ),
    )


def _check_stream_output(run: Comparison, stream: m.TableStream, table: TfResource) -> None:
    """The stream's ARN output exists and is the table's ``stream_arn``."""
    schema_at = run.at_schema(stream.schema_path, stream.view_type)
    output = run.terraform.output(stream.terraform_output)
    if output is None:
        run.add(
            "stream-output",
            f'no output "{stream.terraform_output}" in {run.terraform.source} '
            f"(the stream ARN, {stream.env_var}: {table.address}.stream_arn)",
            Location(run.terraform.outputs_file, None, f'(no output "{stream.terraform_output}")'),
            schema_at,
        )
        return
    if run.terraform.names_only:
        return
    reference = output.reference
    if (
        reference is None
        or (reference.resource_type, reference.resource_name) != (table.resource_type, table.name)
        or reference.attribute != "stream_arn"
    ):
        run.add(
            "stream-output",
            f'output "{output.name}" is {reference or output.expression}; '
            f"the stream ARN must be {table.address}.stream_arn",
            Location(
                output.file,
                output.value_line or output.line,
                f'output "{output.name}" value = {output.expression}',
            ),
            schema_at,
        )


# --------------------------------------------------------------------------- command line


def _counts(schema: m.SchemaSpec) -> str:
    return (
        f"{len(schema.tables)} tables, {len(schema.queues)} queues, {len(schema.buckets)} buckets, "
        + "".join(
            f"{count} {kind}, "
            for kind in m.SERVICE_KINDS
            if (count := len(schema.services_of(kind)))
        )
        + f"{len(schema.consumers)} consumer policies"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codegen drift",
        description="Compare the resource schema with the Terraform that creates the resources.",
        epilog=(
            "Exit codes: 0 in sync, 1 drift found or an expression could not be evaluated "
            "(unverifiable), 2 an input cannot be read or parsed. See docs/guides/drift.md."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"python -m codegen drift {generator_version()}"
    )
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="schema TOML file")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--terraform",
        type=Path,
        default=DEFAULT_TERRAFORM,
        help="directory of *.tf files to compare (default: infra/)",
    )
    source.add_argument(
        "--outputs-json",
        type=Path,
        default=None,
        help="a `terraform output -json` file; only output names are compared",
    )
    parser.add_argument(
        "--var-file",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a *.tfvars file, as `terraform plan -var-file` takes it (repeatable; later wins)",
    )
    parser.add_argument(
        "--allow-unverifiable",
        action="append",
        default=[],
        choices=UNVERIFIABLE_KINDS,
        metavar="KIND",
        help=(
            "do not fail on expressions of this kind drift cannot evaluate; they are still "
            f"listed (repeatable; one of: {', '.join(UNVERIFIABLE_KINDS)})"
        ),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        schema = load_schema(options.schema)
    except SchemaError as error:
        print(error.render(), file=sys.stderr)
        return 2
    try:
        if options.outputs_json is not None:
            terraform = read_outputs_json(options.outputs_json)
        else:
            terraform = read_terraform(options.terraform, options.var_file)
    except TerraformError as error:
        print(error, file=sys.stderr)
        print("nothing was compared", file=sys.stderr)
        return 2
    lines = SchemaLines(schema.source.read_text(encoding="utf-8"))
    consumer_policies = None if terraform.names_only else read_policies(terraform)
    findings = compare(schema, terraform, lines, consumer_policies)
    return _report(schema, terraform, findings, set(options.allow_unverifiable))


def _report(
    schema: m.SchemaSpec, terraform: TerraformModel, everything: list[Finding], allowed: set[str]
) -> int:
    """Print every finding; 0 when none counts (in sync, or only allowed unverifiables), else 1.

    Never "in sync" while an expression was not compared.
    """
    findings = [f for f in everything if f.unverifiable is None or f.unverifiable not in allowed]
    scope = " (output names only)" if terraform.names_only else ""
    if not everything:
        print(f"in sync: {_counts(schema)} checked against {terraform.source}{scope}")
        return 0
    print("\n\n".join(f.render() for f in everything))
    if not findings:
        kinds = " ".join(f"--allow-unverifiable {k}" for k in sorted(allowed))
        print(
            f"\nno drift in what was compared, but {len(everything)} expression(s) were not "
            f"compared ({kinds}): {_counts(schema)} against {terraform.source}{scope}",
            file=sys.stderr,
        )
        return 0
    unverifiable = sum(1 for f in findings if f.kind == "unverifiable")
    detail = f", {unverifiable} of them unverifiable" if unverifiable else ""
    print(
        f"\ndrift: {len(findings)} finding(s){detail} between {schema.display_name} and "
        f"{terraform.source}{scope}",
        file=sys.stderr,
    )
    return 1
