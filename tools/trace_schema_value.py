"""Follow one schema value from the TOML to the built model, and count how often the
builders go back into stage 1 (docs/concepts/architecture.md, "The border").

    PYTHONPATH=. .venv/bin/python tools/trace_schema_value.py tables.jobs.indexes.0 [schema/stereo_spot.toml] [-v]

Every codegen call that takes the value, or an object built from it (taint follows
return values), is recorded with its call stack, until a ``TableSpec`` holding it is
built or ``load_schema`` returns. Printed: the modules on those stacks, the distinct
entries into ``schema/validate.py``, and how many of them start inside a builder of
``codegen/model/`` (other than ``schema_file.load_schema``, which drives both stages).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import tomllib

_SCALARS = (str, int, float, bool, bytes, type(None))
_SHARED = ("Problem", "ModelCatalog", "AttributeLookup", "TableContext")  # not the value's


def _children(obj: object) -> list[object] | None:
    if isinstance(obj, _SCALARS) or type(obj).__name__ in _SHARED:
        return None
    if isinstance(obj, dict):
        return list(obj.values()) if obj else None
    if isinstance(obj, (list, tuple)):
        return list(obj) if obj else None
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [getattr(obj, f.name, None) for f in dataclasses.fields(obj)]
    return None


def _containers(obj: object, depth: int, out: set[int]) -> None:
    kids = _children(obj)
    if depth < 0 or kids is None:
        return
    out.add(id(obj))
    for kid in kids:
        _containers(kid, depth - 1, out)


def _stack(frame: FrameType | None) -> list[tuple[str, str]]:
    found = []
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("codegen"):
            found.append((name.removeprefix("codegen."), frame.f_code.co_qualname))
        frame = frame.f_back
    return found[::-1]


def trace(schema: Path, value_path: str) -> list[list[tuple[str, str]]]:
    import codegen.schema.document as document
    from codegen.model import load_schema

    targets: set[int] = set()
    keep: list[object] = []  # keeps traced objects alive, so their ids stay theirs
    stacks: list[list[tuple[str, str]]] = []
    live: set[int] = set()
    done: list[bool] = []
    real_loads = tomllib.loads

    def loads(text: str) -> dict[str, Any]:
        data = real_loads(text)
        value: Any = data
        for part in value_path.split("."):
            value = value[int(part)] if part.isdigit() else value[part]
        targets.add(id(value))
        keep.append(value)
        return data

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if done or not frame.f_globals.get("__name__", "").startswith("codegen"):
            return
        code = frame.f_code
        if event == "call":
            names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
            arguments = [
                frame.f_locals[n]
                for n in names
                if n in frame.f_locals and n not in ("problems", "self", "cls")
            ]
            if any(id(a) in targets for a in arguments):
                live.add(id(frame))
                stacks.append(_stack(frame))
        elif event == "return" and id(frame) in live:
            live.discard(id(frame))
            _containers(arg, 3, targets)
            keep.append(arg)
            if type(arg).__name__ == "TableSpec":
                done.append(True)

    document.tomllib.loads = loads  # type: ignore[attr-defined]
    sys.setprofile(profile)  # type: ignore[arg-type]
    try:
        load_schema(schema)
    finally:
        sys.setprofile(None)
        document.tomllib.loads = real_loads  # type: ignore[attr-defined]
    return stacks


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    schema = Path(args[1]) if len(args) > 1 else Path("schema/stereo_spot.toml")
    stacks = trace(schema, args[0])
    modules: list[str] = []
    for stack in stacks:
        for module, _ in stack:
            if module not in modules and module != "model.schema_file":
                modules.append(module)
    entries: set[tuple[tuple[str, str], ...]] = set()
    from_builders = 0
    for stack in stacks:
        for i, (module, _) in enumerate(stack):
            if module == "schema.validate" and (i == 0 or stack[i - 1][0] != module):
                entry = tuple(stack[: i + 1])
                if entry not in entries:
                    entries.add(entry)
                    from_builders += any(
                        m.startswith("model.") and m != "model.schema_file" for m, _ in entry
                    )
    print(f"{args[0]}: {len(modules)} modules: {' -> '.join(modules)}")
    print(f"  validation entered {len(entries)} times, {from_builders} of them from a builder")
    if verbose:
        for stack in stacks:
            print("   ", " > ".join(f"{m}.{f}" for m, f in stack))


if __name__ == "__main__":
    main(sys.argv[1:])
