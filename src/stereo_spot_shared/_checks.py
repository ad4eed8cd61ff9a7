"""Argument checks every backend applies the same way, before any request.

The AWS adapters and the in-memory backend both call these, so a bad argument
raises the same exception with the same message whichever backend is wired in.
Cloud-agnostic: nothing here knows about an SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter, ValidationError

from .errors import InvalidPageTokenError

if TYPE_CHECKING:
    from pydantic import BaseModel

TokenType = Literal["S", "N"]
"""How a page-token attribute is typed: ``S`` a non-empty string, ``N`` an integer."""


def require_str_key(name: str, value: object) -> str:
    """A string key attribute: a non-empty ``str``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def require_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """An ``int`` (never a ``bool``), optionally bounded below."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def require_bytes_key(name: str, value: object) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"{name} must be bytes, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def require_model(name: str, value: object, model: type[BaseModel]) -> None:
    if not isinstance(value, model):
        raise TypeError(f"{name} must be a {model.__name__}, got {type(value).__name__}")


def field_validator(model: type[BaseModel], field: str) -> Callable[[object], Any]:
    """Validate one value exactly as ``model`` validates its ``field``.

    Used by generated ``update`` methods so a field updated alone obeys the
    same type and range rules as a whole model written by ``put``.
    """
    adapters: list[TypeAdapter[Any]] = []  # built on first use, not at import

    def validate(value: object) -> Any:
        if not adapters:
            adapters.append(TypeAdapter(model.model_fields[field].rebuild_annotation()))
        try:
            return adapters[0].validate_python(value)
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            message = f"{field} for {model.__name__}: {detail['msg']} (got {value!r})"
            # A wrong type is a TypeError; a right type with a bad value a ValueError.
            # pydantic reports any enum mismatch as "enum": a non-string is the wrong type.
            wrong_type = str(detail["type"]).endswith("_type") or (
                detail["type"] == "enum" and not isinstance(value, str)
            )
            raise (TypeError if wrong_type else ValueError)(message) from None

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
            if name in fixed and value != fixed[name]:
                raise InvalidPageTokenError(
                    f"page token for {listing}: {name!r} is {value!r}, this listing reads {fixed[name]!r}"
                )
        elif not isinstance(value, int) or isinstance(value, bool):
            raise InvalidPageTokenError(f"page token for {listing}: {name!r} must be an integer")
        values[name] = value
    return values
