"""An in-process moto server for the demo and tests: real HTTP on 127.0.0.1, no Docker.

moto is an optional dependency (the ``demo`` extra); it is imported only when a
server starts. Every server in one process shares moto's in-memory state.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

__all__ = ["DEMO_INSTALL_HINT", "EmbeddedMotoServer", "MotoNotInstalledError"]

DEMO_INSTALL_HINT = "pip install 'stereo-spot-aws-adapters[demo]'"

# werkzeug logs one line per request at INFO; moto warns about things the demo does on purpose.
_QUIET_LOGGERS = ("werkzeug", "moto")


class MotoNotInstalledError(ImportError):
    """moto and flask (the `demo` extra) are needed for the embedded server but not installed."""


def _check_port_free(host: str, port: int) -> None:
    """Raise ``OSError`` if ``port`` is taken; werkzeug would print and ``sys.exit(1)`` instead."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server binds: a port in TIME_WAIT is free to reuse.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


class _OneRequestAtATime:
    """WSGI middleware that runs one request at a time, body included."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            # Consume the response here: moto may read its state while it is iterated.
            return list(self._app(environ, start_response))


class EmbeddedMotoServer:
    """moto's server app on 127.0.0.1 and a free port, with request logging off.

    It is what moto's ``ThreadedMotoServer`` runs, with one difference: requests
    are handled one at a time. moto's backends do not lock, so two concurrent
    conditional writes to one DynamoDB item can both succeed, where DynamoDB
    lets exactly one through; serialising requests restores that guarantee
    (the demo's lease race depends on it). Connections are still accepted in
    parallel, so pooled keep-alive clients never wait on each other's sockets.

    Use it as a context manager; ``endpoint_url`` is valid inside the block::

        with EmbeddedMotoServer() as server:
            provision(endpoint_url=server.endpoint_url, region_name="us-east-1")
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._requested_port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._saved_levels: dict[str, int] = {}

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded moto server is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the embedded moto server is already running")
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server
        except ImportError as error:
            raise MotoNotInstalledError(
                f"the embedded AWS server needs moto and flask ({error}); "
                f"install it with: {DEMO_INSTALL_HINT}"
            ) from error
        if self._requested_port:
            _check_port_free(self.host, self._requested_port)
        for name in _QUIET_LOGGERS:
            logger = logging.getLogger(name)
            self._saved_levels[name] = logger.level
            logger.setLevel(logging.ERROR)
        # Port 0 lets the OS pick a free port; binding happens here, so it is known at once.
        server = make_server(
            self.host,
            self._requested_port,
            _OneRequestAtATime(DomainDispatcherApplication(create_backend_app)),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        self.port = server.server_port
        self._thread = threading.Thread(
            target=server.serve_forever, name="embedded-moto-server", daemon=True
        )
        self._thread.start()
        self._server = server

    def stop(self) -> None:
        if self._server is None:
            return
        try:
            self._server.shutdown()
            if self._thread is not None:
                self._thread.join()
            self._server.server_close()
        finally:
            self._server = None
            self._thread = None
            for name, level in self._saved_levels.items():
                logging.getLogger(name).setLevel(level)
            self._saved_levels.clear()

    def __enter__(self) -> EmbeddedMotoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
