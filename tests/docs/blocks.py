"""The fenced code blocks of README.md and docs/**/*.md, as the docs test harness sees them.

A block's language says what the harness does with it:

- ``python`` runs, as printed, in a fresh namespace (``__name__ == "__main__"``),
  with the repository root as the working directory and the memory backend
  selected (``STORAGE_ADAPTER=memory``, no AWS configuration). An HTML comment
  ``<!-- docs-test: stack -->`` on the line before the block runs it against an
  embedded moto server instead, with the environment a provisioned local stack
  gives (see ``docs/guides/local-stack.md``).
- A ``text`` block titled ``Output`` (```` ```text title="Output" ````) that
  directly follows a python block is that block's standard output, compared
  exactly.
- ``toml`` and ``json`` blocks must parse; ``console``, ``text``, ``yaml`` and
  ``mermaid`` are shown, never run.

Any other language (``bash``, ``sh``, none at all) is refused: a command
belongs in a ``console`` block, so a reader can tell what the tests run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = "python"
SHOWN = frozenset({"text", "console", "yaml", "mermaid"})
PARSED = frozenset({"toml", "json"})
LANGUAGES = SHOWN | PARSED | {RUN}
OUTPUT_TITLE = 'title="Output"'
STACK_MARKER = "<!-- docs-test: stack -->"

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[^`]*?)\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    info: str
    code: str
    marker: str  # the non-blank line before the opening fence

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def is_output(self) -> bool:
        return self.language == "text" and OUTPUT_TITLE in self.info

    @property
    def on_stack(self) -> bool:
        return self.marker.strip() == STACK_MARKER


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        info = opening["info"]
        body: list[str] = []
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            body.append(lines[end][indent:] if lines[end][:indent].isspace() else lines[end])
            end += 1
        before = [line for line in lines[:index] if line.strip()]
        found.append(
            Block(
                path=path,
                line=index + 1,
                language=info.split()[0] if info else "",
                info=info,
                code="\n".join(body) + "\n",
                marker=before[-1] if before else "",
            )
        )
        index = end + 1
    return found


def every_block() -> list[Block]:
    return [block for path in documents() for block in blocks(path)]


def with_output(found: list[Block]) -> list[tuple[Block, Block | None]]:
    """Each python block with the ``Output`` block that directly follows it, if any."""
    pairs: list[tuple[Block, Block | None]] = []
    for position, block in enumerate(found):
        if block.language != RUN:
            continue
        following = found[position + 1] if position + 1 < len(found) else None
        output = following if following is not None and following.is_output else None
        if output is not None and output.path != block.path:
            output = None
        pairs.append((block, output))
    return pairs
