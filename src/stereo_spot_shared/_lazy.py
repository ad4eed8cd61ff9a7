"""Package attributes imported on first use, so importing a package costs only what is used.

A package lists each public name with the module that defines it and installs
the pair this returns as its module-level ``__getattr__`` and ``__dir__``
(PEP 562). The first read of a name imports its module and stores the value in
the package's namespace, so later reads are plain attribute lookups. Packages
import the same names under ``TYPE_CHECKING`` so type checkers and editors see
them as ordinary imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_attributes(
    package: str, origins: Mapping[str, str], namespace: dict[str, Any], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    ``origins`` maps a name to the module it comes from (absolute, or relative
    to ``package`` with a leading dot); ``namespace`` is the package's
    ``globals()``; ``public`` its ``__all__``, which ``dir()`` lists.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's fixed name
        origin = origins.get(name)
        if origin is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(origin, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*namespace, *public})

    return __getattr__, __dir__


class LazyModule:
    """Stands for a module until an attribute is first read, then imports it.

    Each attribute read is kept on this object, so later reads cost what a
    plain attribute read costs. Generated adapters reach their models through
    one, so building an adapter does not import pydantic; the first read or
    write of a model does.
    """

    def __init__(self, name: str) -> None:
        self.__name = name

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            # Not a model name: copy, pickle and introspection probes must not import.
            raise AttributeError(attribute)
        value = getattr(importlib.import_module(self.__name), attribute)
        setattr(self, attribute, value)
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self.__name!r}>"
