"""The drift examples in docs/guides/drift.md are what the drift check prints today."""

from __future__ import annotations

import pytest

from tests.docs.drift_examples import EXAMPLES, PAGE, page_blocks, run


def test_every_marked_block_is_a_known_example_and_back() -> None:
    assert set(page_blocks(PAGE.read_text(encoding="utf-8"))) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_drift_example_matches_the_check(name: str) -> None:
    shown = page_blocks(PAGE.read_text(encoding="utf-8"))[name]
    assert shown == run(name), "docs/guides/drift.md is stale: run `make goldens`"
