"""``delete(key)``: remove one item with DeleteItem; idempotent, needs no model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..types import KEY_LOCALS, AccessPattern


@dataclass(frozen=True)
class DeletePattern(AccessPattern):
    kind: ClassVar[str] = "delete"
    description: ClassVar[str] = "delete(key): remove one item; idempotent."
    needs_model: ClassVar[bool] = False
    operations: ClassVar[tuple[str, ...]] = ("DeleteItem",)
    method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "key")
    memory_method_locals: ClassVar[tuple[str, ...]] = KEY_LOCALS


KIND = DeletePattern
