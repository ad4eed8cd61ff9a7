"""What every generated in-memory table does the same way: keyed records under one lock.

A record is a plain dict (attribute name to ``str``, ``int`` or ``bytes``;
absent optional attributes are left out, as in a DynamoDB item). Each method
is atomic, like one DynamoDB request: a condition and its write happen under
the backend's lock, so exactly one of two racing conditional writes wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import InvalidPageTokenError, LeaseLostError
from ..interfaces import PageToken
from ..leases import Fence
from .state import MemoryState, Record

Key = tuple[object, ...]


class MemoryTable:
    """The records of one table of a ``MemoryState``, addressed by their key attributes."""

    def __init__(self, state: MemoryState, name: str, key_attributes: Sequence[str]) -> None:
        self.state = state
        self.name = name
        self.key_attributes = tuple(key_attributes)
        self._records = state.table(name)

    def key_of(self, record: Mapping[str, object]) -> Key:
        return tuple(record[name] for name in self.key_attributes)

    def get(self, key: Key) -> Record | None:
        with self.state.lock:
            record = self._records.get(key)
            return None if record is None else dict(record)

    def put(self, record: Record) -> None:
        with self.state.lock:
            self._write(self.key_of(record), dict(record))

    def put_many(self, records: Sequence[Record]) -> None:
        """Write every record at once (a later record with the same key wins)."""
        with self.state.lock:
            for record in records:
                self._write(self.key_of(record), dict(record))

    def delete(self, key: Key) -> None:
        with self.state.lock:
            self._write(key, None)

    def put_if(self, record: Record, condition: Callable[[Record | None], bool]) -> bool:
        """Write ``record`` only if ``condition`` holds for the current one; ``True`` if written."""
        with self.state.lock:
            key = self.key_of(record)
            if not condition(self._records.get(key)):
                return False
            self._write(key, dict(record))
            return True

    def update_if(
        self,
        key: Key,
        condition: Callable[[Record], bool],
        changes: Mapping[str, object],
        removals: Sequence[str] = (),
    ) -> bool:
        """Change an existing record only if ``condition`` holds for it; ``True`` if changed."""
        return self.update_where(key, condition, changes, removals)[0]

    def update_where(
        self,
        key: Key,
        condition: Callable[[Record], bool],
        changes: Mapping[str, object],
        removals: Sequence[str] = (),
        *,
        fence: Fence | None = None,
    ) -> tuple[bool, Record | None]:
        """``update_if``, also returning the record as it was (``None``: there was none).

        What DynamoDB's ``ReturnValuesOnConditionCheckFailure`` gives: a refused
        change can say why without reading again. With a ``fence``, the change
        happens only while the fence's lease still carries its token
        (``LeaseLostError`` otherwise), in the same atomic step.
        """
        with self.state.lock:
            check_fence(self.state, fence)
            current = self._records.get(key)
            if current is None or not condition(current):
                return False, None if current is None else dict(current)
            updated = {**current, **changes}
            for name in removals:
                updated.pop(name, None)
            self._write(key, updated)
            return True, dict(current)

    def delete_partition(self, hash_attribute: str, value: object) -> int:
        """Delete every record of one partition; how many there were."""
        with self.state.lock:
            doomed = [k for k, r in self._records.items() if r.get(hash_attribute) == value]
            for key in doomed:
                self._write(key, None)
            return len(doomed)

    def query_partition(
        self, hash_attribute: str, value: object, range_attribute: str, *, descending: bool
    ) -> list[Record]:
        """Every record of one partition, in sort-key order."""
        with self.state.lock:
            rows = [dict(r) for r in self._records.values() if r.get(hash_attribute) == value]
        return sorted(rows, key=lambda r: _sortable(r[range_attribute]), reverse=descending)

    def _write(self, key: Key, record: Record | None) -> None:
        """Store (or, with ``None``, delete) one record; a table with a stream records the change.

        Call with ``state.lock`` held: the change reaches the stream's queue in
        the same atomic step, in write order, as DynamoDB Streams orders the
        changes of one item.
        """
        old = self._records.pop(key, None) if record is None else self._records.get(key)
        if record is not None:
            self._records[key] = record
        if old != record:  # a write that changes nothing writes no stream record
            self.state.record_change(self.name, self.key_attributes, old, record)

    def scan(self) -> list[Record]:
        """Every record of the table."""
        with self.state.lock:
            return [dict(r) for r in self._records.values()]

    def query_index_page(
        self,
        hash_attribute: str,
        value: object,
        range_attribute: str | None,
        token_attributes: Sequence[str],
        *,
        limit: int,
        start: Mapping[str, object] | None,
        descending: bool,
    ) -> tuple[list[Record], PageToken | None]:
        """One page of a (sparse) index: records carrying both index keys, in index order.

        Ties on the index sort key are ordered by the table key, so a page
        token (the last record's keys) always names one position.
        """

        def position(record: Mapping[str, Any]) -> tuple[object, ...]:
            head = (_sortable(record[range_attribute]),) if range_attribute else ()
            return head + tuple(_sortable(record[name]) for name in self.key_attributes)

        if start is not None and start.get(hash_attribute) != value:
            raise InvalidPageTokenError(
                f"page token for {self.name}: it continues the partition "
                f"{hash_attribute} = {start.get(hash_attribute)!r}, not {value!r}"
            )
        with self.state.lock:
            rows = [
                dict(r)
                for r in self._records.values()
                if r.get(hash_attribute) == value
                and (range_attribute is None or range_attribute in r)
            ]
        rows.sort(key=position, reverse=descending)
        if start is not None:
            after = position(start)
            rows = [r for r in rows if (position(r) < after if descending else position(r) > after)]
        page = rows[:limit]
        if len(rows) <= limit:
            return page, None
        last = page[-1]
        token: PageToken = {}
        for name in token_attributes:
            item = last[name]
            if not isinstance(item, (str, int)):
                raise InvalidPageTokenError(f"cannot encode key attribute {name!r} in a page token")
            token[name] = item
        return page, token


def check_fence(state: MemoryState, fence: Fence | None) -> None:
    """Raise ``LeaseLostError`` unless the fence's lease item still carries its token.

    Call with ``state.lock`` held, in the same atomic step as the write it guards.
    """
    if fence is None:
        return
    record = state.table(fence.table_name).get(tuple(fence.key.values()))
    current = (
        record is not None
        and record.get(fence.token_attribute) == fence.token
        and record.get(fence.owner_attribute) == fence.owner
        and fence.expires_attribute in record
    )
    if not current:
        raise LeaseLostError(fence.table_name, fence.key_value, fence.token)


def _sortable(value: object) -> Any:
    """DynamoDB orders strings by their UTF-8 bytes, numbers by value, binary by bytes."""
    return value.encode("utf-8") if isinstance(value, str) else value
