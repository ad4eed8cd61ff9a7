"""Schema errors and drift findings point at the line where the schema path is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codegen.schema.locate import SchemaLines
from tests.golden.regenerate import bad_schemas

SCHEMA = """\
[generator]
package = "library_adapters"

[tables.books]
description = "Books."

[tables.books.attributes]
isbn = "S"

[[tables.books.access_patterns]]
name = "get"
kind = "get"

[[tables.books.access_patterns]]
name = "put"
"kind" = "put"

[views.shelf]
name = "x"
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("generator.package", 2),
        ("tables.books.description", 5),
        ("tables.books.attributes.isbn", 8),
        ("tables.books.access_patterns[0].kind", 12),
        ("tables.books.access_patterns[1].kind", 16),  # a quoted key
        ("tables.books.access_patterns[1].fields[0]", 14),  # not written: its table's header
        ("tables.books.access_patterns[2].kind", 4),  # no third pattern: the table's header
        ("tables.books.model", 4),  # a missing key: the table that should hold it
        ("views", 18),  # declared only through a subtable
        ("queues.returns", None),
        ("", None),
    ],
)
def test_a_path_is_found_on_its_key_or_the_nearest_table(path: str, line: int | None) -> None:
    assert SchemaLines(SCHEMA).line(path) == line


_LOCATED = re.compile(r"^bad/[^:]+\.toml:(?P<line>\d+): (?P<path>[^ ]+): ")


@pytest.mark.parametrize(
    "schema", [p for p in bad_schemas() if p.is_file()], ids=lambda path: path.stem
)
def test_each_snapshotted_problem_points_at_its_key_or_its_table(schema: Path) -> None:
    """The line shows the path's last key, or the header of a table on the path."""
    text = schema.read_bytes().decode("utf-8", errors="replace").splitlines()
    for reported in schema.with_suffix(".expected").read_text(encoding="utf-8").splitlines():
        found = _LOCATED.match(reported)
        if found is None:
            continue
        line = text[int(found["line"]) - 1].strip()
        path = found["path"]
        names = re.findall(r"[^.\[\]]+(?=\[\d+\])?", path)
        names = [n for n in names if not n.isdigit()]
        header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?(\s*#.*)?", line)
        if header is not None:
            table = header[1].replace('"', "").replace("'", "")
            assert path.startswith(table) or table.startswith(path), (reported, line)
        else:
            key = line.split("=", 1)[0].strip().strip("\"'")
            assert key in names, (reported, line)


def test_most_snapshotted_problems_carry_a_line() -> None:
    """Only problems with no place in the file (missing file, missing section) go without."""
    reported = [
        line
        for schema in bad_schemas()
        for line in schema.with_suffix(".expected").read_text(encoding="utf-8").splitlines()[1:-1]
    ]
    unlocated = [line for line in reported if not re.match(r"^bad/[^:]+\.toml:\d+: ", line)]
    assert len(unlocated) <= 6, unlocated
    assert len(reported) > 100
