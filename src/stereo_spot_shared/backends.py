"""Choose a storage backend at run time: ``STORAGE_ADAPTER=aws|memory``.

Backends are found through the ``stereo_spot.backends`` entry-point group, the
way Python plugins are found, so these shared types never import cloud code:
``aws`` comes from the ``stereo-spot-aws-adapters`` distribution, ``memory``
from this one, and another cloud's package plugs in by declaring its own entry
point. Each entry point names a ``build_adapters(*, wait_time_seconds=None)``
function that returns the generated ``Adapters`` bundle.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ._backend_registry import ENTRY_POINT_GROUP, Registration, registrations
from .errors import DuplicateBackendError, UnknownBackendError
from .generated.adapters import Adapters

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

STORAGE_ADAPTER = "STORAGE_ADAPTER"
"""The environment variable naming the backend."""
DEFAULT_BACKEND = "aws"
"""What an unset ``STORAGE_ADAPTER`` means, as the services have always assumed."""

BackendFactory = Callable[..., Adapters]


def installed_backends() -> dict[str, EntryPoint]:
    """Every backend an installed distribution registers, by name (``importlib.metadata``'s view)."""
    from importlib.metadata import entry_points

    return {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}


def selected_backend(environ: Mapping[str, str] | None = None) -> str:
    """The backend ``STORAGE_ADAPTER`` names (``aws`` when unset or blank), lower-cased."""
    value = (os.environ if environ is None else environ).get(STORAGE_ADAPTER, "")
    return value.strip().lower() or DEFAULT_BACKEND


def adapters_from_env(
    *, backend: str | None = None, wait_time_seconds: int | None = None
) -> Adapters:
    """Every adapter the schema declares, from the backend ``$STORAGE_ADAPTER`` names.

    ``backend`` overrides the variable. The ``aws`` backend reads its resource
    names from the environment and raises one ``MissingConfigurationError``
    naming every missing variable; ``memory`` needs nothing and returns a new,
    empty backend on each call. ``wait_time_seconds`` overrides every
    receiver's long-poll wait. An unknown name raises ``UnknownBackendError``
    listing the installed backends; a name two installed distributions
    register raises ``DuplicateBackendError`` naming both.
    """
    name = selected_backend() if backend is None else backend.strip().lower()
    source = "backend" if backend is not None else f"{STORAGE_ADAPTER}={name!r}"
    registered = registrations()
    claims = registered.get(name, [])
    if not claims:
        installed = ", ".join(sorted(registered)) or "none"
        raise UnknownBackendError(
            f"{source}: no storage backend {name!r} is installed (installed: {installed}); "
            f"set {STORAGE_ADAPTER} to one of them, or install the package that provides it",
            name,
            sorted(registered),
        )
    if len(claims) > 1:
        described = ", ".join(f"{c.distribution} ({c.value})" for c in claims)
        raise DuplicateBackendError(
            f"{source}: backend {name!r} is registered by {len(claims)} installed "
            f"distributions: {described}; none is chosen, uninstall the one not meant",
            name,
            [claim.distribution for claim in claims],
        )
    (claim,) = claims
    factory = _load(claim)
    adapters = factory(wait_time_seconds=wait_time_seconds)
    if not isinstance(adapters, Adapters):
        raise TypeError(
            f"backend {name!r} ({claim.value}) returned {type(adapters).__name__}, not Adapters"
        )
    return adapters


def _load(claim: Registration) -> BackendFactory:
    """What ``EntryPoint.load()`` returns for ``module:attribute [extras]``."""
    target = claim.value.split("[", 1)[0].strip()
    module_name, _, attributes = target.partition(":")
    value: object = importlib.import_module(module_name.strip())
    for attribute in filter(None, attributes.strip().split(".")):
        value = getattr(value, attribute)
    factory: BackendFactory = value  # type: ignore[assignment]
    return factory


__all__ = [
    "DEFAULT_BACKEND",
    "ENTRY_POINT_GROUP",
    "STORAGE_ADAPTER",
    "Adapters",
    "adapters_from_env",
    "installed_backends",
    "selected_backend",
]
