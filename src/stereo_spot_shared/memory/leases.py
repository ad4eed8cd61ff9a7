"""The lease protocol on in-memory records, as ``_leases`` runs it on DynamoDB items.

Every method is one atomic step under the backend's lock, like one
conditional DynamoDB request; the generated ``Memory*Table`` lock classes
call these (``stereo_spot_shared.leases`` describes the protocol).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..leases import LeaseAttributes
from .state import Record
from .tables import Key, MemoryTable, check_fence

__all__ = ["MemoryLeases", "check_fence"]


class MemoryLeases:
    """Acquire, renew, settle and fence the leases of one in-memory lock table."""

    def __init__(self, table: MemoryTable, attributes: LeaseAttributes) -> None:
        self._table = table
        self._names = attributes

    def trigger(self, record: Record, *, now: int, cutoff: int) -> bool:
        """Create the marker ``record``; ``True`` only when no live marker or lease is there.

        An expired marker counts as absent, but a marker whose lease is still
        live is never overwritten (that would wipe the holder's lease).
        """
        names = self._names

        def absent(current: Record | None) -> bool:
            if current is None:
                return True
            expired = names.ttl is not None and names.ttl in current and current[names.ttl] < now
            return expired and not _live(current, names, cutoff)

        return self._table.put_if(record, absent)

    def acquire(self, key: Key, *, now: int, expires: int, owner: str, cutoff: int) -> int | None:
        """Claim an unclaimed or lapsed lease; the new fencing token, or ``None``."""
        names = self._names

        def claimable(record: Record) -> bool:
            if names.ttl is not None and names.ttl in record and record[names.ttl] < now:
                return False  # an expired marker counts as absent
            if names.started not in record:
                return True
            return names.expires in record and record[names.expires] < cutoff

        return self._bump(
            key, claimable, {names.started: now, names.owner: owner, names.expires: expires}
        )

    def renew(self, key: Key, *, expires: int, owner: str) -> int | None:
        """Extend a lease ``owner`` holds; the new fencing token, or ``None`` if not theirs."""
        return self._bump(
            key,
            lambda record: _held_by(record, self._names, owner, None),
            {self._names.expires: expires},
        )

    def settle(self, key: Key, *, owner: str, token: int | None, removals: Sequence[str]) -> bool:
        """Remove ``removals`` from a lease ``owner`` holds (with ``token``, when given)."""
        return self._table.update_if(
            key, lambda record: _held_by(record, self._names, owner, token), {}, removals
        )

    def _bump(
        self, key: Key, condition: Callable[[Record], bool], changes: Mapping[str, object]
    ) -> int | None:
        token_name = self._names.token
        with self._table.state.lock:
            current = self._table.get(key)
            if current is None or not condition(current):
                return None
            token = int(current.get(token_name, 0)) + 1
            self._table.update_if(key, lambda record: True, {**changes, token_name: token})
            return token


def _live(record: Record, names: LeaseAttributes, cutoff: int) -> bool:
    """The record carries a lease nobody may take over yet."""
    return names.expires in record and record[names.expires] >= cutoff


def _held_by(record: Record, names: LeaseAttributes, owner: str, token: int | None) -> bool:
    """``owner`` holds a lease on the record (with ``token``, when given); completed has no expiry."""
    if record.get(names.owner) != owner or names.expires not in record:
        return False
    return token is None or record.get(names.token) == token
