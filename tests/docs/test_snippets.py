"""Every code block in README.md and docs/ runs, parses or is shown, as ``tests/docs/blocks.py`` says.

The harness is our own (about 150 lines) rather than pytest-examples, mktestdocs
or pytest-markdown-docs: the blocks need two environments (the memory backend,
and a freshly provisioned embedded moto server), their output is compared with
the ``Output`` block printed under them, and the languages a page may use are
checked. None of those tools does all three without as much glue as this.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib
from markdown.extensions.toc import slugify

from tests.docs.blocks import (
    LANGUAGES,
    ROOT,
    RUN,
    Block,
    documents,
    every_block,
    with_output,
)
from tests.docs.conftest import LocalStack, base_environment

BLOCKS = every_block()
RUNNABLE = [
    pair
    for path in sorted({b.path for b in BLOCKS})
    for pair in with_output([b for b in BLOCKS if b.path == path])
]


@contextlib.contextmanager
def isolated(environment: dict[str, str]) -> Iterator[None]:
    """The block's environment, working directory and logging, put back afterwards."""
    saved_environment = dict(os.environ)
    saved_directory = Path.cwd()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)
        os.chdir(saved_directory)
        for handler in root.handlers:
            if handler not in saved_handlers:
                root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def run_block(block: Block, environment: dict[str, str]) -> str:
    """Execute ``block`` as a script; return what it printed."""
    printed = io.StringIO()
    namespace = {"__name__": "__main__", "__file__": str(block.path)}
    with isolated(environment), contextlib.redirect_stdout(printed):
        exec(compile(block.code, block.where, "exec"), namespace)
    return printed.getvalue()


def normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.where)
def test_every_block_names_a_language_the_harness_knows(block: Block) -> None:
    assert block.language in LANGUAGES, (
        f"{block.where}: ```{block.language or '(none)'}: use ```python for code that runs, "
        f"```console for commands, ```text for output (known: {', '.join(sorted(LANGUAGES))})"
    )


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if b.language in ("toml", "json")], ids=lambda b: b.where
)
def test_configuration_blocks_parse(block: Block) -> None:
    if block.language == "toml":
        tomllib.loads(block.code)
    else:
        json.loads(block.code)


@pytest.mark.parametrize(("block", "output"), RUNNABLE, ids=[block.where for block, _ in RUNNABLE])
def test_python_block_runs_as_printed(
    block: Block, output: Block | None, request: pytest.FixtureRequest
) -> None:
    environment = base_environment()
    if block.on_stack:
        stack: LocalStack = request.getfixturevalue("local_stack")
        environment |= stack.environment()
    else:
        environment["STORAGE_ADAPTER"] = "memory"
    printed = run_block(block, environment)
    if output is not None:
        assert normalised(printed) == normalised(output.code), f"{output.where}: output differs"


def test_every_output_block_belongs_to_a_python_block() -> None:
    owned = {output.where for _, output in RUNNABLE if output is not None}
    orphans = [b.where for b in BLOCKS if b.is_output and b.where not in owned]
    assert orphans == []


def test_the_harness_finds_python_blocks_in_the_readme_and_the_docs() -> None:
    places = {block.path.relative_to(ROOT).parts[0] for block in BLOCKS if block.language == RUN}
    assert places == {"README.md", "docs"}


# The snippets issue 19 found failing as printed, and where each lives now: each must
# stay a python block (so the harness runs it), not turn into text.
ISSUE_19_SNIPPETS = {
    "EmbeddedMotoServer + provision": ("docs/guides/local-stack.md", "EmbeddedMotoServer() as"),
    "adapters_from_env": ("docs/concepts/backends.md", "adapters.jobs.put(job)"),
    "build_adapters": ("docs/concepts/backends.md", "build_adapters(wait_time_seconds=0, clock="),
    "shared imports": ("docs/concepts/interop.md", 'QueueMessage("receipt-handle", body)'),
    "key builders": ("docs/concepts/interop.md", 'build_segment_key("job-7", 3, 12'),
    "option 1, env_config factories": ("docs/concepts/backends.md", "job_store_from_env()"),
    "option 2, explicit construction": ("docs/concepts/backends.md", 'SQSQueueReceiver("https://'),
    "the worker loop": ("docs/guides/worker-loop.md", "def reassemble("),
    "the logging worker": ("docs/concepts/interop.md", "class JsonFormatter"),
}


@pytest.mark.parametrize("name", sorted(ISSUE_19_SNIPPETS))
def test_the_snippets_issue_19_found_broken_are_run(name: str) -> None:
    page, text = ISSUE_19_SNIPPETS[name]
    runs = [b for b in BLOCKS if b.path == ROOT / page and b.language == RUN and text in b.code]
    assert len(runs) == 1, f"{name}: no python block in {page} holds {text!r}"


_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def test_the_readmes_relative_links_reach_a_file_and_heading() -> None:
    readme = ROOT / "README.md"
    broken = []
    for match in _LINK.finditer(readme.read_text(encoding="utf-8")):
        target = match["target"]
        if "://" in target:
            continue
        path, _, anchor = target.partition("#")
        file = ROOT / path
        if not file.is_file() or (anchor and anchor not in headings(file)):
            broken.append(target)
    assert broken == []


def headings(path: Path) -> set[str]:
    """The anchors mkdocs gives ``path``'s headings (python-markdown's toc slugify)."""
    text = path.read_text(encoding="utf-8")
    titles = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
    return {slugify(title.replace("`", ""), "-") for title in titles}


def test_every_pip_install_of_ours_says_where_the_wheels_are() -> None:
    """Nothing is published: installing our distributions needs the wheels' folder (or -e)."""
    unusable = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in documents()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "pip install" in line
        and "stereo-spot-" in line
        and "--find-links" not in line
        and " -e " not in line
    ]
    assert unusable == []
