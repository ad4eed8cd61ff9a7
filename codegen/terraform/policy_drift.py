"""Drift of consumer IAM policies: what a consumer's role ends up granted against the schema.

Reads every ``data "aws_iam_policy_document" "consumer_<name>"`` block of a
Terraform directory (file and line for each statement), with its values
evaluated (``hcl_eval``): ``dynamic "statement"`` blocks are expanded, and the
statements of ``source_policy_documents`` / ``override_policy_documents``
merged in as the AWS provider merges them. Its (action, resource, condition)
grants are compared with the consumer's ``PolicySpec``: a grant only Terraform
has is ``grant-extra`` (``not_actions`` and ``not_resources`` grant everything
but what they list: always extra); one only the schema has is
``grant-missing``; a consumer without a document, or a document without a
consumer, is ``policy-missing`` / ``policy-extra``.

The document is what a role gets only if it is attached: a document no
``aws_iam_policy`` / ``aws_iam_role_policy`` uses, or an ``aws_iam_policy
"consumer_<name>"`` whose ``policy`` is something else, is
``policy-detached``. Any other policy on a role the consumer's policy is
attached to (an attachment, an inline ``aws_iam_role_policy``, the role's
``inline_policy`` or ``managed_policy_arns``) is ``role-extra-policy``: the
role's effective grant is then more than the schema's. Whatever cannot be
evaluated is ``unverifiable``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from ..iam import Condition, PolicySpec, policies
from ..model import POLICY_PREFIX
from .comparison import Comparison
from .drift_findings import Location
from .hcl import (
    Block,
    Reader,
    TerraformModel,
    TfResource,
    _dict,
    _dicts,
    _labelled,
    _unquote,
)
from .hcl_eval import Ref, UnverifiableError, Value, canonical

Grant = tuple[str, str, tuple[Condition, ...]]
DOCUMENT_TYPE = "aws_iam_policy_document"
ROLE_POLICY_TYPES = ("aws_iam_role_policy_attachment", "aws_iam_role_policy")


@dataclass(frozen=True)
class TfStatement:
    sid: str
    grants: frozenset[Grant]
    line: int | None
    actions_line: int | None
    file: str = ""


@dataclass(frozen=True)
class TfPolicy:
    name: str  # the label after "consumer_"
    file: str
    line: int | None
    statements: tuple[TfStatement, ...]


@dataclass(frozen=True)
class RoleProblem:
    consumer: str
    kind: str  # "policy-detached" or "role-extra-policy"
    message: str
    file: str
    line: int | None
    what: str


@dataclass
class PolicyReading:
    """Every consumer document, and what decides whether its grant is the role's."""

    policies: tuple[TfPolicy, ...] = ()
    problems: list[RoleProblem] = field(default_factory=list)
    reader: Reader | None = None
    roles: dict[str, set[str]] = field(default_factory=dict)  # consumer -> aws_iam_role.<name>


@dataclass(frozen=True)
class _Resource:
    """Any resource or data block of the directory, raw, with where it is."""

    resource: TfResource
    body: Block


def _blocks_of(terraform: TerraformModel, section: str) -> Iterator[_Resource]:
    for file in terraform.files:
        for resource_type, by_name in _labelled(file.data.get(section)):
            for label, raw_body in by_name.items():
                name = _unquote(label)
                lines = file.blocks.child(section, resource_type, name)
                address_type = f"data.{resource_type}" if section == "data" else resource_type
                yield _Resource(
                    TfResource(address_type, name, file.display, lines.line if lines else None),
                    Block(_dict(raw_body), lines, {}),
                )


def read_policies(terraform: TerraformModel) -> PolicyReading:
    """Every consumer policy document of ``terraform``, merged and evaluated, and its attachment."""
    assert terraform.evaluator is not None
    reader = Reader(terraform.evaluator)
    documents = {
        r.resource.name: r
        for r in _blocks_of(terraform, "data")
        if r.resource.resource_type == f"data.{DOCUMENT_TYPE}"
    }
    resources = list(_blocks_of(terraform, "resource"))
    found: list[TfPolicy] = []
    reading = PolicyReading(reader=reader)
    values = _Values(reader, resources)
    for name, document in sorted(documents.items(), key=lambda d: (d[1].resource.file, d[0])):
        if not name.startswith(POLICY_PREFIX):
            continue
        statements = _statements(reader, documents, document, set())
        found.append(
            TfPolicy(
                name.removeprefix(POLICY_PREFIX),
                document.resource.file,
                document.resource.line,
                tuple(statements),
            )
        )
        _check_attachment(values, reading, resources, name)
    reading.policies = tuple(found)
    return reading


def _statements(
    reader: Reader, documents: dict[str, _Resource], document: _Resource, seen: set[str]
) -> list[TfStatement]:
    """The document's statements after the provider's merge of source and override documents."""
    owner = document.resource
    seen = seen | {owner.name}
    merged: list[TfStatement] = []
    for argument in ("source_policy_documents", "source_json"):
        for source in _included(reader, documents, document, argument, seen):
            merged.extend(source)
    blocks, _ = reader.blocks(owner, document.body, "statement")
    own = [_statement(reader, owner, block) for block in blocks]
    own_sids = {s.sid for s in own if s.sid}
    merged = [s for s in merged if s.sid not in own_sids] + own
    for argument in ("override_policy_documents", "override_json"):
        for override in _included(reader, documents, document, argument, seen):
            for statement in override:
                merged = _overlay(merged, statement)
    return merged


def _overlay(statements: list[TfStatement], statement: TfStatement) -> list[TfStatement]:
    """A statement replaces one of the same (non-empty) Sid, else is added."""
    if statement.sid and any(s.sid == statement.sid for s in statements):
        return [statement if s.sid == statement.sid else s for s in statements]
    return [*statements, statement]


def _included(
    reader: Reader,
    documents: dict[str, _Resource],
    document: _Resource,
    argument: str,
    seen: set[str],
) -> Iterator[list[TfStatement]]:
    """The statements of each document ``argument`` names: other documents of this directory."""
    owner = document.resource
    raw = document.body.body.get(argument)
    if raw is None:
        return
    line = document.body.lines.attributes.get(argument) if document.body.lines else None
    value, known = reader.evaluate(
        raw, {}, owner.file, line or owner.line, f"{owner.address}: {argument}"
    )
    if not known:
        reader.unread[-1] = replace(reader.unread[-1], kind="policy")
        return
    for item in value if isinstance(value, list) else [value]:
        target = _document_name(item)
        if target is None or target not in documents or target in seen:
            reader.note(
                UnverifiableError(
                    "policy",
                    f"{canonical(item)} is not the .json of another aws_iam_policy_document "
                    "here: drift cannot see what it grants",
                ),
                owner.file,
                line or owner.line,
                f"{owner.address}: {argument}",
                raw,
            )
            continue
        yield _statements(reader, documents, documents[target], seen)


def _document_name(value: Value) -> str | None:
    prefix = f"data.{DOCUMENT_TYPE}."
    if isinstance(value, Ref) and value.text.startswith(prefix) and value.text.endswith(".json"):
        return value.text.removeprefix(prefix).removesuffix(".json")
    return None


def _strings(reader: Reader, owner: TfResource, block: Block, key: str) -> list[str] | None:
    values, _ = reader.strings(owner, block, key, f"statement {key}")
    return None if values is None else list(values)


def _statement(reader: Reader, owner: TfResource, block: Block) -> TfStatement:
    lines = block.lines
    sid_value = reader.value(owner, block, "sid", "statement sid")
    sid = sid_value.value if sid_value else ""
    effect = reader.value(owner, block, "effect", "statement effect")
    line = lines.line if lines else owner.line
    actions_line = lines.attributes.get("actions") if lines else None
    grants: set[Grant] = set()
    if effect is not None and effect.known and effect.value != "Allow":
        reader.note(
            UnverifiableError(
                "policy", f"effect = {effect.value}: drift compares grants, not denials"
            ),
            owner.file,
            effect.line or line,
            f"{owner.address}: statement {sid!r} effect",
            block.body.get("effect"),
        )
        return TfStatement(sid, frozenset(), line, actions_line, owner.file)
    conditions: list[Condition] = []
    for condition in reader.blocks(owner, block, "condition")[0]:
        test = reader.value(owner, condition, "test", "condition test")
        variable = reader.value(owner, condition, "variable", "condition variable")
        values = _strings(reader, owner, condition, "values")
        conditions.append(
            Condition(
                test.value if test else "",
                variable.value if variable else "",
                tuple(values or ()),
            )
        )
    normalized = _normalized(conditions)
    actions = _strings(reader, owner, block, "actions") or []
    resources = _strings(reader, owner, block, "resources") or []
    not_actions = _strings(reader, owner, block, "not_actions") or []
    not_resources = _strings(reader, owner, block, "not_resources") or []
    if not_actions:
        actions = [*actions, f"every action except {sorted(not_actions)}"]
        actions_line = lines.attributes.get("not_actions") if lines else actions_line
    if not_resources:
        resources = [*resources, f"every resource except {sorted(not_resources)}"]
    if not resources and actions:
        resources = ["(no resources)"]
    grants = {(a, r, normalized) for a in actions for r in resources}
    return TfStatement(sid, frozenset(grants), line, actions_line, owner.file)


def _normalized(conditions: Iterable[Condition]) -> tuple[Condition, ...]:
    """The conditions in one order, each with its values sorted: equal grants compare equal."""
    return tuple(
        sorted(
            (Condition(c.test, c.variable, tuple(sorted(c.values))) for c in conditions),
            key=lambda c: (c.test, c.variable, c.values),
        )
    )


# --------------------------------------------------------------------------- attachment


class _Values:
    """Attribute values of the directory's resources, each evaluated once.

    A value that cannot be evaluated is noted (as unverifiable) only when it
    matters: when it might decide what a consumer's role is granted.
    """

    def __init__(self, reader: Reader, resources: list[_Resource]) -> None:
        self.reader = reader
        self._cache: dict[tuple[str, str], Value | UnverifiableError] = {}
        self._noted: set[tuple[str, str]] = set()
        self.role_names: dict[str, str] = {}  # a role's name -> its address
        for item in resources:
            if item.resource.resource_type == "aws_iam_role":
                name = self.text(item, "name")
                if name is not None:
                    self.role_names[name] = item.resource.address

    def get(self, item: _Resource, key: str) -> Value | UnverifiableError:
        cache_key = (item.resource.address, key)
        if cache_key not in self._cache:
            raw = item.body.body.get(key)
            try:
                self._cache[cache_key] = (
                    None if raw is None else self.reader.evaluator.value(raw, {})
                )
            except UnverifiableError as error:
                self._cache[cache_key] = error
        return self._cache[cache_key]

    def noted(self, item: _Resource, key: str) -> Value:
        """The value; if it cannot be evaluated, a finding (once) and None."""
        value = self.get(item, key)
        if not isinstance(value, UnverifiableError):
            return value
        cache_key = (item.resource.address, key)
        if cache_key not in self._noted:
            self._noted.add(cache_key)
            lines = item.body.lines
            line = lines.attributes.get(key) if lines else None
            self.reader.note(
                value,
                item.resource.file,
                line or item.resource.line,
                f"{item.resource.address}: {key}",
                item.body.body.get(key),
            )
        return None

    def text(self, item: _Resource, key: str) -> str | None:
        value = self.get(item, key)
        return None if isinstance(value, UnverifiableError) or value is None else canonical(value)


def _check_attachment(
    values: _Values, reading: PolicyReading, resources: list[_Resource], label: str
) -> None:
    """Is the document attached, and is it all its roles get?"""
    consumer = label.removeprefix(POLICY_PREFIX)
    document_json = f"data.{DOCUMENT_TYPE}.{label}.json"
    users: list[_Resource] = []
    for item in resources:
        resource = item.resource
        if resource.resource_type not in ("aws_iam_policy", "aws_iam_role_policy"):
            continue
        if values.text(item, "policy") == document_json:
            users.append(item)
        elif resource.resource_type == "aws_iam_policy" and resource.name == label:
            policy = values.noted(item, "policy")
            if isinstance(values.get(item, "policy"), UnverifiableError):
                continue
            lines = item.body.lines
            reading.problems.append(
                RoleProblem(
                    consumer,
                    "policy-detached",
                    f"{resource.address} has policy = {canonical(policy)}, not {document_json}: "
                    f"the checked document is not what consumer {consumer!r} gets",
                    resource.file,
                    (lines.attributes.get("policy") if lines else None) or resource.line,
                    f"{resource.address}: policy",
                )
            )
    if users:
        _check_roles(values, reading, resources, consumer, users)
    else:
        reading.problems.append(
            RoleProblem(
                consumer,
                "policy-detached",
                f"no aws_iam_policy or aws_iam_role_policy has policy = {document_json}: "
                f"the checked document grants consumer {consumer!r} nothing",
                "",
                None,
                f"(nothing uses {document_json})",
            )
        )


def _check_roles(
    values: _Values,
    reading: PolicyReading,
    resources: list[_Resource],
    consumer: str,
    users: list[_Resource],
) -> None:
    """Every policy on a role the consumer's document is attached to, other than the document."""
    policy_arns = {
        f"{u.resource.address}.arn" for u in users if u.resource.resource_type == "aws_iam_policy"
    }
    own = {u.resource.address for u in users}
    roles = _roles_of(values, resources, policy_arns, users)
    reading.roles[consumer] = roles
    for role in sorted(roles):
        for item, what in _policies_on(values, resources, role):
            if item.resource.address in own or what in policy_arns:
                continue
            reading.problems.append(
                RoleProblem(
                    consumer,
                    "role-extra-policy",
                    f"{item.resource.address} gives {role}, the role of consumer {consumer!r}, "
                    f"{what} as well: the role's grant is more than the schema's",
                    item.resource.file,
                    item.resource.line,
                    item.resource.address,
                )
            )


def _role_key(values: _Values, value: Value) -> str:
    """``aws_iam_role.x.id`` / ``.arn`` and the role's name all name the role ``aws_iam_role.x``."""
    text = canonical(value)
    if isinstance(value, Ref) and text.startswith("aws_iam_role."):
        return ".".join(text.split(".")[:2])
    return values.role_names.get(text, text)


def _roles_of(
    values: _Values, resources: list[_Resource], policy_arns: set[str], users: list[_Resource]
) -> set[str]:
    roles = {
        _role_key(values, values.noted(u, "role"))
        for u in users
        if u.resource.resource_type == "aws_iam_role_policy"
    }
    for item in resources:
        kind = item.resource.resource_type
        if kind == "aws_iam_role_policy_attachment":
            if values.text(item, "policy_arn") in policy_arns:
                roles.add(_role_key(values, values.noted(item, "role")))
        elif kind == "aws_iam_policy_attachment":
            if values.text(item, "policy_arn") in policy_arns:
                roles.update(_role_key(values, r) for r in _list(values.noted(item, "roles")))
        elif kind == "aws_iam_role":
            arns = {canonical(v) for v in _list(values.get(item, "managed_policy_arns"))}
            if arns & policy_arns:
                roles.add(item.resource.address)
    return roles


def _list(value: Value | UnverifiableError) -> list[Value]:
    return value if isinstance(value, list) else []


def _policies_on(
    values: _Values, resources: list[_Resource], role: str
) -> Iterator[tuple[_Resource, str]]:
    """Every policy ``role`` has, as (where, what); unreadable roles of attachments are noted."""
    for item in resources:
        kind = item.resource.resource_type
        if kind in ROLE_POLICY_TYPES:
            if _role_key(values, values.noted(item, "role")) != role:
                continue
            if kind == "aws_iam_role_policy":
                yield item, "an inline policy"
            else:
                yield item, canonical(values.noted(item, "policy_arn"))
        elif kind == "aws_iam_policy_attachment":
            if role in {_role_key(values, r) for r in _list(values.noted(item, "roles"))}:
                yield item, canonical(values.noted(item, "policy_arn"))
        elif kind == "aws_iam_role" and item.resource.address == role:
            for arn in _list(values.noted(item, "managed_policy_arns")):
                yield item, canonical(arn)
            if _dicts(item.body.body.get("inline_policy")):
                yield item, "an inline_policy block"


# --------------------------------------------------------------------------- comparison


def _expected(spec: PolicySpec) -> dict[Grant, str]:
    """Every grant the schema gives, and the schema path of the key that gives it."""
    grants: dict[Grant, str] = {}
    for statement in spec.statements:
        conditions = _normalized(statement.conditions)
        for action in statement.actions:
            for resource in statement.resources:
                grants[action, resource.terraform_text, conditions] = statement.schema_path
    return grants


def _describe(grant: Grant) -> str:
    action, resource, conditions = grant
    where = "".join(f" if {c.variable} {c.test} {list(c.values)}" for c in conditions)
    return f"{action} on {resource}{where}"


def compare_policies(run: Comparison, reading: PolicyReading) -> None:
    schema, source = run.schema, run.terraform.source
    found = reading.policies
    by_name = {policy.name: policy for policy in found}
    specs = {spec.consumer.name: spec for spec in policies(schema)}
    for name, spec in specs.items():
        tf = by_name.get(name)
        if tf is None:
            run.add(
                "policy-missing",
                f'consumer {name!r} has no data "aws_iam_policy_document" "{spec.label}" in '
                f"{source} (run `python -m codegen`)",
                Location(source, None, f'(no data "aws_iam_policy_document" "{spec.label}")'),
                run.at_schema(spec.consumer.schema_path),
            )
            continue
        _compare_grants(run, spec, tf)
    for policy in found:
        if policy.name not in specs:
            run.add(
                "policy-extra",
                f'data "aws_iam_policy_document" "{POLICY_PREFIX}{policy.name}" names no '
                f"consumer: add [consumers.{policy.name}] to the schema, or remove it",
                Location(
                    policy.file,
                    policy.line,
                    f'data "aws_iam_policy_document" "{POLICY_PREFIX}{policy.name}"',
                ),
                Location(schema.display_name, None, "(no such consumer)"),
            )
    for problem in reading.problems:
        owner = specs.get(problem.consumer)
        run.add(
            "policy-detached" if problem.kind == "policy-detached" else "role-extra-policy",
            problem.message,
            Location(problem.file or source, problem.line, problem.what),
            run.at_schema(owner.consumer.schema_path)
            if owner
            else Location(schema.display_name, None, "(no such consumer)"),
        )
    if reading.reader is not None:
        for unread in reading.reader.unread:
            run.unverifiable(unread)


def _compare_grants(run: Comparison, spec: PolicySpec, tf: TfPolicy) -> None:
    """Grants Terraform's policy document gives beyond the schema's, and those it lacks."""
    name, path = spec.consumer.name, spec.consumer.schema_path
    expected = _expected(spec)
    sid_paths = {s.sid: s.schema_path for s in spec.statements}
    granted: set[Grant] = set()
    for statement in tf.statements:
        granted |= statement.grants
        for grant in sorted(statement.grants - expected.keys(), key=_describe):
            run.add(
                "grant-extra",
                f"{spec.label} statement {statement.sid!r} grants {_describe(grant)}, "
                f"which the schema does not grant to {name!r}",
                Location(
                    statement.file or tf.file,
                    statement.actions_line or statement.line,
                    f"data.aws_iam_policy_document.{spec.label}: statement {statement.sid!r}",
                ),
                run.at_schema(sid_paths.get(statement.sid, path)),
            )
    for grant in sorted(expected.keys() - granted, key=_describe):
        run.add(
            "grant-missing",
            f"the schema grants {name!r} {_describe(grant)}; {spec.label} does not",
            Location(tf.file, tf.line, f'data "aws_iam_policy_document" "{spec.label}"'),
            run.at_schema(expected[grant]),
        )
