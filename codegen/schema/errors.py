"""Errors the generator reports: every problem names the file, the line and the path inside it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .locate import SchemaLines


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "tables.jobs.indexes[0].hash_key"
    message: str
    line: int | None = None  # where ``path`` is written in the schema file, once located


class SchemaError(Exception):
    """The schema cannot be used; ``problems`` lists every reason at once."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def located(self, lines: SchemaLines) -> SchemaError:
        """The same error with each problem's line in the schema text ``lines`` reads."""
        return SchemaError(
            self.file,
            [
                replace(p, line=lines.line(p.path)) if p.path and p.line is None else p
                for p in self.problems
            ],
        )

    def render(self) -> str:
        lines = [f"{self.file}: {len(self.problems)} problem(s):"]
        lines += [_render(self.file, p) for p in self.problems]
        return "\n".join(lines)


def _render(file: str, problem: Problem) -> str:
    """``file:line: path: message``, the form editors and CI annotations jump to."""
    where = file if problem.line is None else f"{file}:{problem.line}"
    return (
        f"{where}: {problem.path}: {problem.message}"
        if problem.path
        else f"{where}: {problem.message}"
    )
