"""The build stage stays readable: short functions, typed views that match the spec."""

from __future__ import annotations

import ast
from pathlib import Path

from codegen import spec
from codegen.build import TableFields
from codegen.build_lifecycle import LifecycleFields

CODEGEN = Path(__file__).resolve().parents[2] / "codegen"
BUILD_MODULES = [
    *sorted(CODEGEN.glob("build*.py")),
    *sorted((CODEGEN / "kinds").glob("*.py")),
    CODEGEN / "model_catalog.py",
    CODEGEN / "pytypes.py",
    CODEGEN / "locate.py",
    CODEGEN / "runtime.py",
]
MAX_LINES = 60


def test_no_function_of_the_build_stage_exceeds_sixty_lines() -> None:
    long = [
        f"{path.name}:{node.lineno} {node.name} ({length} lines)"
        for path in BUILD_MODULES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_LINES
    ]
    assert len(BUILD_MODULES) >= 20
    assert long == []


def test_typed_views_of_validated_sections_name_exactly_the_spec_keys() -> None:
    assert set(TableFields.__annotations__) == {*spec.TABLE_FIELDS, *spec.TABLE_SECTIONS}
    assert set(LifecycleFields.__annotations__) == {
        *spec.LIFECYCLE_FIELDS,
        *spec.LIFECYCLE_SECTIONS,
    }
