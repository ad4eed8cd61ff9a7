"""Generated sections of hand-written documents: the lifecycle diagrams in docs/concepts/lifecycle.md.

A document carries a block between ``BEGIN`` and ``END`` markers; ``python -m
codegen`` rewrites what is between them from the schema and ``--check``
reports a stale block like any stale generated file, so the diagram cannot
drift from the transitions ``update(status=...)`` enforces.
"""

from __future__ import annotations

from .. import model as m
from .sources import environment

LIFECYCLE_BEGIN = "<!-- BEGIN GENERATED: lifecycle diagrams (python -m codegen; DO NOT EDIT) -->"
LIFECYCLE_END = "<!-- END GENERATED: lifecycle diagrams -->"


class MissingMarkersError(ValueError):
    """The document has no (or a broken) generated block to fill."""


def lifecycle_block(schema: m.SchemaSpec) -> str:
    """Markdown with one Mermaid state diagram per table that declares a lifecycle."""
    tables = [t for t in schema.tables if t.lifecycle is not None]
    return environment().get_template("lifecycle.md.jinja").render(schema=schema, tables=tables)


def fill_block(text: str, begin: str, end: str, content: str) -> str:
    """``text`` with the part between the ``begin`` and ``end`` lines replaced by ``content``."""
    start = text.find(begin)
    stop = text.find(end)
    if start < 0 or stop < start:
        raise MissingMarkersError(f"expected the lines {begin!r} ... {end!r}")
    head = text[: start + len(begin)]
    return f"{head}\n\n{content.strip()}\n\n{text[stop:]}"
