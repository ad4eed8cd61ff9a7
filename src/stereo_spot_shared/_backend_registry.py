"""Who registers each storage backend name, read straight from the installed metadata folders.

``importlib.metadata.entry_points()`` answers the same question, but importing
it (``email``, ``zipfile``, ``csv``, ...) and building an object per installed
distribution costs a service's every start tens of milliseconds. This reader
lists each ``sys.path`` folder (Python's import system has listed it already)
and opens only the ``entry_points.txt`` files there, one small read per
distribution that declares entry points; it parses only those that mention
``[stereo_spot.backends]``. The result is kept for the process and read again
only when ``sys.path`` or one of its folders changes (a package installed or
removed).

Where a ``sys.path`` entry is not a folder (a zip archive, an egg), this
reader cannot see inside it, so the lookup falls back to
``importlib.metadata`` for the whole answer. Either way every registration of
a name is reported, so two distributions claiming one name are never
resolved silently.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ENTRY_POINT_GROUP", "Registration", "registrations"]

ENTRY_POINT_GROUP = "stereo_spot.backends"
_GROUP_HEADER = f"[{ENTRY_POINT_GROUP}]"
_METADATA_SUFFIXES = (".dist-info", ".egg-info")
_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class Registration:
    """One distribution's entry point for one backend name."""

    name: str
    value: str
    """``module:attribute`` of the ``build_adapters`` function."""
    distribution: str
    """The registering distribution's normalized name (``stereo-spot-aws-adapters``)."""


_cache: tuple[object, dict[str, list[Registration]]] | None = None


def registrations() -> dict[str, list[Registration]]:
    """Every backend name any installed distribution registers, with each registration."""
    global _cache
    key = _path_fingerprint()
    if key is not None and _cache is not None and _cache[0] == key:
        return _cache[1]
    found = _from_folders(sys.path) if key is not None else _from_importlib_metadata()
    _cache = (key, found) if key is not None else None
    return found


def _path_fingerprint() -> tuple[tuple[str, int], ...] | None:
    """``sys.path`` with each folder's modification time; ``None`` when an entry is no folder.

    Installing or removing a distribution adds or removes a folder in a
    ``sys.path`` entry, which changes that entry's modification time.
    """
    fingerprint = []
    for entry in sys.path:
        try:
            status = os.stat(entry or ".")
        except OSError:
            continue  # a missing entry (python311.zip, most often) holds nothing
        if not stat.S_ISDIR(status.st_mode):
            return None
        fingerprint.append((entry, status.st_mtime_ns))
    return tuple(fingerprint)


def _normalized(distribution: str) -> str:
    return _SEPARATORS.sub("-", distribution).lower()


def _from_folders(path: Sequence[str]) -> dict[str, list[Registration]]:
    found: dict[str, list[Registration]] = {}
    seen: set[str] = set()
    for entry in path:
        folder = entry or "."
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if not name.endswith(_METADATA_SUFFIXES):
                continue
            distribution = _normalized(name.rsplit(".", 1)[0].split("-", 1)[0])
            if distribution in seen:
                continue  # the first on sys.path is the one Python imports
            seen.add(distribution)
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8") as file:
                    text = file.read()
            except OSError:
                continue  # no entry points (or no folder: an old single-file egg-info)
            if _GROUP_HEADER in text:
                for backend, value in _group_entries(text):
                    found.setdefault(backend, []).append(Registration(backend, value, distribution))
    return found


def _group_entries(text: str) -> list[tuple[str, str]]:
    """``(name, value)`` of each line in the backends section of an ``entry_points.txt``."""
    entries = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            inside = line == _GROUP_HEADER
            continue
        if inside and "=" in line:
            name, value = line.split("=", 1)
            entries.append((name.strip(), value.strip()))
    return entries


def _from_importlib_metadata() -> dict[str, list[Registration]]:
    from importlib.metadata import distributions

    found: dict[str, list[Registration]] = {}
    seen: set[str] = set()
    for dist in distributions():
        distribution = _normalized(dist.metadata["Name"] or "")
        if distribution in seen:
            continue
        seen.add(distribution)
        for entry in dist.entry_points.select(group=ENTRY_POINT_GROUP):
            found.setdefault(entry.name, []).append(
                Registration(entry.name, entry.value, distribution)
            )
    return found
