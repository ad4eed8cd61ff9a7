"""Time and lease-owner identity, the same for every backend."""

from __future__ import annotations

import os
import socket
import time
import uuid

_fork_generation = 0


def _after_fork_in_child() -> None:
    global _fork_generation
    _fork_generation += 1


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork to guard against
    os.register_at_fork(after_in_child=_after_fork_in_child)


def now() -> int:
    """Unix seconds; the clock every generated time comparison uses."""
    return int(time.time())


def default_owner_id() -> str:
    """A lease owner id unique to this process and object: host, pid, random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def holder_id(owner: str) -> str:
    """An owner id for one holder (one ``hold`` block): ``owner`` plus a random suffix.

    Two blocks sharing one lock object (two threads, or nested blocks) are two
    owners, so neither can renew, complete or release the other's lease.
    """
    return f"{owner}/{os.urandom(4).hex()}"  # 32 random bits, as uuid4().hex[:8] gave


class ProcessOwner:
    """A lock object's owner id, fresh in every process forked from this one.

    The id given (or a default one) serves the process that built the lock; a
    child of ``os.fork`` gets its own id on first use, so it never acts as its
    parent's owner (``os.register_at_fork`` counts the forks).
    """

    def __init__(self, owner_id: str | None) -> None:
        self._base = owner_id
        self._generation = _fork_generation
        self._id = owner_id or default_owner_id()

    def current(self) -> str:
        if self._generation != _fork_generation:
            self._generation = _fork_generation
            self._id = (
                default_owner_id()
                if self._base is None
                else f"{self._base}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            )
        return self._id


def fork_generation() -> int:
    """How many forks separate this process from the one that imported the module."""
    return _fork_generation
