"""Fuzz every free-text field of a schema: either exit 2, or code that compiles and imports.

Starting from the library golden schema, hypothesis puts random strings (and
names chosen to collide: keywords, builtins, runtime names, names of other
resources, names with a trailing newline) into descriptions, a fixed
``hash_value``, resource, pattern and attribute names, Terraform outputs, env
vars and the schema's folder name. Every schema either fails validation (a
``SchemaError``: exit 2) or generates modules that compile, import, and carry
each string back exactly. Rendering is in-process and unformatted (ruff only
formats valid code); a few examples also go through ruff and ``main``.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import importlib
import io
import keyword
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tomllib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.cli import main
from codegen.model import KINDS, names
from codegen.model.build import build
from codegen.model.literals import escape_text
from codegen.render.sources import first_party, format_sources, render_unformatted
from codegen.render.version import generator_version
from codegen.schema import parse, spec
from codegen.schema.errors import SchemaError
from tests.golden.regenerate import schema_path

LIBRARY = schema_path("library")
MODELS = LIBRARY.parent.parent / "models"
PACKAGE = "fuzz_library_adapters"  # not library_adapters: other tests import that one
SHARED = "fuzz_library_shared"


def base_schema() -> dict[str, Any]:
    raw = tomllib.loads(LIBRARY.read_text(encoding="utf-8"))
    raw["generator"]["package"] = PACKAGE
    raw["generator"]["shared_package"] = SHARED
    raw["generator"]["python_path"] = str(MODELS)
    return raw


BASE = base_schema()
COLLIDING = sorted(
    {
        *keyword.kwlist,
        *(n for n in dir(builtins) if n.islower()),
        *names.ENV_CONFIG_NAMES,
        *names.TABLE_MODULE_NAMES,
        *names.TABLE_CLASS_NAMES,
        *names.GENERATED_PACKAGE_NAMES,
        *names.RUNTIME_EXPORTS,
        *(n for kind in names.METHOD_NAMES.values() for n in kind),
        "books",
        "loans",
        "holds",
        "returns",
        "covers",
        "book_catalog_from_env",
        "holds_ready_queue_sender_from_env",
        "covers_bucket_name",
        "copy_id",
        "BookCatalog",
        "Book",
        "LIBRARY_COVERS_BUCKET",
        "BOOKS_TABLE_NAME",
        "books_table_name",
    }
)


def name_like(pattern: str) -> st.SearchStrategy[str]:
    """Names a field's pattern allows, names chosen to collide, and any text."""
    valid = st.from_regex(pattern, fullmatch=True)
    return st.one_of(
        valid,
        st.sampled_from(COLLIDING),
        st.sampled_from(COLLIDING).map(lambda name: name + "\n"),
        valid.map(lambda name: name.upper()),
        st.text(max_size=12),
    )


Mutation = Callable[[dict[str, Any]], None]


def set_value(*path: str | int, value: Any) -> Mutation:
    def apply(raw: dict[str, Any]) -> None:
        node: Any = raw
        with contextlib.suppress(KeyError):  # an earlier mutation renamed the resource
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value

    return apply


def rename_key(section: str, old: str, new: str) -> Mutation:
    """Rename a table/queue/bucket, keeping its position."""

    def apply(raw: dict[str, Any]) -> None:
        raw[section] = {(new if k == old else k): v for k, v in raw[section].items()}

    return apply


def rename_attribute(table: str, old: str, new: str) -> Mutation:
    """Rename a lock-table attribute everywhere the table refers to it."""

    def apply(raw: dict[str, Any]) -> None:
        body = raw["tables"].get(table)
        if body is None:  # an earlier mutation renamed the table
            return
        body["attributes"] = {(new if k == old else k): v for k, v in body["attributes"].items()}
        for key, value in list(body.items()):
            if value == old:
                body[key] = new
        for pattern in body["access_patterns"]:
            for key, value in list(pattern.items()):
                if value == old:
                    pattern[key] = new

    return apply


# Any text, and text built from the pieces that end literals, docstrings and comments.
TRICKY = ['"', "'", '"""', "'''", "\\", "\\n", "\\x", "\\N{", "#", "{", "}", "%s", " ", "é"]
TRICKY += ["\n", "\r", "\x00", "\x7f", "\u2028", "\ufeff"]
TEXT = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(TRICKY), max_size=8).map("".join))
RESOURCES = [("tables", t) for t in BASE["tables"]] + [
    (s, n) for s in ("queues", "buckets") for n in BASE[s]
]


@st.composite
def mutation(draw: st.DrawFn) -> Mutation:
    section, name = draw(st.sampled_from(RESOURCES))
    choice = draw(
        st.sampled_from(
            [
                "description",
                "hash_value",
                "rename",
                "terraform_output",
                "env_var",
                "class_name",
                "factory",
                "pattern_name",
                "attribute",
                "index_name",
                "not_found_error",
                "layout_description",
                "layout_template",
                "layout_name",
            ]
        )
    )
    if choice == "description":
        return set_value(section, name, "description", value=draw(TEXT))
    if choice == "hash_value":
        return set_value("tables", "books", "access_patterns", 4, "hash_value", value=draw(TEXT))
    if choice == "rename":
        return rename_key(section, name, draw(name_like(spec.IDENTIFIER)))
    if choice == "terraform_output":
        return set_value(section, name, "terraform_output", value=draw(name_like(spec.IDENTIFIER)))
    if choice == "env_var":
        return set_value(section, name, "env_var", value=draw(name_like(spec.ENV_VAR)))
    table = name if section == "tables" else "holds"
    if choice == "class_name":
        return set_value("tables", table, "class_name", value=draw(name_like(spec.CLASS_NAME)))
    if choice == "factory":
        return set_value("tables", table, "factory", value=draw(name_like(spec.IDENTIFIER)))
    if choice == "pattern_name":
        count = len(BASE["tables"][table]["access_patterns"])
        index = draw(st.integers(0, count - 1))
        new = draw(name_like(spec.IDENTIFIER))
        return set_value("tables", table, "access_patterns", index, "name", value=new)
    if choice == "attribute":
        lock = draw(st.sampled_from(["holds", "shelf_audits"]))
        old = draw(st.sampled_from(sorted(BASE["tables"][lock]["attributes"])))
        return rename_attribute(lock, old, draw(name_like(spec.ATTRIBUTE_NAME)))
    if choice == "index_name":
        new = draw(name_like(spec.INDEX_NAME))

        def apply(raw: dict[str, Any]) -> None:
            books = raw["tables"].get("books")
            if books is not None:
                books["indexes"][0]["name"] = new
                books["access_patterns"][4]["index"] = new

        return apply
    if choice.startswith("layout_"):
        layout = draw(st.sampled_from(sorted(BASE["buckets"]["covers"]["layouts"])))
        if choice == "layout_description":
            return set_value(
                "buckets", "covers", "layouts", layout, "description", value=draw(TEXT)
            )
        if choice == "layout_template":
            fields = st.sampled_from(["{member_id}", "{isbn}", "{n:03d}", "{x}"])
            template = st.lists(
                st.one_of(TEXT, fields, name_like(spec.IDENTIFIER).map("{{{}}}".format)),
                min_size=1,
                max_size=5,
            ).map("".join)
            return set_value(
                "buckets", "covers", "layouts", layout, "template", value=draw(template)
            )

        new_name = draw(name_like(spec.IDENTIFIER))

        def rename_layout(raw: dict[str, Any]) -> None:
            covers = raw["buckets"].get("covers")
            if covers is not None and layout in covers["layouts"]:
                layouts = covers["layouts"]
                covers["layouts"] = {
                    (new_name if k == layout else k): v for k, v in layouts.items()
                }

        return rename_layout
    return set_value("tables", "loans", "not_found_error", value=draw(name_like(spec.CLASS_NAME)))


def usable_folder(name: str) -> bool:
    return "/" not in name and "\x00" not in name and name not in (".", "..")


HOSTILE_FOLDER = st.lists(st.sampled_from(TRICKY), min_size=1, max_size=6).map("".join)
FOLDER = st.one_of(st.just("schema"), st.text(min_size=1, max_size=20), HOSTILE_FOLDER).filter(
    usable_folder
)


@contextlib.contextmanager
def importable(files: dict[Path, str], root: Path) -> Iterator[None]:
    """Write ``files`` under ``root`` and make the package importable; forget it afterwards."""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m.split(".")[0] in (PACKAGE, SHARED)]:
            del sys.modules[module]


class Recorder:
    """Stands in for the DynamoDB client: records what a generated method would send."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def query(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {"Items": []}


def check_generated(raw: dict[str, Any], display_name: str, *, formatted: bool) -> None:
    try:
        parsed = parse(raw, {kind: KINDS[kind].schema_fields for kind in KINDS})
        schema = build(parsed, LIBRARY, display_name)
    except SchemaError as error:
        assert error.problems, "a SchemaError names at least one problem"
        return
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        out = Path(tmp)
        files = render_unformatted(schema, out)
        for path, text in files.items():
            compile(text, str(path), "exec")  # a SyntaxError here fails the test
        if formatted:
            files = format_sources(files, first_party(schema))
        with importable(files, out):
            package = importlib.import_module(PACKAGE)
            env_config = importlib.import_module(f"{PACKAGE}.env_config")
            resources = importlib.import_module(f"{PACKAGE}.generated.resources")
            assert display_name in (package.__doc__ or "")
            header = files[out / PACKAGE / "env_config.py"].splitlines()[0]
            assert header == f"{names_header()}{escape_text(display_name)}. DO NOT EDIT."
            assert [(t.name, t.terraform_output, t.env_var) for t in resources.TABLES] == [
                (t.name, t.terraform_output, t.env_var) for t in schema.tables
            ]
            assert [v.name for v in env_config.VARIABLES] == [
                r.env_var for r in (*schema.tables, *schema.queues, *schema.buckets)
            ]
            if schema.layouts:
                keys = importlib.import_module(f"{SHARED}.generated.keys")
                assert [(k.name, k.template, k.description) for k in keys.LAYOUTS] == [
                    (k.name, k.template, k.description) for k in schema.layouts
                ]
            for table in schema.tables:
                module = importlib.import_module(f"{PACKAGE}.generated.{table.name}")
                adapter = getattr(module, table.class_name)
                assert (adapter.__doc__ or "").startswith(table.description + "\n")
                assert table.description in (module.__doc__ or "")
                for pattern in table.patterns:
                    if pattern.kind == "query_index_page" and pattern.hash_value is not None:
                        client = Recorder()
                        getattr(adapter("t", client=client), pattern.name)(limit=1)
                        sent = client.requests[0]["ExpressionAttributeValues"]
                        assert sent == {":key": {"S": pattern.hash_value}}


def names_header() -> str:
    return f"# Code generated by python -m codegen {generator_version()} from "


FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@FUZZ
@given(mutations=st.lists(mutation(), min_size=1, max_size=3), folder=FOLDER)
def test_fuzzed_schema_is_rejected_or_generates_importable_code(
    mutations: list[Mutation], folder: str
) -> None:
    raw = copy.deepcopy(BASE)
    for apply in mutations:
        apply(raw)
    check_generated(raw, f"{folder}/library.toml", formatted=False)


@settings(FUZZ, max_examples=4)
@given(description=TEXT.filter(lambda t: t.isprintable()), hash_value=TEXT, folder=FOLDER)
def test_fuzzed_strings_through_ruff_formatting(
    description: str, hash_value: str, folder: str
) -> None:
    raw = copy.deepcopy(BASE)
    raw["tables"]["books"]["description"] = description
    raw["tables"]["books"]["access_patterns"][4]["hash_value"] = hash_value
    check_generated(raw, f"{folder}/library.toml", formatted=True)


@settings(FUZZ, max_examples=3)
@given(folder=HOSTILE_FOLDER.filter(usable_folder), hash_value=TEXT)
def test_fuzzed_folder_name_through_the_cli(folder: str, hash_value: str) -> None:
    raw_text = LIBRARY.read_text(encoding="utf-8").replace(
        'python_path = "../models"', f'python_path = "{MODELS.as_posix()}"'
    )
    raw_text = raw_text.replace(
        'item_model = "BookSummary"',
        f'item_model = "BookSummary"\nhash_value = "{escape_toml(hash_value)}"',
    )
    with tempfile.TemporaryDirectory(prefix="fuzz-cli-") as tmp:
        try:
            (Path(tmp) / folder).mkdir()
        except OSError:
            return  # a name this file system does not allow (too long, ...)
        schema = Path(tmp) / folder / "library.toml"
        schema.write_text(raw_text, encoding="utf-8")
        out = Path(tmp) / "out"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(["--schema", str(schema), "--out", str(out)])
        assert code == 0
        for path in sorted(out.rglob("*.py")):
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
            assert path.read_text(encoding="utf-8").startswith(
                f"{names_header()}{escape_text(folder)}/library.toml. DO NOT EDIT.\n"
            )


def escape_toml(text: str) -> str:
    """``text`` inside a TOML basic string."""
    return "".join(
        f"\\u{ord(c):04x}" if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text
    )
