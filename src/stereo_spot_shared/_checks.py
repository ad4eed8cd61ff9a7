"""Argument checks every backend applies the same way, before any request.

The AWS adapters and the in-memory backend both call these, so a bad argument
raises the same exception with the same message whichever backend is wired in.
Cloud-agnostic: nothing here knows about an SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, cast

from .errors import ArgumentTypeError, InvalidArgumentError, InvalidPageTokenError

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

ModelReference = Callable[[], "type[BaseModel]"]
"""Returns a model class when first needed, so a module can name one without importing pydantic."""

TokenType = Literal["S", "N"]
"""How a page-token attribute is typed: ``S`` a non-empty string, ``N`` an integer."""


class ModelFields(dict[str, object]):
    """A model's own fields with plain values, as the generated readers build them.

    The models convert a raw stored item before validating it (``Decimal``
    numbers to ``int``, storage-only attributes dropped); a ``ModelFields`` has
    nothing to convert, so the models validate it as it is, and that step
    (most of a read's cost outside pydantic) is skipped on every read.
    """

    __slots__ = ()


MAX_KEY_BYTES = 2048
"""DynamoDB's limit on the UTF-8 size of a partition key value (sort keys: 1024)."""

MAX_RANGE_KEY_BYTES = 1024
"""DynamoDB's limit on the UTF-8 size of a sort key value."""

MAX_ITEM_BYTES = 409_600
"""DynamoDB's 400 KB item limit: attribute names plus values, counted as ``item_size`` does."""

MAX_NUMBER_DIGITS = 38
"""DynamoDB numbers keep at most 38 significant digits; an int needing more is rejected."""

_NUMBER_MAGNITUDE_LIMIT = 10**126  # DynamoDB numbers are below 1E126
_ALWAYS_STORABLE = 10**MAX_NUMBER_DIGITS  # below this an int has at most 38 digits in all


def require_str_key(name: str, value: object, *, max_bytes: int = MAX_KEY_BYTES) -> str:
    """A string key attribute: a non-empty ``str`` of at most ``max_bytes`` UTF-8 bytes."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{name} must not be empty")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise InvalidArgumentError(
            f"{name} is not valid Unicode ({error.reason} at index {error.start})"
        ) from error
    if size > max_bytes:
        raise InvalidArgumentError(
            f"{name} is {size} bytes of UTF-8; DynamoDB keys hold at most {max_bytes}"
        )
    return value


def require_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """An ``int`` (never a ``bool``) DynamoDB can store, optionally bounded below."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{name} must be at least {minimum}, got {value}")
    to_number(name, value)
    return value


def to_number(name: str, value: int) -> str:
    """``value`` as a DynamoDB ``N`` string; more than 38 significant digits is refused."""
    if -_ALWAYS_STORABLE < value < _ALWAYS_STORABLE:
        return str(value)  # every write converts its ints here: skip the digit count
    # Checked before str(): Python refuses to format ints of over 4300 digits.
    if abs(value) >= _NUMBER_MAGNITUDE_LIMIT:
        raise InvalidArgumentError(
            f"{name} has {value.bit_length()} bits, beyond the largest DynamoDB number (1E126)"
        )
    text = str(value)
    if len(text.lstrip("-").rstrip("0")) > MAX_NUMBER_DIGITS:
        raise InvalidArgumentError(
            f"{name} = {text[:12]}... has more than {MAX_NUMBER_DIGITS} significant digits, "
            "more than a DynamoDB number holds"
        )
    return text


def check_int(name: str, value: object, low: int, high: int, note: str = "") -> None:
    """An ``int`` (never a ``bool`` or ``float``) in ``[low, high]``, before any request."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        detail = f" ({note})" if note else ""
        raise InvalidArgumentError(f"{name} must be between {low} and {high}{detail}, got {value}")


def storable_int(name: str, value: int) -> int:
    """``value`` if a DynamoDB number can hold it (``to_number``'s rule), for backends that keep ints."""
    to_number(name, value)
    return value


def storable_record(record: Mapping[str, object], key_names: Sequence[str]) -> Mapping[str, object]:
    """``record`` (plain values) if DynamoDB would store it; else ``InvalidArgumentError``.

    Checked before any request, the same on every backend: the partition key
    (``key_names[0]``) holds at most 2,048 bytes and the sort key at most
    1,024, every string is valid Unicode, and the item is at most 400 KB as
    DynamoDB counts it (``item_size``).
    """
    for position, name in enumerate(key_names):
        limit = MAX_KEY_BYTES if position == 0 else MAX_RANGE_KEY_BYTES
        value = record[name]
        if isinstance(value, str):
            require_str_key(name, value, max_bytes=limit)
        elif isinstance(value, bytes):
            require_bytes_key(name, value, max_bytes=limit)
    size = item_size(record)
    if size > MAX_ITEM_BYTES:
        raise InvalidArgumentError(
            f"item is {size} bytes as DynamoDB counts them (attribute names plus values); "
            f"a DynamoDB item holds at most {MAX_ITEM_BYTES} (400 KB)"
        )
    return record


def fits_uncounted(
    bounded_bytes: int, keys: tuple[object, ...], values: tuple[object, ...]
) -> bool:
    """Whether an item surely passes ``storable_record``, without counting it.

    Every write checks its item; counting each character costs more than the
    rest of the write, and almost every item is far below every limit. So a
    write first adds this bound and counts exactly (``storable_record``) only
    when it returns ``False``. ``bounded_bytes`` is what the schema bounds: the
    attribute names, each number at its largest (38 digits: 20 bytes), fixed
    markers. ``keys`` are the item's string and binary key values, ``values``
    its other string and binary values (``None`` when absent). ASCII text is
    valid Unicode and as many UTF-8 bytes as characters, so its length is its
    exact size. ``False`` for any other text or type, an empty key or one over
    the smaller key limit (1,024 bytes), or a total over the item limit.
    """
    size = bounded_bytes
    for key in keys:
        if not ((type(key) is str and key.isascii()) or type(key) is bytes) or not (
            0 < len(key) <= MAX_RANGE_KEY_BYTES
        ):
            return False
        size += len(key)
    for value in values:
        if value is not None:
            if not ((type(value) is str and value.isascii()) or type(value) is bytes):
                return False
            size += len(value)
    return size <= MAX_ITEM_BYTES


def item_size(record: Mapping[str, object]) -> int:
    """An item's size as DynamoDB counts it: each attribute's UTF-8 name plus its value.

    A string counts its UTF-8 bytes, binary its bytes, a boolean or null one
    byte, a number one byte per two significant digits plus one (leading and
    trailing zeros dropped), as the DynamoDB Developer Guide ("Item sizes and
    formats") gives it.
    """
    return sum(_utf8_bytes(name, name) + _value_size(name, value) for name, value in record.items())


def _value_size(name: str, value: object) -> int:
    if isinstance(value, str):
        return _utf8_bytes(name, value)
    if isinstance(value, bytes):
        return len(value)
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
        digits = "".join(map(str, number.as_tuple().digits)).strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    raise ArgumentTypeError(f"{name} holds a {type(value).__name__}, which DynamoDB cannot store")


def _utf8_bytes(name: str, text: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise InvalidArgumentError(
            f"{name} is not valid Unicode ({error.reason} at index {error.start})"
        ) from error


def require_bytes_key(name: str, value: object, *, max_bytes: int = MAX_KEY_BYTES) -> bytes:
    if not isinstance(value, bytes):
        raise ArgumentTypeError(f"{name} must be bytes, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{name} must not be empty")
    if len(value) > max_bytes:
        raise InvalidArgumentError(
            f"{name} is {len(value)} bytes; DynamoDB keys hold at most {max_bytes}"
        )
    return value


def require_model(name: str, value: object, model: type[BaseModel]) -> None:
    if not isinstance(value, model):
        raise ArgumentTypeError(f"{name} must be a {model.__name__}, got {type(value).__name__}")


def field_validator(model: type[BaseModel] | ModelReference, field: str) -> Callable[[object], Any]:
    """Validate one value exactly as ``model`` validates its ``field``.

    Used by generated ``update`` methods so a field updated alone obeys the
    same type and range rules as a whole model written by ``put``. ``model``
    is the class, or a function returning it: then neither the class nor
    pydantic is imported before the first value is checked.
    """
    adapters: list[TypeAdapter[Any]] = []  # built on first use, not at import

    def validate(value: object) -> Any:
        from pydantic import TypeAdapter, ValidationError  # first use: not at import

        # pragma: no mutate start (cast's type string is for mypy only: its mutants are equivalent)
        cls = cast("type[BaseModel]", model) if isinstance(model, type) else model()
        # pragma: no mutate end
        if not adapters:
            adapters.append(TypeAdapter(cls.model_fields[field].rebuild_annotation()))
        try:
            return adapters[0].validate_python(value)
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            message = f"{field} for {cls.__name__}: {detail['msg']} (got {value!r})"
            # A wrong type is a TypeError; a right type with a bad value a ValueError.
            # pydantic reports any enum mismatch as "enum": a non-string is the wrong type.
            wrong_type = str(detail["type"]).endswith("_type") or (
                detail["type"] == "enum" and not isinstance(value, str)
            )
            raise (ArgumentTypeError if wrong_type else InvalidArgumentError)(message) from None

    return validate


def check_page_token(
    token: object,
    attribute_types: Mapping[str, TokenType],
    fixed: Mapping[str, str],
    listing: str,
) -> dict[str, str | int]:
    """Check a token a caller handed back; return its values by attribute.

    The token must have exactly the attributes this listing's keys have, with
    their types, and the fixed partition value: anything else was forged,
    truncated, or belongs to another listing.
    """
    if not isinstance(token, Mapping):
        raise InvalidPageTokenError(
            f"page token for {listing} must be the mapping a previous call returned, "
            f"got {type(token).__name__}"
        )
    if set(token) != set(attribute_types):
        raise InvalidPageTokenError(
            f"page token for {listing} must have exactly the keys {sorted(attribute_types)}, "
            f"got {sorted(map(str, token))}"
        )
    values: dict[str, str | int] = {}
    for name, kind in attribute_types.items():
        value = token[name]
        if kind == "S":
            if not isinstance(value, str) or not value:
                raise InvalidPageTokenError(
                    f"page token for {listing}: {name!r} must be a non-empty string"
                )
            try:
                require_str_key(name, value)
            except InvalidArgumentError as error:
                # A lone surrogate or an over-long key: no listing ever returned it.
                raise InvalidPageTokenError(f"page token for {listing}: {error}") from error
            if name in fixed and value != fixed[name]:
                raise InvalidPageTokenError(
                    f"page token for {listing}: {name!r} is {value!r}, this listing reads {fixed[name]!r}"
                )
        else:
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidPageTokenError(
                    f"page token for {listing}: {name!r} must be an integer"
                )
            try:
                to_number(name, value)
            except InvalidArgumentError as error:
                raise InvalidPageTokenError(f"page token for {listing}: {error}") from error
        values[name] = value
    return values
