"""Property tests draw the same examples on every run unless asked otherwise."""

from __future__ import annotations

import os

from hypothesis import settings

from tests.codegen.test_schema_fuzz import FUZZ


def test_property_tests_are_reproducible_unless_exploring() -> None:
    exploring = os.environ.get("HYPOTHESIS_PROFILE") == "explore"
    assert settings.default.derandomize is not exploring
    assert settings.default.database is None
    # The schema fuzzer's own settings inherit the profile, not a random seed.
    assert FUZZ.derandomize is not exploring
