"""Validate once, then build: stage 1 parses the TOML into typed sections, stage 2 builds
from those sections only and never calls a validator on raw TOML."""

from __future__ import annotations

import ast
from pathlib import Path

import tomllib

from codegen import model, schema

CODEGEN = Path(__file__).resolve().parents[2] / "codegen"
BAD = Path(__file__).resolve().parents[1] / "golden" / "bad"
VALIDATORS = {"check_fields", "check_value", "check_named_tables", "check_list_of_tables"}


def _kind_fields() -> dict[str, object]:
    return {name: kind.schema_fields for name, kind in model.KINDS.items()}


def _parse(data: dict[str, object]) -> schema.ParsedSchema:
    return schema.parse(data, _kind_fields(), model.service_sections())


def test_stage_one_gives_sections_not_validators() -> None:
    assert not VALIDATORS & set(schema.__all__)
    assert "parse" in schema.__all__


def test_no_model_module_calls_a_validator_or_reads_raw_toml() -> None:
    offending = []
    for path in sorted((CODEGEN / "model").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if named in VALIDATORS or named == "tomllib":
                offending.append(f"{path.relative_to(CODEGEN)}:{node.lineno}: {named}")
    assert offending == []


def test_parse_finds_every_shape_problem_in_one_pass_without_the_model() -> None:
    data = tomllib.loads((BAD / "multiple_problems.toml").read_text(encoding="utf-8"))
    parsed = schema.parse(data, _kind_fields())
    assert [(p.path, p.message) for p in parsed.problems] == [
        ("tables.books.attributes.copies", "type must be one of S, N, B, got 'X'"),
        ("tables.holds.access_patterns[0].default_ttl_seconds", "must be at least 1, got 0"),
        (
            "buckets.covers.terraform_output",
            "'Covers-Bucket' does not match ^[a-z][a-z0-9_]*$",
        ),
    ]
    books = parsed.tables.entries["books"]
    assert books.fields is not None and books.fields.values["hash_key"] == "isbn"
    assert [i.values["name"] for i in books.indexes.items] == ["author-published_year"]


def test_a_valid_schema_parses_without_problems() -> None:
    data = tomllib.loads((CODEGEN.parent / "schema" / "stereo_spot.toml").read_text("utf-8"))
    assert _parse(data).problems == ()
