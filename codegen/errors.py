"""Errors the generator reports: every problem names the file and the path inside it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "tables.jobs.indexes[0].hash_key"
    message: str


class SchemaError(Exception):
    """The schema cannot be used; ``problems`` lists every reason at once."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.file}: {len(self.problems)} problem(s):"]
        lines += [
            f"{self.file}: {p.path}: {p.message}" if p.path else f"{self.file}: {p.message}"
            for p in self.problems
        ]
        return "\n".join(lines)
