"""User message attributes: what a queue message may carry beside its body.

A value's Python type picks its kind: ``str`` is a String, ``bytes`` a Binary,
``int``/``float``/``Decimal`` a Number. The rules are SQS's, checked here so
that every backend refuses the same attributes before sending anything:

- at most 10 attributes per message, counting those the backend adds itself;
- names of 1-256 characters from ``A-Z a-z 0-9 _ - .``, not starting or ending
  with ``.``, without ``..``, and not starting with ``AWS.`` or ``Amazon.``
  (any case), which are reserved;
- values not empty; strings only of the characters a message body may hold;
  numbers finite, with at most 38 significant digits, between -10**126 and
  10**126, and no smaller in magnitude than 10**-128 unless zero.

Each attribute counts towards the message size limit: its name, its kind's
name and its value (UTF-8 for strings and numbers, raw bytes for binary).
A received Number comes back as ``int`` when it is integral, else ``Decimal``
(``as_received``), on every backend: a ``float`` never comes back.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation

from .errors import ArgumentTypeError, InvalidArgumentError

MessageAttributeValue = str | bytes | int | float | Decimal
"""One message attribute's value; its type decides whether it travels as a String,
Binary or Number."""

MAX_MESSAGE_ATTRIBUTES = 10
"""SQS's limit on message attributes per message, including the backend's own."""

MAX_ATTRIBUTE_NAME_LENGTH = 256
RESERVED_PREFIXES = ("aws.", "amazon.")
MAX_NUMBER_DIGITS = 38

_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
# The characters SQS accepts in bodies and strings (XML 1.0 Char production), as
# a pattern compiled on first use: the astral-plane range costs ~15 ms to compile.
NOT_SQS_CHARACTER = "[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def data_type(value: MessageAttributeValue) -> str:
    """The attribute kind a value travels as: ``String``, ``Binary`` or ``Number``."""
    if isinstance(value, str):
        return "String"
    if isinstance(value, bytes):
        return "Binary"
    return "Number"


def number_text(value: int | float | Decimal) -> str:
    """A Number's text, in plain notation (``1.5``, ``-20``, ``0.000001``)."""
    number = _decimal(value)
    return format(number, "f") if number != number.to_integral_value() else str(int(number))


def _decimal(value: int | float | Decimal) -> Decimal:
    """A Number's exact value; a float goes through its shortest repr (``0.1``, not 0.1000000000000000055...)."""
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def check_attributes(
    attributes: Mapping[str, MessageAttributeValue] | None,
    *,
    reserved_names: Collection[str] = (),
    slots_taken: int = 0,
) -> dict[str, MessageAttributeValue]:
    """Validate user attributes; return them as a new dict (empty for ``None``).

    ``reserved_names`` are names the backend uses itself and ``slots_taken``
    how many attributes it adds to every message. Raises ``ArgumentTypeError``
    (a ``TypeError``) for a value of another type and ``InvalidArgumentError``
    (a ``ValueError``) for anything else SQS would refuse.
    """
    if attributes is None:
        return {}
    if not isinstance(attributes, Mapping):
        raise ArgumentTypeError(
            f"attributes must be a mapping of name to value, not {type(attributes).__name__}"
        )
    allowed = MAX_MESSAGE_ATTRIBUTES - slots_taken
    if len(attributes) > allowed:
        raise InvalidArgumentError(
            f"{len(attributes)} message attributes given; a message carries at most "
            f"{MAX_MESSAGE_ATTRIBUTES}, of which this backend uses {slots_taken}, so at most {allowed}"
        )
    checked: dict[str, MessageAttributeValue] = {}
    for name, value in attributes.items():
        _check_name(name, reserved_names)
        _check_value(name, value)
        checked[name] = as_received(value)
    return checked


def as_received(value: MessageAttributeValue) -> MessageAttributeValue:
    """``value`` as a receiver gets it back: a Number as ``int`` when integral, else ``Decimal``.

    SQS keeps a Number as text, so ``Decimal("2.0")`` and ``2.0`` come back as
    ``2`` and ``1e20`` as ``100000000000000000000``. Every backend hands
    receivers this value, never the sender's ``float``.
    """
    if isinstance(value, (str, bytes)):
        return value
    return parse_number(number_text(value))


def attribute_size(name: str, value: MessageAttributeValue) -> int:
    """Bytes an attribute adds to a message's size: name, kind and value."""
    if isinstance(value, bytes):
        payload = len(value)
    elif isinstance(value, str):
        payload = len(value.encode("utf-8"))
    else:
        payload = len(number_text(value))
    return len(name.encode("utf-8")) + len(data_type(value)) + payload


def parse_number(text: str) -> int | Decimal:
    """A received Number: ``int`` when integral, else the exact ``Decimal``."""
    number = Decimal(text)
    if number == number.to_integral_value() and "e" not in text.lower():
        return int(number)
    return number


def _check_name(name: object, reserved_names: Collection[str]) -> None:
    if not isinstance(name, str):
        raise ArgumentTypeError(f"message attribute names must be str, not {type(name).__name__}")
    if not 1 <= len(name) <= MAX_ATTRIBUTE_NAME_LENGTH or not _NAME.fullmatch(name):
        raise InvalidArgumentError(
            f"message attribute name {name!r} must be 1-{MAX_ATTRIBUTE_NAME_LENGTH} characters "
            "from A-Z, a-z, 0-9, '_', '-' and '.'"
        )
    if name.startswith(".") or name.endswith(".") or ".." in name:
        raise InvalidArgumentError(
            f"message attribute name {name!r} must not start or end with '.' or contain '..'"
        )
    if name.lower().startswith(RESERVED_PREFIXES) or name in reserved_names:
        raise InvalidArgumentError(
            f"message attribute name {name!r} is reserved (names starting with 'AWS.' or "
            f"'Amazon.', and {sorted(reserved_names)})"
        )


def _check_value(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, bytes, int, float, Decimal)):
        raise ArgumentTypeError(
            f"message attribute {name!r} must be str, bytes, int, float or Decimal, "
            f"not {type(value).__name__}"
        )
    if isinstance(value, (str, bytes)):
        if not value:
            raise InvalidArgumentError(
                f"message attribute {name!r} is empty; SQS refuses empty values"
            )
        if isinstance(value, str):
            bad = re.search(NOT_SQS_CHARACTER, value)
            if bad is not None:
                raise InvalidArgumentError(
                    f"message attribute {name!r} contains U+{ord(bad.group()):04X}, which SQS "
                    "does not accept; send it as bytes"
                )
        return
    try:
        number = _decimal(value)
    except InvalidOperation:  # pragma: no cover - every int, float and Decimal converts
        raise InvalidArgumentError(
            f"message attribute {name!r} is not a number: {value!r}"
        ) from None
    if not number.is_finite():
        raise InvalidArgumentError(
            f"message attribute {name!r} must be a finite number, got {value!r}"
        )
    # Significant digits, counted exactly (normalize() would round to 28).
    digits = len("".join(map(str, number.as_tuple().digits)).strip("0")) or 1
    if digits > MAX_NUMBER_DIGITS:
        raise InvalidArgumentError(
            f"message attribute {name!r} has {digits} significant digits; SQS keeps at most "
            f"{MAX_NUMBER_DIGITS}"
        )
    magnitude = abs(number)
    if magnitude >= Decimal(10) ** 126 or (magnitude and magnitude < Decimal(10) ** -128):
        raise InvalidArgumentError(
            f"message attribute {name!r} is out of SQS's range (10**-128 to 10**126): {value!r}"
        )


__all__ = [
    "MAX_MESSAGE_ATTRIBUTES",
    "MessageAttributeValue",
    "as_received",
    "attribute_size",
    "check_attributes",
    "data_type",
    "number_text",
    "parse_number",
]
