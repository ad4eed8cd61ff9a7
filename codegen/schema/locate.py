"""Where a schema path such as ``tables.jobs.indexes[0].hash_key`` is written in the TOML file.

One helper for every report that points into the schema: the schema errors
(``SchemaError.located``) and the drift check's findings. Best effort by
design: it reads table headers (``[a.b]``, ``[[a.b]]``) and ``key =`` lines,
which is how the schema files are written; a path it cannot follow to its key
gets the line of the nearest table that holds it, and one outside every table
gets no line.
"""

from __future__ import annotations

import re

_TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_PATH_PART = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")


class SchemaLines:
    """Line numbers (1-based) of the schema paths in one TOML text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[str, bool, int]] = []  # (dotted name, is [[array]], line)
        for number, line in enumerate(self.lines, start=1):
            found = _TOML_HEADER.match(line)
            if found:
                name = ".".join(p.strip().strip("\"'") for p in found.group(2).split("."))
                self.headers.append((name, found.group(1) == "[[", number))

    def line(self, path: str) -> int | None:
        """The line of ``path``'s key, else of the innermost table holding it; None if unknown."""
        parts = [(name, int(i) if i else None) for name, i in _PATH_PART.findall(path)]
        for cut in range(len(parts), 0, -1):
            header_line = self._header(parts[:cut])
            if header_line is None:
                continue
            if cut == len(parts):
                return header_line
            return self._key(header_line, parts[cut][0]) or header_line
        # A key of the root table, written before the first header.
        return self._key(0, parts[0][0]) if parts else None

    def _header(self, parts: list[tuple[str, int | None]]) -> int | None:
        name = ".".join(p for p, _ in parts)
        index = parts[-1][1]
        matches = [
            line for n, array, line in self.headers if n == name and array == (index is not None)
        ]
        position = index or 0
        if position < len(matches):
            return matches[position]
        if index is None:
            # A table declared only through its subtables (``[views.x]`` declares ``views``).
            return next((line for n, _, line in self.headers if n.startswith(name + ".")), None)
        return None

    def _key(self, header_line: int, key: str) -> int | None:
        """The ``key = ...`` line of the table whose header is on ``header_line`` (0: the root)."""
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(header_line + 1, len(self.lines) + 1):
            text = self.lines[number - 1]
            if _TOML_HEADER.match(text):
                return None
            if pattern.match(text):
                return number
        return None
