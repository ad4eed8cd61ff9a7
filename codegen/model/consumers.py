"""Stage 2 for ``[consumers.<name>]``: who uses which tables, queues and key layouts.

A consumer names resources that the rest of the schema declares; every
reference is resolved here into the typed model (``ConsumerSpec``), and one
that names nothing known is a problem with its schema path. The policy a
consumer gets is derived from this model alone (``permissions.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from ..schema import Problem
from ..schema import sections as s
from . import types as m
from .services import SERVICE_KINDS


def build_consumers(
    section: s.Named[s.Consumer],
    schema: m.SchemaSpec,
    declared: Mapping[str, frozenset[str]],
    problems: list[Problem],
) -> tuple[m.ConsumerSpec, ...]:
    """Every valid consumer; ``declared`` names every resource of each section, valid or
    not, so references to one that is declared but invalid (already reported) are not
    reported again."""
    consumers = []
    problems += section.problems
    for name, entry in section.entries.items():
        resolver = _Resolver(schema, declared, entry.fields.path, problems)
        consumer = resolver.consumer(name, entry)
        if consumer is not None:
            consumers.append(consumer)
    return tuple(consumers)


_T = TypeVar("_T")


class _Resolver:
    def __init__(
        self,
        schema: m.SchemaSpec,
        declared: Mapping[str, frozenset[str]],
        path: str,
        problems: list[Problem],
    ) -> None:
        self.schema = schema
        self.declared = declared
        self.path = path
        self.problems = problems

    def consumer(self, name: str, entry: s.Consumer) -> m.ConsumerSpec | None:
        before = len(self.problems)
        self.problems += entry.fields.problems
        data = entry.fields.values
        tables = self._tables(entry.tables)
        sends_to = self._queues(data.get("sends_to", []), "sends_to")
        receives_from = self._queues(data.get("receives_from", []), "receives_from")
        reads = self._layouts(data.get("reads", []), "reads")
        writes = self._layouts(data.get("writes", []), "writes")
        presigned_uploads = self._layouts(data.get("presigned_uploads", []), "presigned_uploads")
        reads_streams = self._streams(data.get("reads_streams", []), "reads_streams")
        services = self._services(data)
        if len(self.problems) > before or "description" not in data:
            return None
        policy_output = m.policy_output_name(name)
        outputs = {r.terraform_output: r.schema_path for r in self.schema.resources}
        if policy_output in outputs:
            self.problems.append(
                Problem(
                    self.path,
                    f"its policy's Terraform output {policy_output!r} is "
                    f"{outputs[policy_output]}'s terraform_output too; rename one",
                )
            )
            return None
        if not (
            tables
            or sends_to
            or receives_from
            or reads
            or writes
            or presigned_uploads
            or reads_streams
            or services
        ):
            self.problems.append(
                Problem(
                    self.path,
                    "a consumer must use at least one table, queue, layout or other resource",
                )
            )
            return None
        return m.ConsumerSpec(
            name=name,
            description=data["description"],
            tables=tables,
            sends_to=sends_to,
            receives_from=receives_from,
            reads=reads,
            writes=writes,
            presigned_uploads=presigned_uploads,
            schema_path=self.path,
            reads_streams=reads_streams,
            services=services,
        )

    def _known(self, section: str, valid: Mapping[str, _T], name: str, path: str) -> _T | None:
        """The valid resource ``name`` of ``section``; an undeclared one is a problem at ``path``
        (a declared but invalid one was reported where it is declared)."""
        found = valid.get(name)
        if found is None:
            declared = self.declared.get(section, frozenset())
            if name not in declared:
                noun = section.removesuffix("s")  # "tables" -> "table"
                self.problems.append(
                    Problem(path, f"no {noun} {name!r} ({section}: {_names(declared)})")
                )
        return found

    def _tables(self, section: s.Named[s.TableGrant]) -> tuple[m.TableAccess, ...]:
        tables = {t.name: t for t in self.schema.tables}
        found: list[m.TableAccess] = []
        self.problems += section.problems
        for table_name, grant in section.entries.items():
            path, pattern_names = grant.path, grant.patterns
            before = len(self.problems)
            self.problems += grant.problems
            if pattern_names is None:
                continue
            table = self._known("tables", tables, table_name, path)
            if table is None:
                continue
            by_name = {p.name: p for p in table.patterns}
            patterns = []
            for i, pattern_name in enumerate(pattern_names):
                pattern = by_name.get(pattern_name)
                if pattern is None:
                    self.problems.append(
                        Problem(
                            f"{path}[{i}]",
                            f"table {table_name!r} has no access pattern {pattern_name!r} "
                            f"(patterns: {_names(by_name)})",
                        )
                    )
                else:
                    patterns.append(pattern)
            if len(self.problems) == before:
                found.append(m.TableAccess(table, tuple(patterns)))
        return tuple(found)

    def _queues(self, names: list[str], key: str) -> tuple[m.QueueSpec, ...]:
        queues = {q.name: q for q in self.schema.queues}
        found = []
        for i, queue_name in enumerate(names):
            queue = self._known("queues", queues, queue_name, f"{self.path}.{key}[{i}]")
            if queue is not None:
                found.append(queue)
        return tuple(found)

    def _streams(self, names: list[str], key: str) -> tuple[m.TableStream, ...]:
        return resolve_streams(
            self.schema.tables, self.declared, names, f"{self.path}.{key}", self.problems
        )

    def _services(self, data: Mapping[str, object]) -> tuple[m.ServiceResource, ...]:
        """The resources of each service kind its kind's consumer key names."""
        found: list[m.ServiceResource] = []
        for kind in SERVICE_KINDS.values():
            known = {r.name: r for r in self.schema.services_of(kind.kind)}
            names = data.get(kind.consumer_key, [])
            for i, service_name in enumerate(names if isinstance(names, list) else []):
                path = f"{self.path}.{kind.consumer_key}[{i}]"
                resource = self._known(kind.kind, known, str(service_name), path)
                if resource is not None:
                    found.append(resource)
        return tuple(found)

    def _layouts(self, references: list[str], key: str) -> tuple[m.LayoutAccess, ...]:
        buckets = {b.name: b for b in self.schema.buckets}
        found = []
        for i, reference in enumerate(references):
            path = f"{self.path}.{key}[{i}]"
            bucket_name, dot, layout_name = reference.partition(".")
            if not dot or not bucket_name or not layout_name:
                self.problems.append(
                    Problem(path, f"{reference!r} is not <bucket>.<layout>, e.g. input.source")
                )
                continue
            bucket = self._known("buckets", buckets, bucket_name, path)
            if bucket is None:
                continue
            layout = bucket.layout(layout_name)
            if layout is None:
                self.problems.append(
                    Problem(
                        path,
                        f"bucket {bucket_name!r} has no layout {layout_name!r} "
                        f"(layouts: {_names({x.name for x in bucket.layouts})})",
                    )
                )
                continue
            found.append(m.LayoutAccess(bucket, layout))
        return tuple(found)


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def resolve_streams(
    tables: Iterable[m.TableSpec],
    declared: Mapping[str, frozenset[str]],
    names: list[str],
    path: str,
    problems: list[Problem],
) -> tuple[m.TableStream, ...]:
    """The streams of the tables ``names`` lists at ``path``; a table without one is a problem."""
    by_name = {t.name: t for t in tables}
    found = []
    for i, name in enumerate(names):
        table = by_name.get(name)
        if table is None:
            if name not in declared.get("tables", frozenset()):
                problems.append(
                    Problem(
                        f"{path}[{i}]",
                        f"no table {name!r} (tables: {_names(declared.get('tables', ()))})",
                    )
                )
        elif table.stream is None:
            problems.append(
                Problem(f"{path}[{i}]", f"table {name!r} has no stream (set its stream_view_type)")
            )
        else:
            found.append(table.stream)
    return tuple(found)
