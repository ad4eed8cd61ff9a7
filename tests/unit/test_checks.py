"""``_checks``: the argument checks every backend shares, at their boundaries, on both sides."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from stereo_spot_shared._checks import (
    MAX_ITEM_BYTES,
    MAX_KEY_BYTES,
    MAX_NUMBER_DIGITS,
    check_int,
    check_page_token,
    field_validator,
    item_size,
    require_bytes_key,
    require_int,
    require_model,
    require_str_key,
    storable_int,
    storable_record,
    to_number,
)
from stereo_spot_shared.errors import ArgumentTypeError, InvalidArgumentError, InvalidPageTokenError

LARGEST = (10**38 - 1) * 10**88  # 38 nines, then zeros: the largest DynamoDB number, < 1E126


def test_the_limits_are_dynamodbs() -> None:
    assert (MAX_KEY_BYTES, MAX_NUMBER_DIGITS, MAX_ITEM_BYTES) == (2048, 38, 409_600)


# --- require_str_key -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["k", "a" * 2048, "é" * 1024, "€" * 682 + "ab"])
def test_a_string_key_of_up_to_2048_utf8_bytes_is_accepted(value: str) -> None:
    assert require_str_key("job_id", value) is value


@pytest.mark.parametrize(("value", "size"), [("a" * 2049, 2049), ("é" * 1024 + "a", 2049)])
def test_a_string_key_over_2048_utf8_bytes_is_refused(value: str, size: int) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        require_str_key("job_id", value)
    assert str(raised.value) == f"job_id is {size} bytes of UTF-8; DynamoDB keys hold at most 2048"


def test_a_string_key_limit_can_be_lowered_for_sort_keys() -> None:
    assert require_str_key("sk", "a" * 1024, max_bytes=1024) == "a" * 1024
    with pytest.raises(InvalidArgumentError, match="sk is 1025 bytes of UTF-8; .* at most 1024"):
        require_str_key("sk", "a" * 1025, max_bytes=1024)


def test_a_string_key_must_be_a_non_empty_valid_str() -> None:
    with pytest.raises(ArgumentTypeError) as wrong_type:
        require_str_key("job_id", b"k")
    assert str(wrong_type.value) == "job_id must be a str, got bytes"
    with pytest.raises(InvalidArgumentError) as empty:
        require_str_key("job_id", "")
    assert str(empty.value) == "job_id must not be empty"
    with pytest.raises(InvalidArgumentError) as invalid:
        require_str_key("job_id", "ab\ud800")
    assert str(invalid.value) == "job_id is not valid Unicode (surrogates not allowed at index 2)"
    assert isinstance(invalid.value.__cause__, UnicodeEncodeError)


# --- require_bytes_key -----------------------------------------------------------------


@pytest.mark.parametrize("value", [b"\x00", b"k" * 2048])
def test_a_bytes_key_of_1_to_2048_bytes_is_accepted(value: bytes) -> None:
    assert require_bytes_key("blob", value) is value


def test_a_bytes_key_over_the_limit_is_refused() -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        require_bytes_key("blob", b"k" * 2049)
    assert str(raised.value) == "blob is 2049 bytes; DynamoDB keys hold at most 2048"
    assert require_bytes_key("sk", b"k" * 1024, max_bytes=1024) == b"k" * 1024
    with pytest.raises(
        InvalidArgumentError, match="sk is 1025 bytes; DynamoDB keys hold at most 1024"
    ):
        require_bytes_key("sk", b"k" * 1025, max_bytes=1024)


@pytest.mark.parametrize(
    ("value", "kind"), [("k", "str"), (bytearray(b"k"), "bytearray"), (1, "int")]
)
def test_a_bytes_key_must_be_bytes(value: object, kind: str) -> None:
    with pytest.raises(ArgumentTypeError) as raised:
        require_bytes_key("blob", value)
    assert str(raised.value) == f"blob must be bytes, got {kind}"


def test_a_bytes_key_must_not_be_empty() -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        require_bytes_key("blob", b"")
    assert str(raised.value) == "blob must not be empty"


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        0,
        10**38 - 1,  # 38 digits: the fast path's edge
        -(10**38 - 1),
        10**38,  # 39 digits, one significant
        -(10**38),
        (10**38 - 1) * 10,  # 38 significant digits above 1E38
        -(10**38 - 1) * 10,
        LARGEST,  # just below 1E126
        -LARGEST,
        10**125,
    ],
)
def test_numbers_dynamodb_stores_are_accepted(value: int) -> None:
    assert to_number("n", value) == str(value)
    assert storable_int("n", value) == value
    assert require_int("n", value) == value


@pytest.mark.parametrize("value", [10**38 + 1, -(10**38) - 1, LARGEST + 10**87, 10**126 - 1])
def test_more_than_38_significant_digits_are_refused(value: int) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        to_number("n", value)
    text = str(value)
    assert str(raised.value) == (
        f"n = {text[:12]}... has more than 38 significant digits, more than a DynamoDB number holds"
    )
    with pytest.raises(InvalidArgumentError, match=r"^total = .* significant digits"):
        storable_int("total", value)
    with pytest.raises(InvalidArgumentError, match=r"^count = .* significant digits"):
        require_int("count", value)


@pytest.mark.parametrize(
    "value", [10**126, -(10**126), 10**5000], ids=["1E126", "-1E126", "1E5000"]
)
def test_numbers_from_1e126_up_are_refused_without_formatting_them(value: int) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        to_number("n", value)
    assert str(raised.value) == (
        f"n has {value.bit_length()} bits, beyond the largest DynamoDB number (1E126)"
    )


@pytest.mark.parametrize(("value", "kind"), [(True, "bool"), (1.0, "float"), ("1", "str")])
def test_require_int_refuses_what_is_not_an_int(value: object, kind: str) -> None:
    with pytest.raises(ArgumentTypeError) as raised:
        require_int("count", value)
    assert str(raised.value) == f"count must be an int, got {kind}"


def test_require_int_minimum_is_inclusive() -> None:
    assert require_int("count", 3, minimum=3) == 3
    assert require_int("count", -5) == -5
    with pytest.raises(InvalidArgumentError) as raised:
        require_int("count", 2, minimum=3)
    assert str(raised.value) == "count must be at least 3, got 2"
    assert require_int("count", 0, minimum=0) == 0


def test_check_int_bounds_are_inclusive() -> None:
    check_int("n", 1, 1, 10)
    check_int("n", 10, 1, 10)
    with pytest.raises(InvalidArgumentError) as low:
        check_int("n", 0, 1, 10)
    assert str(low.value) == "n must be between 1 and 10, got 0"
    with pytest.raises(InvalidArgumentError) as high:
        check_int("n", 11, 1, 10, "SQS's limit")
    assert str(high.value) == "n must be between 1 and 10 (SQS's limit), got 11"


@pytest.mark.parametrize(("value", "kind"), [(True, "bool"), (2.0, "float")])
def test_check_int_refuses_what_is_not_an_int(value: object, kind: str) -> None:
    with pytest.raises(ArgumentTypeError) as raised:
        check_int("n", value, 1, 10)
    assert str(raised.value) == f"n must be an int, got {kind}"


# --- whole records: key sizes and the item size ---------------------------------------

KEYS = ("pk", "sk")


@pytest.mark.parametrize(
    "record",
    [
        {"pk": "a" * 2048, "sk": "b" * 1024},
        {"pk": b"a" * 2048, "sk": b"b" * 1024},
        {"pk": "a", "sk": 10**30},  # a number key has no byte limit of its own
    ],
    ids=["str keys at the limits", "bytes keys at the limits", "number sort key"],
)
def test_a_record_with_keys_at_their_limits_is_stored(record: dict[str, object]) -> None:
    assert storable_record(record, KEYS) is record


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"pk": "a" * 2049, "sk": "b"},
            "pk is 2049 bytes of UTF-8; DynamoDB keys hold at most 2048",
        ),
        (
            {"pk": "a", "sk": "b" * 1025},
            "sk is 1025 bytes of UTF-8; DynamoDB keys hold at most 1024",
        ),
        ({"pk": b"a" * 2049, "sk": "b"}, "pk is 2049 bytes; DynamoDB keys hold at most 2048"),
        ({"pk": "a", "sk": b"b" * 1025}, "sk is 1025 bytes; DynamoDB keys hold at most 1024"),
        ({"pk": "a", "sk": b""}, "sk must not be empty"),
        ({"pk": "", "sk": "b"}, "pk must not be empty"),
    ],
)
def test_a_key_over_its_limit_is_refused(record: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        storable_record(record, KEYS)
    assert str(raised.value) == message


def test_an_item_of_exactly_400_kb_is_stored_and_one_byte_more_is_refused() -> None:
    fits = {"pk": "k", "blob": b"x" * (MAX_ITEM_BYTES - len("pk") - 1 - len("blob"))}
    assert item_size(fits) == MAX_ITEM_BYTES
    assert storable_record(fits, ["pk"]) is fits
    over = {**fits, "blob": fits["blob"] + b"x"}  # type: ignore[operator]
    with pytest.raises(InvalidArgumentError) as raised:
        storable_record(over, ["pk"])
    assert str(raised.value) == (
        "item is 409601 bytes as DynamoDB counts them (attribute names plus values); "
        "a DynamoDB item holds at most 409600 (400 KB)"
    )


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("xyz", 3),
        ("é€", 5),  # UTF-8 bytes, not characters
        ("", 0),
        (b"12345", 5),
        (None, 1),
        (True, 1),
        (False, 1),
        (0, 2),  # "0": one digit
        (7, 2),
        (12, 2),  # one byte per two significant digits, plus one
        (123, 3),
        (1234, 3),
        (12345, 4),
        (-12, 2),  # the sign is not a digit
        (1000, 2),  # trailing zeros are dropped
        (10**38 - 1, 20),
        (Decimal("0.00120"), 2),  # leading and trailing zeros are dropped
        (Decimal("100.5"), 3),
        (Decimal(0), 2),
    ],
)
def test_each_value_counts_as_dynamodb_counts_it(value: object, size: int) -> None:
    assert item_size({"n": value}) == len("n") + size
    assert item_size({"név": value}) == len("név".encode()) + size  # the name's UTF-8 bytes


def test_item_size_sums_every_attribute() -> None:
    assert item_size({}) == 0
    assert item_size({"a": "xy", "bb": 12, "c": None}) == (1 + 2) + (2 + 2) + (1 + 1)


@pytest.mark.parametrize(("value", "kind"), [(1.5, "float"), ([1], "list"), ({"a": 1}, "dict")])
def test_a_value_dynamodb_cannot_store_is_a_type_error(value: object, kind: str) -> None:
    with pytest.raises(ArgumentTypeError) as raised:
        storable_record({"pk": "k", "extra": value}, ["pk"])
    assert str(raised.value) == f"extra holds a {kind}, which DynamoDB cannot store"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"pk": "k", "note": "a\ud800"},
            "note is not valid Unicode (surrogates not allowed at index 1)",
        ),
        (
            {"pk": "k", "a\ud800b": "x"},
            "a\ud800b is not valid Unicode (surrogates not allowed at index 1)",
        ),
    ],
    ids=["value", "attribute name"],
)
def test_an_invalid_unicode_value_or_name_is_refused(
    record: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        storable_record(record, ["pk"])
    assert str(raised.value) == message
    assert isinstance(raised.value.__cause__, UnicodeEncodeError)


# --- models and fields -----------------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"


class Item(BaseModel):
    count: Annotated[int, Field(ge=0)]
    colour: Colour = Colour.RED


def test_require_model() -> None:
    require_model("item", Item(count=1), Item)
    with pytest.raises(ArgumentTypeError) as raised:
        require_model("item", {"count": 1}, Item)
    assert str(raised.value) == "item must be a Item, got dict"


def test_a_field_is_validated_as_its_model_validates_it() -> None:
    validate = field_validator(Item, "count")
    assert validate(3) == 3
    with pytest.raises(InvalidArgumentError) as bad_value:
        validate(-1)
    assert str(bad_value.value) == (
        "count for Item: Input should be greater than or equal to 0 (got -1)"
    )
    assert bad_value.value.__cause__ is None and bad_value.value.__suppress_context__
    with pytest.raises(ArgumentTypeError) as wrong_type:
        validate([1])
    assert str(wrong_type.value) == "count for Item: Input should be a valid integer (got [1])"
    with pytest.raises(InvalidArgumentError, match="unable to parse string"):
        validate("many")  # the right type (lax mode parses strings), a bad value


def test_an_enum_field_tells_a_wrong_type_from_a_wrong_value() -> None:
    validate = field_validator(Item, "colour")
    assert validate("red") is Colour.RED
    with pytest.raises(InvalidArgumentError):
        validate("blue")
    with pytest.raises(ArgumentTypeError):
        validate(7)


def test_a_lazy_model_is_resolved_at_first_use_and_the_validator_built_once() -> None:
    resolved: list[str] = []

    def model() -> type[BaseModel]:
        resolved.append("Item")
        return Item

    validate = field_validator(model, "count")
    assert resolved == []
    assert validate(1) == 1 and validate(2) == 2
    with pytest.raises(InvalidArgumentError, match="count for Item"):
        validate(-1)
    assert resolved == ["Item", "Item", "Item"]


# --- page tokens -----------------------------------------------------------------------

TYPES = {"pk": "S", "sk": "N"}


def check(token: object) -> dict[str, str | int]:
    return check_page_token(token, TYPES, {"pk": "jobs"}, "Jobs.by_time")  # type: ignore[arg-type]


def test_a_page_token_a_listing_returned_is_accepted() -> None:
    assert check({"pk": "jobs", "sk": 12}) == {"pk": "jobs", "sk": 12}
    assert check({"pk": "jobs", "sk": LARGEST}) == {"pk": "jobs", "sk": LARGEST}


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (
            ["pk"],
            "page token for Jobs.by_time must be the mapping a previous call returned, got list",
        ),
        (
            {"pk": "jobs"},
            "page token for Jobs.by_time must have exactly the keys ['pk', 'sk'], got ['pk']",
        ),
        (
            {"pk": "jobs", "sk": 1, "x": 2},
            "page token for Jobs.by_time must have exactly the keys ['pk', 'sk'], "
            "got ['pk', 'sk', 'x']",
        ),
        ({"pk": "", "sk": 1}, "page token for Jobs.by_time: 'pk' must be a non-empty string"),
        ({"pk": 5, "sk": 1}, "page token for Jobs.by_time: 'pk' must be a non-empty string"),
        (
            {"pk": "other", "sk": 1},
            "page token for Jobs.by_time: 'pk' is 'other', this listing reads 'jobs'",
        ),
        ({"pk": "jobs", "sk": "1"}, "page token for Jobs.by_time: 'sk' must be an integer"),
        ({"pk": "jobs", "sk": True}, "page token for Jobs.by_time: 'sk' must be an integer"),
        (
            {"pk": "jobs" * 513, "sk": 1},
            "page token for Jobs.by_time: pk is 2052 bytes of UTF-8; DynamoDB keys hold at most 2048",
        ),
        (
            {"pk": "jo\ud800", "sk": 1},
            "page token for Jobs.by_time: pk is not valid Unicode "
            "(surrogates not allowed at index 2)",
        ),
        (
            {"pk": "jobs", "sk": 10**126},
            "page token for Jobs.by_time: sk has 419 bits, beyond the largest DynamoDB number (1E126)",
        ),
    ],
)
def test_a_forged_page_token_is_refused(token: object, message: str) -> None:
    with pytest.raises(InvalidPageTokenError) as raised:
        check(token)
    assert str(raised.value) == message


def test_a_string_attribute_not_fixed_by_the_listing_takes_any_value() -> None:
    token = {"pk": "a", "sk": "b"}
    types = {"pk": "S", "sk": "S"}
    assert check_page_token(token, types, {}, "L") == token  # type: ignore[arg-type]
