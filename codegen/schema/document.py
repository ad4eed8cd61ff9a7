"""Stage 1: read the schema file (TOML) into plain data, keeping its text for line numbers."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from .errors import Problem, SchemaError


@dataclass(frozen=True)
class SchemaDocument:
    """A parsed schema file: its data for ``build``, its text for locating problems."""

    data: dict[str, Any]
    text: str


def load(path: Path, display_name: str) -> SchemaDocument:
    """Parse ``path``; anything that is not a readable UTF-8 TOML file is a ``SchemaError``."""

    def fail(message: str) -> SchemaError:
        return SchemaError(display_name, [Problem("", message)])

    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise fail("is a directory, not a schema file")
        if not stat.S_ISREG(mode):
            # A device or a pipe could block or never end.
            raise fail("is not a regular file")
        text = path.read_bytes().decode("utf-8")
        return SchemaDocument(tomllib.loads(text), text)
    except FileNotFoundError:
        raise fail("file not found") from None
    except OSError as error:
        raise fail(f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise fail(f"is not UTF-8 (byte {error.start}: {error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise fail(f"invalid TOML: {error}") from None
