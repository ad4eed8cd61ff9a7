"""Every allow-listed moto departure names a test that exists and checks AWS's behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.differential.allowlist import DEPARTURES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("key", sorted(DEPARTURES))
def test_each_departure_names_its_documentation_and_an_existing_test(key: tuple[str, str]) -> None:
    departure = DEPARTURES[key]
    assert departure.aws_documents and departure.moto_does
    path, _, test = departure.checked_by.partition("::")
    name = test.split(" ")[0]
    assert f"def {name}(" in (ROOT / path).read_text(), departure.checked_by
