"""Each consumer's least-privilege IAM policy, derived from the schema alone.

What a consumer may do is what the adapters it uses actually call:

* an access pattern makes the DynamoDB operations of its kind (its
  ``operations``, declared in ``codegen/model/kinds/<kind>.py``), on the table or, for an index query, on that
  index only;
* a queue it receives from gets receive, delete and change-visibility; a
  queue it sends to gets send (the adapters never call GetQueueAttributes);
* a key layout it reads gets GetObject (HEAD and ranged downloads included)
  on the layout's keys, and ListBucket on the bucket limited by an
  ``s3:prefix`` condition to the layout's prefix;
* a key layout it writes gets PutObject (every step of a multipart upload)
  and AbortMultipartUpload on the layout's keys, and ListBucketMultipartUploads
  on the bucket, which the managed transfer's clean-up after a failed upload
  calls;
* a key layout it only presigns uploads for gets PutObject on the layout's
  keys: a presigned PUT is one request, made by whoever holds the URL with
  the signer's permissions, and never a multipart upload.

Operations become actions through ``stereo_spot_aws_adapters.iam_actions``,
the table the tests use to prove the policies complete. The result is a
``PolicySpec`` per consumer; ``policy_files.py`` renders it as Terraform and
JSON, and the drift check compares it with Terraform.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from .. import model as m

ArnKind = Literal["table", "queue", "bucket", "secret", "any"]


def _load_operation_actions() -> Mapping[tuple[str, str], str]:
    """``stereo_spot_aws_adapters.iam_actions.OPERATION_ACTIONS``, without importing the package.

    The package's ``__init__`` is generated code (and imports boto3): the
    generator must work even when that code is stale or broken, so it loads the
    one self-contained module by its file.
    """
    package = importlib.util.find_spec("stereo_spot_aws_adapters")
    locations = package.submodule_search_locations if package else None
    if not locations:
        raise ImportError("stereo_spot_aws_adapters is not installed (run `make install`)")
    spec = importlib.util.spec_from_file_location(
        "_codegen_iam_actions", f"{next(iter(locations))}/iam_actions.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError("cannot load stereo_spot_aws_adapters/iam_actions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast(Mapping[tuple[str, str], str], module.OPERATION_ACTIONS)


OPERATION_ACTIONS = _load_operation_actions()

RECEIVE_OPERATIONS = (
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
)
SEND_OPERATIONS = ("SendMessage", "SendMessageBatch")
READ_OPERATIONS = ("GetObject", "HeadObject")
LIST_OPERATIONS = ("ListObjectsV2",)
WRITE_OPERATIONS = (
    "PutObject",
    "CreateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
)
WRITE_BUCKET_OPERATIONS = ("ListMultipartUploads",)
PRESIGNED_UPLOAD_OPERATIONS = ("PutObject",)
# A pipe reading a stream whose ARN it is given. ListStreams is left out: it has no
# resource-level permissions (it would need "*"), and a pipe never lists streams.
STREAM_OPERATIONS = ("DescribeStream", "GetRecords", "GetShardIterator")

TERRAFORM_TYPES: dict[ArnKind, str] = {
    "table": "aws_dynamodb_table",
    "queue": "aws_sqs_queue",
    "bucket": "aws_s3_bucket",
    "secret": "aws_secretsmanager_secret",
}
_PLACEHOLDER = re.compile(r"\{\{([a-z][a-z0-9_]*)\.arn\}\}")


def actions(service: str, operations: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({OPERATION_ACTIONS[service, operation] for operation in operations}))


def iam_literal(text: str) -> str:
    """``text`` matched literally in an IAM resource or condition: its wildcards escaped."""
    return "".join({"$": "${$}", "*": "${*}", "?": "${?}"}.get(c, c) for c in text)


def key_glob(layout: m.LayoutSpec) -> str:
    """A key layout as an IAM pattern: its literal text escaped, each field ``*``."""
    return "".join(
        "*" if isinstance(part, m.LayoutField) else iam_literal(part) for part in layout.parts
    )


@dataclass(frozen=True)
class Resource:
    """One ARN, named by the Terraform resource that has it, plus an IAM suffix."""

    kind: ArnKind
    name: str  # schema name, which is also the Terraform resource's label
    terraform_output: str  # how tooling outside Terraform finds its name or URL
    suffix: str = ""  # IAM text after the ARN: "/index/<name>" or "/<key pattern>"

    @property
    def terraform_address(self) -> str:
        return f"{TERRAFORM_TYPES[self.kind]}.{self.name}.arn"

    @property
    def hcl(self) -> str:
        """The ARN as a Terraform expression: a reference, never a pasted name."""
        if self.kind == "any":
            return '"*"'
        if not self.suffix:
            return self.terraform_address
        return '"${' + self.terraform_address + "}" + hcl_literal(self.suffix) + '"'

    @property
    def terraform_text(self) -> str:
        """How the Terraform reader spells this resource (what drift compares)."""
        if self.kind == "any":
            return "*"
        if not self.suffix:
            return self.terraform_address
        return "${" + self.terraform_address + "}" + self.suffix

    @property
    def placeholder(self) -> str:
        """The ARN in the JSON policy: ``{{<terraform_output>.arn}}`` + suffix."""
        if self.kind == "any":
            return "*"
        return "{{" + self.terraform_output + ".arn}}" + self.suffix


@dataclass(frozen=True)
class Condition:
    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Resource, ...]
    conditions: tuple[Condition, ...] = ()
    schema_path: str = ""  # the consumer's key that grants it, e.g. consumers.web_ui.reads


@dataclass(frozen=True)
class PolicySpec:
    consumer: m.ConsumerSpec
    statements: tuple[Statement, ...]

    @property
    def label(self) -> str:
        return f"{m.POLICY_PREFIX}{self.consumer.name}"

    @property
    def name_hcl(self) -> str:
        """The IAM policy's name, ``<var.name_prefix>-web-ui``, like every other resource's."""
        return '"${var.name_prefix}' + hcl_literal("-" + self.consumer.name.replace("_", "-")) + '"'

    @property
    def output_name(self) -> str:
        return m.policy_output_name(self.consumer.name)

    @property
    def output_description(self) -> str:
        return f"IAM policy for {self.consumer.name}: attach it to that service's role."

    def placeholders(self) -> dict[str, str]:
        """Each placeholder the JSON uses and which ARN it stands for."""
        found: dict[str, str] = {}
        for statement in self.statements:
            for resource in statement.resources:
                if resource.kind == "any":
                    continue
                found["{{" + resource.terraform_output + ".arn}}"] = (
                    f"ARN of {resource.terraform_address.removesuffix('.arn')} "
                    f"(Terraform output {resource.terraform_output})"
                )
        return dict(sorted(found.items()))

    def document(self) -> dict[str, Any]:
        """The IAM policy document with placeholders for the ARNs."""
        statements = []
        for statement in self.statements:
            body: dict[str, Any] = {
                "Sid": statement.sid,
                "Effect": "Allow",
                "Action": list(statement.actions),
                "Resource": [r.placeholder for r in statement.resources],
            }
            if statement.conditions:
                body["Condition"] = {
                    c.test: {c.variable: list(c.values)} for c in statement.conditions
                }
            statements.append(body)
        return {"Version": "2012-10-17", "Statement": statements}


def policies(schema: m.SchemaSpec) -> tuple[PolicySpec, ...]:
    return tuple(policy(consumer) for consumer in schema.consumers)


def policy(consumer: m.ConsumerSpec) -> PolicySpec:
    path = consumer.schema_path
    statements: list[Statement] = []
    for access in consumer.tables:
        statements += _table_statements(access, f"{path}.tables.{access.table.name}")
    statements += _stream_statements(consumer)
    statements += _queue_statements(consumer)
    statements += _read_statements(consumer)
    statements += _write_statements(consumer)
    statements += _service_statements(consumer)
    return PolicySpec(consumer, _unique_sids(statements))


def _stream_statements(consumer: m.ConsumerSpec) -> list[Statement]:
    """Read the records of the tables' streams (any stream of the table: its label changes)."""
    return [
        Statement(
            f"Read{_pascal(stream.table)}Stream",
            actions("dynamodbstreams", STREAM_OPERATIONS),
            (Resource("table", stream.table, stream.table_terraform_output, "/stream/*"),),
            schema_path=f"{consumer.schema_path}.reads_streams",
        )
        for stream in consumer.reads_streams
    ]


ANY_RESOURCE = Resource("any", "*", "*")
"""``"*"``: for an action that takes no resource ARN, limited by its statement's conditions."""


def _service_statements(consumer: m.ConsumerSpec) -> list[Statement]:
    """Each other resource it uses: its kind's operations, on its ARN or limited by a condition."""
    statements = []
    for service in consumer.services:
        if service.arn_kind == "any":
            resource = ANY_RESOURCE
        else:
            assert service.terraform_output is not None  # a kind with an ARN has an output
            resource = Resource(service.arn_kind, service.name, service.terraform_output)
        statements.append(
            Statement(
                f"{service.statement_verb}{_pascal(service.name)}{service.statement_noun}",
                actions(service.aws_service, service.operations),
                (resource,),
                tuple(Condition(*condition) for condition in service.iam_conditions),
                schema_path=f"{consumer.schema_path}.{service.consumer_key}",
            )
        )
    return statements


def _queue_statements(consumer: m.ConsumerSpec) -> list[Statement]:
    """Receive from the queues it consumes, send to the queues it feeds."""
    path = consumer.schema_path
    statements = [
        Statement(
            f"Receive{_pascal(queue.name)}Queue",
            actions("sqs", RECEIVE_OPERATIONS),
            (_queue(queue),),
            schema_path=f"{path}.receives_from",
        )
        for queue in consumer.receives_from
    ]
    statements += [
        Statement(
            f"Send{_pascal(queue.name)}Queue",
            actions("sqs", SEND_OPERATIONS),
            (_queue(queue),),
            schema_path=f"{path}.sends_to",
        )
        for queue in consumer.sends_to
    ]
    return statements


def _read_statements(consumer: m.ConsumerSpec) -> list[Statement]:
    """Read the objects of its layouts; list only under their prefixes."""
    path = consumer.schema_path
    statements: list[Statement] = []
    for bucket, layouts in _by_bucket(consumer.reads):
        statements.append(
            Statement(
                f"Read{_pascal(bucket.name)}Objects",
                actions("s3", READ_OPERATIONS),
                tuple(_objects(bucket, layout) for layout in layouts),
                schema_path=f"{path}.reads",
            )
        )
        statements.append(
            Statement(
                f"List{_pascal(bucket.name)}Prefixes",
                actions("s3", LIST_OPERATIONS),
                (_bucket(bucket),),
                (
                    Condition(
                        "StringLike",
                        "s3:prefix",
                        tuple(sorted({iam_literal(layout.prefix) + "*" for layout in layouts})),
                    ),
                ),
                schema_path=f"{path}.reads",
            )
        )
    return statements


def _write_statements(consumer: m.ConsumerSpec) -> list[Statement]:
    """Write the objects of its layouts (and clean up its uploads); presign uploads."""
    path = consumer.schema_path
    statements: list[Statement] = []
    for bucket, layouts in _by_bucket(consumer.writes):
        statements.append(
            Statement(
                f"Write{_pascal(bucket.name)}Objects",
                actions("s3", WRITE_OPERATIONS),
                tuple(_objects(bucket, layout) for layout in layouts),
                schema_path=f"{path}.writes",
            )
        )
        statements.append(
            Statement(
                f"Clean{_pascal(bucket.name)}Uploads",
                actions("s3", WRITE_BUCKET_OPERATIONS),
                (_bucket(bucket),),
                schema_path=f"{path}.writes",
            )
        )
    statements += [
        Statement(
            f"Presign{_pascal(bucket.name)}Uploads",
            actions("s3", PRESIGNED_UPLOAD_OPERATIONS),
            tuple(_objects(bucket, layout) for layout in layouts),
            schema_path=f"{path}.presigned_uploads",
        )
        for bucket, layouts in _by_bucket(consumer.presigned_uploads)
    ]
    return statements


def _unique_sids(statements: list[Statement]) -> tuple[Statement, ...]:
    """IAM needs each Sid once per policy; names built from schema names could meet."""
    seen: set[str] = set()
    unique = []
    for statement in statements:
        sid, number = statement.sid, 2
        while sid in seen:
            sid, number = f"{statement.sid}{number}", number + 1
        seen.add(sid)
        unique.append(replace(statement, sid=sid))
    return tuple(unique)


def _table_statements(access: m.TableAccess, schema_path: str) -> list[Statement]:
    table = access.table
    on_table: set[str] = set()
    on_index: dict[str, set[str]] = {}
    for pattern in access.patterns:
        if pattern.queried_index is not None:
            on_index.setdefault(pattern.queried_index, set()).update(pattern.operations)
        else:
            on_table.update(pattern.operations)
    statements = []
    if on_table:
        statements.append(
            Statement(
                f"{_pascal(table.name)}Items",
                actions("dynamodb", tuple(on_table)),
                (Resource("table", table.name, table.terraform_output),),
                schema_path=schema_path,
            )
        )
    for index_name, index_operations in sorted(on_index.items()):
        statements.append(
            Statement(
                f"{_pascal(table.name)}Index{_pascal(index_name)}",
                actions("dynamodb", tuple(index_operations)),
                (
                    Resource(
                        "table",
                        table.name,
                        table.terraform_output,
                        "/index/" + iam_literal(index_name),
                    ),
                ),
                schema_path=schema_path,
            )
        )
    return statements


def _queue(queue: m.QueueSpec) -> Resource:
    return Resource("queue", queue.name, queue.terraform_output)


def _bucket(bucket: m.BucketSpec) -> Resource:
    return Resource("bucket", bucket.name, bucket.terraform_output)


def _objects(bucket: m.BucketSpec, layout: m.LayoutSpec) -> Resource:
    return Resource("bucket", bucket.name, bucket.terraform_output, "/" + key_glob(layout))


def _by_bucket(
    accesses: tuple[m.LayoutAccess, ...],
) -> list[tuple[m.BucketSpec, list[m.LayoutSpec]]]:
    grouped: dict[str, tuple[m.BucketSpec, list[m.LayoutSpec]]] = {}
    for access in accesses:
        grouped.setdefault(access.bucket.name, (access.bucket, []))[1].append(access.layout)
    return [grouped[name] for name in sorted(grouped)]


def _pascal(name: str) -> str:
    """``segment_completions`` -> ``SegmentCompletions``; a Sid holds letters and digits only."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


def hcl_literal(text: str) -> str:
    """``text`` inside an HCL string: JSON escapes, and no interpolation or directive."""
    return json.dumps(text)[1:-1].replace("${", "$${").replace("%{", "%%{")


def hcl_string(text: str) -> str:
    return '"' + hcl_literal(text) + '"'


# --------------------------------------------------------------------------- resolving


def arn(kind: ArnKind, value: str, *, account: str, region: str, partition: str = "aws") -> str:
    """The ARN of a table name, queue URL or bucket name (as the Terraform outputs give them)."""
    if kind == "table":
        return f"arn:{partition}:dynamodb:{region}:{account}:table/{value}"
    if kind == "secret":
        return value  # the output is the secret's ARN itself
    if kind == "queue":
        return f"arn:{partition}:sqs:{region}:{account}:{value.rstrip('/').rsplit('/', 1)[-1]}"
    return f"arn:{partition}:s3:::{value}"


def resolve(
    spec: PolicySpec,
    outputs: Mapping[str, str],
    *,
    account: str,
    region: str,
    partition: str = "aws",
) -> dict[str, Any]:
    """The policy document with every ``{{<output>.arn}}`` replaced by a real ARN.

    ``outputs`` maps Terraform output names to their values (``terraform output``);
    a placeholder whose output is missing is a ``KeyError`` naming it.
    """
    kinds = {r.terraform_output: r.kind for s in spec.statements for r in s.resources}

    def replace(found: re.Match[str]) -> str:
        output = found.group(1)
        if output not in outputs:
            raise KeyError(f"no value for Terraform output {output!r}")
        return arn(
            kinds[output], outputs[output], account=account, region=region, partition=partition
        )

    text = json.dumps(spec.document())
    return dict(json.loads(_PLACEHOLDER.sub(lambda f: replace(f).replace('"', '\\"'), text)))
