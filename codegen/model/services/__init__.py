"""The resource kinds beyond tables, queues and buckets, one module each, found by name.

Every module here defines ``KIND``: a ``ServiceResource`` subclass whose
``kind`` (its schema section, ``[<kind>.<name>]``) is the module's name, and
whose ``build`` turns one parsed section into an instance. The kind holds
every fact about it: its schema fields, the consumer key that grants it, the
runtime adapters its factory may build, the operations they call and how IAM
limits them. Its factory's body is ``templates/services/<kind>.py.jinja``.
Adding a kind is adding a module and that template; nothing lists the kinds.
"""

from __future__ import annotations

import importlib
import pkgutil

from ...schema import ServiceSection
from ..types import ServiceResource

__all__ = ["SERVICE_KINDS", "ServiceResource", "service_sections"]


def _discover() -> dict[str, type[ServiceResource]]:
    found: dict[str, type[ServiceResource]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        kind = getattr(module, "KIND", None)
        if not (isinstance(kind, type) and issubclass(kind, ServiceResource)):
            raise TypeError(f"{module.__name__} defines no KIND (a ServiceResource subclass)")
        if kind.kind != module_info.name:
            raise TypeError(f"{module.__name__}.KIND is kind {kind.kind!r}: name them alike")
        found[kind.kind] = kind
    return found


SERVICE_KINDS: dict[str, type[ServiceResource]] = _discover()
"""Every service kind, by its schema section, in alphabetical order."""


def service_sections() -> dict[str, ServiceSection]:
    """What stage 1 needs of each kind: its section's fields and its consumer key."""
    return {
        name: ServiceSection(kind.schema_fields, kind.consumer_key, kind.consumer_description)
        for name, kind in SERVICE_KINDS.items()
    }
