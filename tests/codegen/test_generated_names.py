"""``codegen/names.py`` knows every name the templates emit, so its collision check is complete.

The generated code of both schemas (the committed ``src/`` tree and the library
golden case) is parsed: every module-level name, class member and name used in
a generated method must be one ``names.py`` lists for that scope. A template
change that binds or uses a new name fails here until ``names.py`` declares it,
and from then on a schema name that collides with it is rejected.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from codegen.model import types as m
from codegen.model.names import (
    MEMORY_METHOD_NAMES,
    METHOD_NAMES,
    layout_methods,
    namespaces,
    table_methods,
)
from codegen.model.schema_file import load_schema
from tests.golden.regenerate import expected_dir, schema_path

ROOT = Path(__file__).resolve().parents[2]
CASES = {
    "stereo_spot": (ROOT / "schema" / "stereo_spot.toml", ROOT / "src"),
    "library": (schema_path("library"), expected_dir("library")),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[m.SchemaSpec, Path]:
    schema, out = CASES[request.param]
    return load_schema(schema), out


def module_file(out: Path, module: str) -> Path:
    path = out.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.If):  # if TYPE_CHECKING: imports
            names |= top_level_names(ast.Module(body=node.body, type_ignores=[]))
    return names


def used_names(function: ast.FunctionDef) -> set[str]:
    return {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | {
        a.arg for a in ast.walk(function) if isinstance(a, ast.arg)
    }


def test_every_module_level_name_is_catalogued(case: tuple[m.SchemaSpec, Path]) -> None:
    schema, out = case
    checked = 0
    for namespace in namespaces(schema):
        if namespace.where.startswith("class ") or namespace.where.endswith("()"):
            continue
        tree = ast.parse(module_file(out, namespace.where).read_text(encoding="utf-8"))
        known = {name.name for name in namespace.names}
        assert top_level_names(tree) - known == set(), f"{namespace.where}: add these to names.py"
        checked += 1
    shared_modules = 0
    if schema.generator.shared_package is not None:
        # generated/__init__, adapters, memory_backend, one memory module per table, keys,
        # and storage_only beside the models.
        shared_modules = 4 + len(schema.tables) + (1 if schema.layouts else 0)
    assert checked == 4 + len(schema.tables) + shared_modules


def test_every_class_member_and_method_name_is_catalogued(case: tuple[m.SchemaSpec, Path]) -> None:
    schema, out = case
    scopes = {namespace.where: namespace for namespace in namespaces(schema)}
    package = schema.generator.package
    methods_checked = 0
    for table in schema.tables:
        path = module_file(out, f"{package}.generated.{table.name}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_globals = top_level_names(tree)
        (adapter,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        members = {n.name for n in adapter.body if isinstance(n, ast.FunctionDef)}
        members |= {
            t.id
            for n in adapter.body
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        known_members = {name.name for name in scopes[f"class {table.class_name}"].names}
        assert members - known_members == set(), f"class {table.class_name}: add to names.py"
        functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        for method in table_methods(table):
            parameters = {p.name for p in method.parameters}
            unknown = used_names(functions[method.function]) - parameters - module_globals
            unknown -= set(METHOD_NAMES[method.kind])
            assert unknown == set(), f"{method.function} ({method.kind}): add to METHOD_NAMES"
            assert parameters <= used_names(functions[method.function]), method.function
            methods_checked += 1
    assert methods_checked >= len(schema.tables)


def test_every_key_layout_function_name_is_catalogued(case: tuple[m.SchemaSpec, Path]) -> None:
    schema, out = case
    if not schema.layouts:
        pytest.skip("this schema declares no key layouts")  # the other case does
    assert schema.generator.shared_package is not None
    path = module_file(out, f"{schema.generator.shared_package}.generated.keys")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_globals = top_level_names(tree)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for layout in schema.layouts:
        for method in layout_methods(layout):
            parameters = {p.name for p in method.parameters}
            unknown = used_names(functions[method.function]) - parameters - module_globals
            unknown -= set(METHOD_NAMES[method.kind])
            assert unknown == set(), f"{method.function} ({method.kind}): add to METHOD_NAMES"


def class_members(node: ast.ClassDef) -> set[str]:
    members = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    for n in node.body:
        if isinstance(n, ast.Assign):
            members |= {t.id for t in n.targets if isinstance(t, ast.Name)}
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
            members.add(n.target.id)
    return members


def test_every_bundle_and_in_memory_name_is_catalogued(case: tuple[m.SchemaSpec, Path]) -> None:
    schema, out = case
    shared = schema.generator.shared_package
    assert shared is not None
    scopes = {namespace.where: namespace for namespace in namespaces(schema)}
    adapters = ast.parse(module_file(out, f"{shared}.generated.adapters").read_text("utf-8"))
    classes = {n.name: n for n in adapters.body if isinstance(n, ast.ClassDef)}
    known = {name.name for name in scopes["class Adapters"].names}
    assert class_members(classes["Adapters"]) - known == set(), "class Adapters: add to names.py"
    methods_checked = 0
    for table in schema.tables:
        protocol = {name.name for name in scopes[f"class {table.protocol_name}"].names}
        assert class_members(classes[table.protocol_name]) - protocol == set(), table.name
        path = module_file(out, f"{shared}.generated.memory_{table.name}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_globals = top_level_names(tree)
        (memory_class,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        known = {name.name for name in scopes[f"class {table.memory_class_name}"].names}
        assert class_members(memory_class) - known == set(), f"{table.memory_class_name}: names.py"
        functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        for method in table_methods(table):
            if method.function == "_lease_key":
                continue  # the DynamoDB class's helper; memory tables build key tuples
            function = functions["_to_record" if method.kind == "to_item" else method.function]
            parameters = {p.name for p in method.parameters}
            unknown = used_names(function) - parameters - module_globals
            unknown -= set(MEMORY_METHOD_NAMES[method.kind])
            assert unknown == set(), f"memory {method.function}: add to MEMORY_METHOD_NAMES"
            methods_checked += 1
    assert methods_checked >= len(schema.tables)
