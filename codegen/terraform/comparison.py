"""One drift run: the schema and the Terraform side by side, and the findings so far.

Its own module so that each comparison (``drift``, ``drift_notifications``,
``policy_drift``) takes the run it adds findings to without importing another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import model as m
from ..schema import SchemaLines
from .drift_findings import Finding, FindingKind, Location, quoted
from .hcl import ResourceKind, TerraformModel, TfResource, Unread


@dataclass(frozen=True)
class SchemaResource:
    kind: ResourceKind
    name: str
    terraform_output: str
    schema_path: str


def schema_resources(schema: m.SchemaSpec) -> list[SchemaResource]:
    return (
        [SchemaResource("table", t.name, t.terraform_output, t.schema_path) for t in schema.tables]
        + [
            SchemaResource("queue", q.name, q.terraform_output, q.schema_path)
            for q in schema.queues
        ]
        + [
            SchemaResource("bucket", b.name, b.terraform_output, b.schema_path)
            for b in schema.buckets
        ]
        + [
            SchemaResource("secret", s.name, s.terraform_output, s.schema_path)
            for s in schema.services
            if s.arn_kind == "secret" and s.terraform_output is not None
        ]
    )


class Comparison:
    """Collects findings; knows how to name a place on either side."""

    def __init__(self, schema: m.SchemaSpec, terraform: TerraformModel, lines: SchemaLines) -> None:
        self.schema = schema
        self.terraform = terraform
        self.lines = lines
        self.findings: list[Finding] = []
        self.known_outputs = {r.terraform_output for r in schema_resources(schema)} | {
            t.stream.terraform_output for t in schema.tables if t.stream is not None
        }

    def add(self, kind: FindingKind, message: str, terraform: Location, schema: Location) -> None:
        self.findings.append(Finding(kind, message, terraform, schema))

    def unverifiable(self, unread: Unread) -> None:
        """An expression that decides a compared value but could not be evaluated."""
        self.findings.append(
            Finding(
                "unverifiable",
                f"{unread.where} = {unread.expression}: {unread.reason}; "
                "drift cannot tell whether it matches the schema",
                Location(unread.file, unread.line, f"{unread.where} = {unread.expression}"),
                Location(self.schema.display_name, None, "(not compared)"),
                unread.kind,
            )
        )

    def at_schema(self, path: str, value: str | None = None, absent: bool = False) -> Location:
        if absent:
            return Location(self.schema.display_name, self.lines.line(path), f"{path} (not set)")
        what = path if value is None else f"{path} = {quoted(value)}"
        return Location(self.schema.display_name, self.lines.line(path), what)

    def at_terraform(self, resource: TfResource, what: str, line: int | None) -> Location:
        return Location(resource.file, line, f"{resource.address}: {what}")

    def at_resource(self, resource: TfResource) -> Location:
        return Location(
            resource.file, resource.line, f'resource "{resource.resource_type}" "{resource.name}"'
        )

    def by_terraform_name(
        self,
        resources: Sequence[m.TableSpec | m.QueueSpec | m.BucketSpec],
        resource_type: str,
    ) -> dict[str, str]:
        """Terraform resource name -> schema name, through each resource's output (else its name)."""
        names: dict[str, str] = {}
        for resource in resources:
            target = self.terraform.target_name(
                resource.terraform_output, resource_type, resource.name
            )
            names.setdefault(target, resource.name)
        return names
