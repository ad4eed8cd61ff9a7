"""Object-storage argument rules every backend applies the same way, before any request.

The AWS adapters and the in-memory backend both call these, so a bad argument
raises the same exception with the same message on either.
"""

from __future__ import annotations

import errno
import os
import re

from ._checks import check_int
from .errors import ArgumentTypeError, InvalidArgumentError

MAX_PRESIGN_SECONDS = 604_800
"""Seven days, the longest a SigV4 presigned URL can be valid."""

MAX_KEY_BYTES = 1024
"""S3's limit on the UTF-8 length of an object key."""

_BUCKET_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")


def check_object(bucket: str, key: str) -> None:
    check_bucket(bucket)
    check_key(key, what="key")


def check_bucket(bucket: str) -> None:
    if not isinstance(bucket, str):
        raise ArgumentTypeError(f"bucket must be a str, got {type(bucket).__name__}")
    if not bucket:
        raise InvalidArgumentError(
            "bucket is empty; pass the bucket name, e.g. from INPUT_BUCKET_NAME"
        )
    if _BUCKET_NAME.fullmatch(bucket) is None:
        raise InvalidArgumentError(
            f"bucket {bucket!r} is not a bucket name (letters, digits, '.', '-', '_'); pass "
            "the name alone and put any path in the key"
        )


def check_key(key: str, *, what: str) -> None:
    if not isinstance(key, str):
        raise ArgumentTypeError(f"{what} must be a str, got {type(key).__name__}")
    if not key:
        raise InvalidArgumentError(f"{what} is empty; S3 object keys need at least one character")
    index = _first_control_character(key)
    if index is not None:
        raise InvalidArgumentError(
            f"{what} {key!r} contains control character {key[index]!r} at index {index}; "
            "S3 keys here must not contain characters below U+0020 or U+007F"
        )
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(f"{what} {key!r} is not valid Unicode: {exc.reason}") from exc
    if size > MAX_KEY_BYTES:
        raise InvalidArgumentError(
            f"{what} is {size} bytes of UTF-8; S3 allows at most {MAX_KEY_BYTES}"
        )


def _first_control_character(text: str) -> int | None:
    return next(
        (index for index, char in enumerate(text) if ord(char) < 32 or ord(char) == 127), None
    )


def check_expiry(expires_in: int) -> None:
    if not isinstance(expires_in, int) or isinstance(expires_in, bool):
        raise ArgumentTypeError(f"expires_in must be an int, got {type(expires_in).__name__}")
    if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
        raise InvalidArgumentError(
            f"expires_in must be between 1 and {MAX_PRESIGN_SECONDS} seconds (7 days), "
            f"got {expires_in}"
        )


def check_header_value(name: str, value: str) -> None:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{name} is empty")
    index = _first_control_character(value)
    if index is not None:
        raise InvalidArgumentError(
            f"{name} {value!r} contains a control character at index {index}"
        )


def check_body(body: object) -> None:
    if not isinstance(body, bytes):
        raise ArgumentTypeError(f"body must be bytes, not {type(body).__name__}; encode text first")


def check_listing(bucket: str, prefix: str, page_size: int) -> None:
    check_bucket(bucket)
    if prefix:
        check_key(prefix, what="prefix")
    check_int("page_size", page_size, 1, 1000)


def check_upload_source(path: str | os.PathLike[str]) -> str:
    """The local file to upload, as a string path; missing files fail before any request."""
    filename = os.fspath(path)
    if not os.path.exists(filename):
        raise FileNotFoundError(errno.ENOENT, "local file to upload does not exist", filename)
    if os.path.isdir(filename):
        raise IsADirectoryError(errno.EISDIR, "cannot upload a directory", filename)
    return filename


def check_download_target(path: str | os.PathLike[str]) -> str:
    """The local file to download into; its directory must exist and it must not be one."""
    target = os.fspath(path)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "download target is a directory", target)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            errno.ENOENT, "directory to download into does not exist", directory
        )
    return target
