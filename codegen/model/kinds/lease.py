"""``try_acquire`` / ``renew`` / ``release`` / ``complete`` / ``hold``: an owned, expiring claim."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ...schema import ATTRIBUTE_NAME, Field, Problem
from .. import types as m
from ..types import KEY_LOCALS, AccessPattern, TableContext, TableKeys, key_params


@dataclass(frozen=True)
class LeasePattern(AccessPattern):
    started_attribute: m.AttributeSpec
    owner_attribute: m.AttributeSpec
    expires_attribute: m.AttributeSpec
    default_lease_seconds: int

    kind: ClassVar[str] = "lease"
    description: ClassVar[str] = (
        "try_acquire / renew / release / complete: an owned, expiring claim on an existing item."
    )
    schema_fields: ClassVar[Mapping[str, Field]] = {
        "started_attribute": Field(
            "string", "Attribute set when the lease is first taken.", True, pattern=ATTRIBUTE_NAME
        ),
        "owner_attribute": Field(
            "string", "Attribute recording the holder's id.", True, pattern=ATTRIBUTE_NAME
        ),
        "expires_attribute": Field(
            "string", "Attribute recording when the lease lapses.", True, pattern=ATTRIBUTE_NAME
        ),
        "default_lease_seconds": Field(
            "integer", "Default lease length, in seconds.", True, minimum=1
        ),
    }
    needs_model: ClassVar[bool] = False
    table_keys: ClassVar[TableKeys] = "hash_only"
    operations: ClassVar[tuple[str, ...]] = ("UpdateItem",)  # every method: one UpdateItem
    extra_methods: ClassVar[tuple[str, ...]] = ("renew", "release", "complete", "hold")
    private_methods: ClassVar[tuple[str, ...]] = ("_conditional_update",)
    abc_imports: ClassVar[tuple[str, ...]] = ("Callable",)
    uses_clock: ClassVar[bool] = True
    holds_leases: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "bool",
        "lease_seconds",
        "owner",
        "now",
        "update",
        "condition",
        "values",
        "names",
        "expression",
        "key",
        "refused",
        "k",
        "v",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "bool",
        "lease_seconds",
        "owner",
        "now",
        "expires",
        "record",
        "holder",
        "HeldLease",
    )

    @classmethod
    def build(
        cls,
        name: str,
        data: Mapping[str, object],
        path: str,
        table: TableContext,
        problems: list[Problem],
    ) -> AccessPattern | None:
        before = len(problems)
        started = table.attribute(
            str(data["started_attribute"]), f"{path}.started_attribute", ("N",)
        )
        owner = table.attribute(str(data["owner_attribute"]), f"{path}.owner_attribute", ("S",))
        expires = table.attribute(
            str(data["expires_attribute"]), f"{path}.expires_attribute", ("N",)
        )
        seconds = data["default_lease_seconds"]
        if started is None or owner is None or expires is None or len(problems) > before:
            return None
        assert isinstance(seconds, int)  # checked against the field's declaration
        return cls(name, started, owner, expires, seconds)

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        keys, seconds = key_params(table), self.default_lease_seconds
        timed = f"*, lease_seconds: int = {seconds}, owner: str | None = None"
        if method == "hold":
            held = table.hash_key.key_annotation
            return f"    def hold(self, {keys}, {timed}) -> HeldLease[{held}]:"
        if method == "_conditional_update":
            return (
                f"    def _conditional_update(self, {keys}, update: str, condition: str, "
                "values: Item) -> bool:"
            )
        if method in ("release", "complete"):
            return f"    def {method}(self, {keys}, *, owner: str | None = None) -> bool:"
        return f"    def {method or self.name}(self, {keys}, {timed}) -> bool:"


KIND = LeasePattern
