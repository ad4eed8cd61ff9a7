"""Time and lease-owner identity, the same for every backend."""

from __future__ import annotations

import os
import socket
import time
import uuid


def now() -> int:
    """Unix seconds; the clock every generated time comparison uses."""
    return int(time.time())


def default_owner_id() -> str:
    """A lease owner id unique to this process and object: host, pid, random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
