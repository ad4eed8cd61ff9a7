"""``configure_logging()``: the log format the original's services set up at start-up.

The library itself never configures logging (the package adds only a
``NullHandler``); an application calls this once, as the original's web UI and
workers do in their ``main`` modules.
"""

from __future__ import annotations

import logging

__all__ = ["LOG_DATEFMT", "LOG_FORMAT", "configure_logging"]

LOG_FORMAT = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"
LOG_DATEFMT = "%Y-%m-%dT%H:%M:%SZ"


def configure_logging(level: int = logging.INFO) -> None:
    """Configure the root logger for this process; call once at application start-up.

    ``logging.basicConfig``: a no-op when the root logger already has a handler,
    so an application's own configuration wins.
    """
    logging.basicConfig(level=level, format=LOG_FORMAT, datefmt=LOG_DATEFMT)
