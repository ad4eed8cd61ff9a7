"""The runtime the generated key layouts (``generated/keys.py``) call.

A key layout is declared once in the schema; the generator writes one builder
and one parser per layout, and both reduce to the few checks below. Builders
raise ``InvalidKeyError`` for values a layout cannot hold; parsers return
``None`` for anything that is not exactly the layout and never raise.

The text rule: a text field (a job id) is one path segment — non-empty and
without ``/`` — so no value can reach into another job's prefix. The models
hold job ids to the same rule (``models.KEY_SEGMENT_PATTERN``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ._object_checks import MAX_KEY_BYTES
from .errors import InvalidKeyError

ModelT = TypeVar("ModelT", bound=BaseModel)
EnumT = TypeVar("EnumT", bound=enum.Enum)

# A builder has no bucket; a model's URI field is checked with this one standing in.
_ANY_BUCKET = "bucket"


def _utf8_size(key: str) -> int | None:
    """The key's length in UTF-8 bytes; None if it is not valid Unicode (a lone surrogate)."""
    try:
        return len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return None


@dataclass(frozen=True)
class KeyLayout:
    """One object-key layout of a bucket, as declared in the schema.

    ``bucket`` is the schema's name for the bucket (``input``), not a deployed
    bucket name; ``prefix`` and ``suffix`` are what every key starts and ends
    with: the filters of the bucket's S3 notification for ``notify_queue``.
    """

    name: str
    bucket: str
    template: str
    pattern: re.Pattern[str]
    prefix: str
    suffix: str
    notify_queue: str | None
    description: str

    def match(self, key: object) -> re.Match[str] | None:
        """The fields of ``key`` if it has this layout's shape (not yet its one spelling).

        Text S3 could not store as a key never matches, which also keeps every
        number a parser converts far below Python's limit on int() of long digit strings.
        """
        if not isinstance(key, str):
            return None
        size = _utf8_size(key)
        if size is None or size > MAX_KEY_BYTES:
            return None
        return self.pattern.fullmatch(key)


def storable_key(key: str) -> str:
    """``key`` if S3 can store it: valid UTF-8 of at most ``MAX_KEY_BYTES`` bytes."""
    size = _utf8_size(key)
    if size is None:
        raise InvalidKeyError(f"key {key!r} is not valid UTF-8 (a lone surrogate)")
    if size > MAX_KEY_BYTES:
        raise InvalidKeyError(f"key is {size} bytes long; S3 keys are at most {MAX_KEY_BYTES}")
    return key


def key_text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value or "/" in value:
        raise InvalidKeyError(f"{field} must be a non-empty string without '/', got {value!r}")
    return value


def key_number(field: str, value: object, width: int) -> str:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidKeyError(f"{field} must be a non-negative int, got {value!r}")
    return str(value).zfill(width)


def key_enum(field: str, value: object, enum_type: type[EnumT]) -> str:
    try:
        return str(enum_type(value).value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise InvalidKeyError(f"{field} must be one of {allowed}, got {value!r}") from None


def object_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def check_model(
    model: type[BaseModel],
    key: str,
    values: Mapping[str, object],
    uri_field: str | None = None,
) -> None:
    """Raise ``InvalidKeyError`` unless ``values`` (and the key's URI) make a valid ``model``.

    So a builder only returns keys its parser accepts (``segment_index`` below
    ``total_segments``, for one).
    """
    data = dict(values)
    if uri_field is not None:
        data[uri_field] = object_uri(_ANY_BUCKET, key)
    try:
        model.model_validate(data)
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidKeyError(f"not a valid {model.__name__}: {reasons}") from error


def model_or_none(model: type[ModelT], values: Mapping[str, object]) -> ModelT | None:
    try:
        return model.model_validate(dict(values))
    except ValidationError:
        return None


__all__ = [
    "MAX_KEY_BYTES",
    "KeyLayout",
    "check_model",
    "key_enum",
    "key_number",
    "key_text",
    "model_or_none",
    "object_uri",
    "storable_key",
]
