"""``list_*(limit, exclusive_start_key=None)``: one page of an index query with a JSON-safe token.

The pattern is ``IndexPagePattern`` (``codegen/model/index_pages.py``), which
``query_index_merge`` builds on too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..index_pages import IndexPagePattern


@dataclass(frozen=True)
class QueryIndexPagePattern(IndexPagePattern):
    """One page of an index query with a JSON-safe continuation token."""


KIND = QueryIndexPagePattern
