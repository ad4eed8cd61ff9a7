"""What a write measures of its item (``fits_uncounted``) and what the schema bounds."""

from __future__ import annotations

from types import SimpleNamespace

from codegen.model.types import MAX_NUMBER_BYTES, AttributeSpec
from stereo_spot_shared._checks import MAX_NUMBER_DIGITS, item_size


def _measured(attr: AttributeSpec, item: dict[str, object], model: object) -> object:
    return eval(attr.measured_value("model"), {}, {"item": item, "model": model})


def test_a_number_counts_at_most_max_number_bytes() -> None:
    largest = 10**MAX_NUMBER_DIGITS - 1
    assert item_size({"": largest}) == MAX_NUMBER_BYTES == 20


def test_text_and_binary_are_read_from_the_model_and_an_enum_from_the_item() -> None:
    text = AttributeSpec("note", "S", "str", "str", True, "t.note")
    data = AttributeSpec("blob", "B", "bytes", "bytes", False, "t.blob")
    required = AttributeSpec("mode", "S", "enum", "Mode", False, "t.mode")
    optional = AttributeSpec("state", "S", "enum", "State", True, "t.state")
    model = SimpleNamespace(note=None, blob=b"xy", mode="ignored", state="ignored")
    item: dict[str, object] = {"mode": {"S": "sbs"}}
    assert _measured(text, item, model) is None
    assert _measured(data, item, model) == b"xy"
    assert _measured(required, item, model) == "sbs"
    assert _measured(optional, item, model) is None
    assert _measured(optional, {**item, "state": {"S": "done"}}, model) == "done"
