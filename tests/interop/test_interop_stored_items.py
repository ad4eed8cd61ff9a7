"""Stored items are what the models say, or the models ignore the rest (issue 20).

Generated from the schema: for every table, items are written through our
DynamoDB adapter, read back raw (``GetItem``) and validated with the table's
model the ways the seed's consumers do it: the reassembly trigger's own
unmarshalling (``reassembly-trigger/.../handler.py:52-64`` at ``dd40dad``),
boto3's ``TypeDeserializer`` with numbers made ints (the original's
``aws-adapters/.../job_events.py:20-35`` at ``3622c52``), and plain
``TypeDeserializer`` (every number a ``Decimal``, as boto3's resource API reads it). Every attribute of a
raw item is a key, a model field or declared ``storage_only``; unknown ones are
still refused. A table without a model is checked for the last rule only.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws
from pydantic import BaseModel, ValidationError

import stereo_spot_shared.models as models
from codegen.model import types as m
from codegen.model.schema_file import load_schema
from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_shared.storage_only import STORAGE_ONLY_ATTRIBUTES
from tests.interop.seed.trigger import unmarshall

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(ROOT / "schema" / "stereo_spot.toml")


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    plain = TypeDeserializer().deserialize({"M": item})
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in plain.items()}


def _samples(model: type[BaseModel], table: m.TableSpec) -> list[BaseModel]:
    """One instance with every field set per value of each enum field, and one with only the required."""
    full: dict[str, Any] = {}
    required: dict[str, Any] = {}
    enums: dict[str, type[Enum]] = {}
    for attribute in table.model_attributes:
        annotation = model.model_fields[attribute.name].annotation
        if attribute.python_kind == "enum":
            members = getattr(annotation, "__args__", (annotation,))
            enum: type[Enum] = next(
                a for a in members if isinstance(a, type) and issubclass(a, Enum)
            )
            enums[attribute.name] = enum
            value: Any = next(iter(enum))
        elif attribute.python_kind == "int":
            value = 7
        elif attribute.python_kind == "bytes":
            value = b"\x00b"
        else:
            value = f"{attribute.name}-1"
        full[attribute.name] = value
        if not attribute.optional:
            required[attribute.name] = value
    samples = [model.model_validate(required)]
    for name, enum in enums.items():
        samples += [model.model_validate({**full, name: member}) for member in enum]
    return samples or [model.model_validate(full)]


def _store(table: m.TableSpec, name: str) -> Any:
    module = importlib.import_module(f"stereo_spot_aws_adapters.generated.{table.name}")
    return getattr(module, table.class_name)(name, region_name="us-east-1")


@pytest.fixture(scope="module")
def environment() -> Iterator[dict[str, str]]:
    with mock_aws():
        yield provision(prefix="stored", region_name="us-east-1")


def _raw_items(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = get_client("dynamodb", region_name="us-east-1").scan(
        TableName=name
    )["Items"]
    return items


def _check_every_attribute_is_declared(table: m.TableSpec, item: dict[str, Any]) -> None:
    keys = {a.name for a in table.key_attributes}
    fields = {a.name for a in table.model_attributes}
    unexpected = set(item) - keys - fields - set(STORAGE_ONLY_ATTRIBUTES[table.name])
    assert not unexpected, f"{table.name}: stored but not declared storage_only: {unexpected}"


def _get_raw(table: m.TableSpec, name: str, sample: BaseModel) -> dict[str, Any]:
    key = {a.name: {a.dynamo_type: str(getattr(sample, a.name))} for a in table.key_attributes}
    client = get_client("dynamodb", region_name="us-east-1")
    item: dict[str, Any] = client.get_item(TableName=name, Key=key)["Item"]  # type: ignore[arg-type]
    return item


@pytest.mark.parametrize("table", [t for t in SCHEMA.tables if t.model], ids=lambda t: t.name)
def test_raw_items_validate_with_their_model_the_seeds_ways(
    table: m.TableSpec, environment: dict[str, str]
) -> None:
    model = getattr(models, str(table.model))
    name = environment[table.env_var]
    store = _store(table, name)
    put = next(p for p in table.patterns if p.kind == "put")
    met: set[str] = set()
    for sample in _samples(model, table):
        getattr(store, put.name)(sample)
        raw = _get_raw(table, name, sample)
        met |= set(raw)
        _check_every_attribute_is_declared(table, raw)
        assert model.model_validate(unmarshall(raw)) == sample
        assert model.model_validate(_deserialize(raw)) == sample
        # boto3's resource API and plain TypeDeserializer hand every number over as a Decimal.
        assert model.model_validate(TypeDeserializer().deserialize({"M": raw})) == sample
        with pytest.raises(ValidationError, match="not_declared"):
            model.model_validate({**unmarshall(raw), "not_declared": "x"})
    assert set(table.storage_only) <= met, "every storage-only attribute was met and ignored"
    assert STORAGE_ONLY_ATTRIBUTES[table.name] == table.storage_only


@pytest.mark.parametrize("table", [t for t in SCHEMA.tables if not t.model], ids=lambda t: t.name)
def test_tables_without_a_model_store_only_keys_and_declared_attributes(
    table: m.TableSpec, environment: dict[str, str]
) -> None:
    name = environment[table.env_var]
    store = _store(table, name)
    for pattern in table.patterns:
        if pattern.kind in ("create_once", "lease"):
            assert getattr(store, pattern.name)("k1") in (True, False)
        if pattern.kind == "put_fields":
            fields = {f.name: (1 if f.dynamo_type == "N" else "v") for f in pattern.fields}
            getattr(store, pattern.name)("k1", **fields)
    raws = _raw_items(name)
    assert raws, "the writing patterns stored something"
    for raw in raws:
        _check_every_attribute_is_declared(table, raw)


@pytest.mark.parametrize(
    "number",
    [Decimal("5.5"), Decimal("NaN"), Decimal("Infinity"), Decimal("1E+999999999"), 5.0, "5", True],
    ids=repr,
)
def test_a_stored_number_is_read_as_an_int_only_when_it_is_one(number: object) -> None:
    item = {"job_id": "j", "mode": "sbs", "status": "created"}
    assert models.Job.model_validate({**item, "created_at": Decimal("5")}).created_at == 5
    with pytest.raises(ValidationError):
        models.Job.model_validate({**item, "created_at": number})
