"""The access-pattern kinds, one module each, found by name.

Every module here defines ``KIND``: an ``AccessPattern``
subclass whose ``kind`` is the module's name. Adding a kind is adding a
module and its two templates (``templates/patterns/<kind>.py.jinja`` and
``templates/memory_patterns/<kind>.py.jinja``); nothing lists the kinds.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..types import AccessPattern, AttributeLookup, ModelLookup, TableContext

__all__ = ["KINDS", "AccessPattern", "AttributeLookup", "ModelLookup", "TableContext"]


def _discover() -> dict[str, type[AccessPattern]]:
    found: dict[str, type[AccessPattern]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        kind = getattr(module, "KIND", None)
        if not (isinstance(kind, type) and issubclass(kind, AccessPattern)):
            raise TypeError(f"{module.__name__} defines no KIND (an AccessPattern subclass)")
        if kind.kind != module_info.name:
            raise TypeError(f"{module.__name__}.KIND is kind {kind.kind!r}: name them alike")
        found[kind.kind] = kind
    return found


KINDS: dict[str, type[AccessPattern]] = _discover()
"""Every kind, by its schema name, in alphabetical order."""
