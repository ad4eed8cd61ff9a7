"""The Python side of the schema: the modules it names (its models, its errors).

``build`` asks this module whether a model exists; ``pytypes`` says which
type one of its fields has.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

from pydantic import BaseModel

from ..schema import Problem
from . import types as m


def import_module(
    name: str, python_path: Path, schema_path: str, problems: list[Problem]
) -> types.ModuleType | None:
    """Import a module the schema names (from ``python_path`` first); a failure is a problem."""
    path = str(python_path)
    added = path not in sys.path
    if added:
        sys.path.insert(0, path)
    try:
        return importlib.import_module(name)
    except ImportError as error:
        problems.append(Problem(schema_path, f"cannot import {name!r}: {_first_line(error)}"))
    except (Exception, SystemExit) as error:  # the module's own code failed while importing
        problems.append(
            Problem(
                schema_path,
                f"importing {name!r} raised {type(error).__name__}: {_first_line(error)}",
            )
        )
    finally:
        if added:
            sys.path.remove(path)
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


class ModelCatalog:
    """Imports the models module once and answers questions about its classes."""

    def __init__(self, generator: m.GeneratorSpec, problems: list[Problem]) -> None:
        self.name = generator.models_module
        self.module = import_module(
            generator.models_module, generator.python_path, "generator.models_module", problems
        )
        if self.module is None:
            return
        origin = Path(self.module.__file__ or "").resolve()
        if not origin.is_relative_to(generator.python_path):
            # Another schema (or the environment) already imported a module of
            # this name from elsewhere; its classes are not the ones meant here.
            problems.append(
                Problem(
                    "generator.models_module",
                    f"{self.name!r} is already imported from another location, not from python_path",
                )
            )
            self.module = None

    def model(self, name: str, path: str, problems: list[Problem]) -> type[BaseModel] | None:
        if self.module is None:
            return None
        found = getattr(self.module, name, None)
        if not (isinstance(found, type) and issubclass(found, BaseModel)):
            problems.append(Problem(path, f"{self.name} has no pydantic model {name!r}"))
            return None
        return found

    def exports(self, cls: type) -> bool:
        return self.module is not None and getattr(self.module, cls.__name__, None) is cls
