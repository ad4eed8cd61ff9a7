"""``try_acquire`` / ``renew`` / ``release`` / ``complete`` / ``hold``: an owned, expiring, fenced claim."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ...schema import ATTRIBUTE_NAME, Field, Problem
from .. import types as m
from ..types import KEY_LOCALS, AccessPattern, TableContext, TableKeys, key_params

MAX_LEASE_SECONDS = 604_800
"""``stereo_spot_shared.leases.MAX_LEASE_SECONDS`` (the generator never imports the runtime)."""


@dataclass(frozen=True)
class LeasePattern(AccessPattern):
    started_attribute: m.AttributeSpec
    owner_attribute: m.AttributeSpec
    expires_attribute: m.AttributeSpec
    token_attribute: m.AttributeSpec
    default_lease_seconds: int
    margin_seconds: int
    tolerated_skew_seconds: int

    kind: ClassVar[str] = "lease"
    description: ClassVar[str] = (
        "try_acquire / renew / release / complete / hold: an owned, expiring, fenced claim on "
        "an existing item."
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
        "token_attribute": Field(
            "string",
            "Attribute holding the fencing token: one more on every acquire and renewal.",
            True,
            pattern=ATTRIBUTE_NAME,
        ),
        "default_lease_seconds": Field(
            "integer", "Default lease length, in seconds.", True, minimum=1
        ),
        "margin_seconds": Field(
            "integer",
            "A holder counts its lease lost this many seconds before its deadline, on its own "
            "monotonic clock (request latency, clock rate drift); at most a third of "
            "default_lease_seconds.",
            True,
            minimum=1,
        ),
        "tolerated_skew_seconds": Field(
            "integer",
            "How far apart two workers' wall clocks may be: a lapsed lease is taken over only "
            "this long after its stored expiry.",
            True,
            minimum=0,
        ),
    }
    needs_model: ClassVar[bool] = False
    table_keys: ClassVar[TableKeys] = "hash_only"
    # Every method is one UpdateItem; a fenced write elsewhere checks the lease item.
    operations: ClassVar[tuple[str, ...]] = ("UpdateItem", "ConditionCheckItem")
    extra_methods: ClassVar[tuple[str, ...]] = (
        "acquire_token",
        "renew",
        "renew_token",
        "release",
        "complete",
        "fence",
        "hold",
    )
    private_methods: ClassVar[tuple[str, ...]] = ("_lease_key",)
    abc_imports: ClassVar[tuple[str, ...]] = ("Callable",)
    uses_clock: ClassVar[bool] = True
    holds_leases: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "bool",
        "int",
        "lease_seconds",
        "owner",
        "owner_id",
        "token",
        "now",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "bool",
        "int",
        "lease_seconds",
        "owner",
        "owner_id",
        "token",
        "now",
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
        token = table.attribute(str(data["token_attribute"]), f"{path}.token_attribute", ("N",))
        seconds, margin, skew = (
            data["default_lease_seconds"],
            data["margin_seconds"],
            data["tolerated_skew_seconds"],
        )
        assert isinstance(seconds, int) and isinstance(margin, int) and isinstance(skew, int)
        if seconds > MAX_LEASE_SECONDS:
            problems.append(
                Problem(
                    f"{path}.default_lease_seconds",
                    f"at most {MAX_LEASE_SECONDS} (one week), got {seconds}",
                )
            )
        if seconds < 3 * margin:
            problems.append(
                Problem(
                    f"{path}.margin_seconds",
                    f"at most a third of default_lease_seconds ({seconds}), got {margin}",
                )
            )
        if started is None or owner is None or expires is None or token is None:
            return None
        if len(problems) > before:
            return None
        return cls(name, started, owner, expires, token, seconds, margin, skew)

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        keys, seconds = key_params(table), self.default_lease_seconds
        timed = f"*, lease_seconds: int = {seconds}, owner: str | None = None"
        settle = "*, owner: str | None = None, token: int | None = None"
        if method == "hold":
            held = table.hash_key.key_annotation
            return f"    def hold(self, {keys}, {timed}) -> HeldLease[{held}]:"
        if method in ("release", "complete"):
            return f"    def {method}(self, {keys}, {settle}) -> bool:"
        if method == "_lease_key":
            return f"    def _lease_key(self, {keys}) -> Item:"
        if method == "fence":
            return f"    def fence(self, {keys}, *, owner: str, token: int) -> Fence:"
        if method in ("acquire_token", "renew_token"):
            return f"    def {method}(self, {keys}, {timed}) -> int | None:"
        return f"    def {method or self.name}(self, {keys}, {timed}) -> bool:"


KIND = LeasePattern
