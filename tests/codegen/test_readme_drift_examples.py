"""The drift examples in the README are what the drift check prints today."""

from __future__ import annotations

import pytest

from tests.readme_drift_examples import EXAMPLES, README, readme_blocks, run


def test_every_marked_readme_block_is_a_known_example_and_back() -> None:
    assert set(readme_blocks(README.read_text(encoding="utf-8"))) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_readme_drift_example_matches_the_check(name: str) -> None:
    shown = readme_blocks(README.read_text(encoding="utf-8"))[name]
    assert shown == run(name), "README is stale: run `make goldens`"
