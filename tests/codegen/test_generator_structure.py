"""The generator stays readable: short functions, typed views that match the spec."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tomllib

from codegen.model.build import TableFields
from codegen.model.build_lifecycle import LifecycleFields
from codegen.schema import spec

CODEGEN = Path(__file__).resolve().parents[2] / "codegen"
GENERATOR_MODULES = sorted(CODEGEN.rglob("*.py"))
MAX_LINES = 60
TEMPLATES = sorted((CODEGEN / "render" / "templates").rglob("*.jinja"))
# `{% if x.kind == "s3" %}`: a template deciding on a schema value; the model should say it.
_TEMPLATE_DECISION = re.compile(r"""\{[%{][^%}]*?[!=]=\s*["']""")


def test_no_function_of_the_generator_exceeds_sixty_lines() -> None:
    long = [
        f"{path.relative_to(CODEGEN)}:{node.lineno} {node.name} ({length} lines)"
        for path in GENERATOR_MODULES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_LINES
    ]
    # every stage, the kinds and the drift check: a glob that found nothing would pass
    assert {"build.py", "drift.py", "hcl.py", "names.py", "jsonschema.py"} <= {
        path.name for path in GENERATOR_MODULES
    }
    assert len([p for p in GENERATOR_MODULES if p.parent.name == "kinds"]) >= 10
    assert long == []


def test_typed_views_of_validated_sections_name_exactly_the_spec_keys() -> None:
    # Subsections are typed objects of their own (codegen/schema/sections.py), not values.
    assert set(TableFields.__annotations__) == set(spec.TABLE_FIELDS)
    assert set(LifecycleFields.__annotations__) == set(spec.LIFECYCLE_FIELDS)


def test_templates_decide_nothing_on_schema_values() -> None:
    decisions = [
        f"{path.relative_to(CODEGEN)}:{number}: {line.strip()}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _TEMPLATE_DECISION.search(line)
    ]
    assert len(TEMPLATES) >= 20  # a glob that found nothing would pass
    assert decisions == [], "move the decision into the model (a property), as the kinds do"
    assert _TEMPLATE_DECISION.search('{% if queue.event_source == "s3" %}')  # the check is live


def test_every_stage_package_is_a_layer_of_the_import_contract() -> None:
    """A new package under codegen/ must take its place in ``make lint``'s layers contract."""
    pyproject = tomllib.loads((CODEGEN.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["id"] == "codegen-stages")
    packages = {p.name for p in CODEGEN.iterdir() if (p / "__init__.py").is_file()}
    assert len(packages) >= 5  # a glob that found nothing would pass
    assert packages <= {layer.removeprefix("codegen.") for layer in layers}
