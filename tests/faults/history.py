"""A history of lease events and the checker that judges it.

Every worker (a simulated one, or a real process) records what it did and
believed, each event stamped with one clock all of them share: the
simulation's time, or ``time.monotonic()`` (CLOCK_MONOTONIC is system-wide on
Linux, so processes on one machine can be compared).

- ``acquired``: the acquire was answered yes (``token``); the owner believes
  it holds the lease from here.
- ``held``: the owner checked ``lease.lost`` and it said ``False``; it still
  believes it holds the lease at this moment.
- ``write_ok`` / ``write_refused``: a write fenced with ``token``, sent at
  ``sent``, was accepted / refused (``LeaseLostError``).

The checker fails when two owners' believed-held intervals (``acquired`` to
their last ``held``) overlap on one key, and when a fenced write was accepted
although another owner had acquired the lease with a newer token before that
write was sent.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Event:
    time: float
    owner: str
    kind: str
    key: str
    token: int | None = None
    sent: float | None = None

    def line(self) -> str:
        return json.dumps(asdict(self))


def read_history(paths: Iterable[Path]) -> list[Event]:
    """Every event the workers wrote (one JSON object a line), in time order."""
    events = []
    for path in paths:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    events.append(Event(**json.loads(line)))
    return sorted(events, key=lambda event: event.time)


@dataclass(frozen=True)
class Interval:
    owner: str
    key: str
    start: float
    end: float


def believed_held(events: Sequence[Event]) -> list[Interval]:
    """Per owner and key: from its ``acquired`` to its last ``held`` (or the acquire itself)."""
    starts: dict[tuple[str, str], float] = {}
    ends: dict[tuple[str, str], float] = {}
    for event in events:
        holder = (event.owner, event.key)
        if event.kind == "acquired":
            starts[holder] = event.time
            ends[holder] = event.time
        elif event.kind == "held" and holder in starts:
            ends[holder] = max(ends[holder], event.time)
    return [Interval(owner, key, starts[(owner, key)], ends[(owner, key)]) for owner, key in starts]


def overlaps(events: Sequence[Event]) -> list[str]:
    """Two owners believing they held one key at the same moment."""
    by_key: dict[str, list[Interval]] = defaultdict(list)
    for interval in believed_held(events):
        by_key[interval.key].append(interval)
    problems = []
    for key, intervals in by_key.items():
        ordered = sorted(intervals, key=lambda interval: interval.start)
        for before, after in itertools.pairwise(ordered):
            if after.start <= before.end:
                problems.append(
                    f"{key}: {before.owner} believed it held [{before.start:.3f}, "
                    f"{before.end:.3f}] while {after.owner} acquired at {after.start:.3f}"
                )
    return problems


def stale_writes(events: Sequence[Event]) -> list[str]:
    """Fenced writes accepted although a newer token had been handed to another owner first."""
    acquires = [e for e in events if e.kind == "acquired"]
    problems = []
    for write in (e for e in events if e.kind == "write_ok"):
        assert write.token is not None and write.sent is not None
        newer = [
            a
            for a in acquires
            if a.key == write.key
            and a.owner != write.owner
            and a.token is not None
            and a.token > write.token
            and a.time < write.sent
        ]
        if newer:
            problems.append(
                f"{write.key}: {write.owner}'s write with token {write.token} (sent at "
                f"{write.sent:.3f}) was accepted after {newer[0].owner} acquired token "
                f"{newer[0].token} at {newer[0].time:.3f}"
            )
    return problems


def check(events: Sequence[Event], *, skew_tolerated: bool = True) -> list[str]:
    """Every violation in the history; overlaps count only while clocks are within tolerance."""
    return (overlaps(events) if skew_tolerated else []) + stale_writes(events)
