"""A fault-injecting HTTP reverse proxy for integration tests, in front of moto's server.

Clients are pointed at the proxy (``AWS_ENDPOINT_URL``); it forwards every
request unchanged to the upstream server, except that a seeded-random fraction
of the requests a ``match`` predicate selects are answered by the proxy itself
with a fault: DynamoDB throttling, an HTTP 500, an S3 ``503 SlowDown``, or a
connection closed without any response. A ``rewrite`` middleware can also
change requests and responses (e.g. report some batch entries as failed).
``delay_seconds`` holds every selected request that long before forwarding it,
and ``go_silent(seconds)`` makes the proxy answer nothing for a window: each
request arriving in it hangs until the window ends, then its connection is
closed with no response (a partitioned or frozen endpoint).

Headers are forwarded as the client sent them, Host included: the client signs
for the proxy's host and port, and moto does not verify signatures.
"""

from __future__ import annotations

import enum
import http.client
import json
import random
import socket
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Fault", "FaultProxy", "ProxiedRequest", "ProxiedResponse", "Rewrite"]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "content-length"}


class Fault(enum.Enum):
    """What the proxy answers instead of forwarding a request."""

    THROTTLE = "ProvisionedThroughputExceededException"
    THROTTLING = "ThrottlingException"
    SERVER_ERROR = "500"
    SLOW_DOWN = "SlowDown"
    DROP = "drop"


@dataclass(frozen=True)
class ProxiedRequest:
    """One request as the client sent it (body already de-chunked)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def target(self) -> str:
        """The ``X-Amz-Target`` of a JSON-protocol call, e.g. ``DynamoDB_20120810.Query``."""
        return self.header("X-Amz-Target") or ""

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    def json(self) -> dict[str, Any]:
        document = json.loads(self.body)
        assert isinstance(document, dict)
        return document

    def with_json(self, document: object) -> ProxiedRequest:
        return replace(self, body=json.dumps(document).encode())


@dataclass(frozen=True)
class ProxiedResponse:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def json(self) -> dict[str, Any]:
        document = json.loads(self.body)
        assert isinstance(document, dict)
        return document

    def with_json(self, document: object) -> ProxiedResponse:
        """This response with a new JSON body; DynamoDB's ``x-amz-crc32`` is recomputed."""
        body = json.dumps(document).encode()
        headers = tuple(
            (key, str(zlib.crc32(body)) if key.lower() == "x-amz-crc32" else value)
            for key, value in self.headers
        )
        return replace(self, body=body, headers=headers)


Forward = Callable[[ProxiedRequest], ProxiedResponse]
Rewrite = Callable[[ProxiedRequest, Forward], ProxiedResponse]
"""Middleware: gets the request and a ``forward`` function, returns the response to send."""


@dataclass
class _Stats:
    forwarded: int = 0
    injected: Counter[Fault] = field(default_factory=Counter)


class FaultProxy:
    """A threaded reverse proxy on 127.0.0.1 that injects faults; use it as a context manager.

    ``rate`` of the requests ``match`` selects (all by default) get one of
    ``faults`` (chosen with a ``random.Random(seed)``). ``max_faults_per_call``
    bounds the faults injected into one SDK call across its retries (botocore
    sends the same ``amz-sdk-invocation-id`` with every attempt), so a test can
    inject heavy faults yet know the SDK's retries get every call through.

    ``serialize=True`` forwards one request at a time. moto's threaded server
    evaluates a DynamoDB condition and applies the write without a lock, so
    two racing conditional writes can both succeed there; real DynamoDB
    applies each conditional write to an item atomically. Serializing the
    requests restores that guarantee while the callers still race.
    """

    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.0,
        faults: Sequence[Fault] = (Fault.THROTTLE,),
        seed: int = 0,
        match: Callable[[ProxiedRequest], bool] | None = None,
        max_faults_per_call: int | None = None,
        rewrite: Rewrite | None = None,
        serialize: bool = False,
        delay_seconds: float = 0.0,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        if not faults:
            raise ValueError("faults must name at least one Fault")
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname not in {"127.0.0.1", "localhost"}:
            raise ValueError(f"upstream must be an http:// loopback URL, got {upstream!r}")
        self._upstream = (parts.hostname, parts.port or 80)
        self.rate = rate
        self.faults = tuple(faults)
        self.match = match
        self.max_faults_per_call = max_faults_per_call
        self.rewrite = rewrite
        self.delay_seconds = delay_seconds
        self._silent_until = 0.0
        self._silent_match: Callable[[ProxiedRequest], bool] | None = None
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._upstream_lock: threading.Lock | None = threading.Lock() if serialize else None
        self._stats = _Stats()
        self._faults_per_call: Counter[str] = Counter()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def forwarded(self) -> int:
        """Requests that reached the upstream server."""
        with self._lock:
            return self._stats.forwarded

    @property
    def injected(self) -> Counter[Fault]:
        """Faults answered by the proxy, per kind."""
        with self._lock:
            return Counter(self._stats.injected)

    @property
    def injected_total(self) -> int:
        return sum(self.injected.values())

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def go_silent(
        self, seconds: float, *, match: Callable[[ProxiedRequest], bool] | None = None
    ) -> None:
        """Answer nothing (to the requests ``match`` selects) for ``seconds`` from now."""
        with self._lock:
            self._silent_match = match
            self._silent_until = time.monotonic() + seconds

    def silence(self, request: ProxiedRequest) -> float:
        """Seconds ``request`` must hang unanswered (0: the proxy is not silent to it)."""
        with self._lock:
            remaining = self._silent_until - time.monotonic()
            match = self._silent_match
        if remaining <= 0 or (match is not None and not match(request)):
            return 0.0
        return remaining

    def choose_fault(self, request: ProxiedRequest) -> Fault | None:
        """The fault to answer ``request`` with, or ``None`` to forward it."""
        if self.match is not None and not self.match(request):
            return None
        call = request.header("amz-sdk-invocation-id") or uuid.uuid4().hex
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            if self.max_faults_per_call is not None:
                if self._faults_per_call[call] >= self.max_faults_per_call:
                    return None
                self._faults_per_call[call] += 1
            fault = self._random.choice(self.faults)
            self._stats.injected[fault] += 1
            return fault

    def forward(self, request: ProxiedRequest) -> ProxiedResponse:
        """Send ``request`` to the upstream server and read its whole response."""
        if self._upstream_lock is not None:
            with self._upstream_lock:
                return self._forward(request)
        return self._forward(request)

    def _forward(self, request: ProxiedRequest) -> ProxiedResponse:
        host, port = self._upstream
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            connection.putrequest(
                request.method, request.path, skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers:
                if name.lower() not in _HOP_BY_HOP:
                    connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(request.body)))
            connection.endheaders(request.body)
            upstream = connection.getresponse()
            body = upstream.read()
            headers = tuple(upstream.getheaders())
            response = ProxiedResponse(upstream.status, upstream.reason, headers, body)
        finally:
            connection.close()
        with self._lock:
            self._stats.forwarded += 1
        return response

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs expect

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows failures, not every proxied request."""

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True

    def do_GET(self) -> None:
        self._proxy()

    def do_HEAD(self) -> None:
        self._proxy()

    def do_PUT(self) -> None:
        self._proxy()

    def do_POST(self) -> None:
        self._proxy()

    def do_DELETE(self) -> None:
        self._proxy()

    def do_PATCH(self) -> None:
        self._proxy()

    def _proxy(self) -> None:
        request = ProxiedRequest(
            method=self.command,
            path=self.path,
            headers=tuple(self.headers.items()),
            body=self._read_body(),
        )
        proxy = self.owner
        hang = proxy.silence(request)
        if hang > 0:
            time.sleep(hang)
            fault: Fault | None = Fault.DROP
        else:
            fault = proxy.choose_fault(request)
            if (
                fault is None
                and proxy.delay_seconds
                and (proxy.match is None or proxy.match(request))
            ):
                time.sleep(proxy.delay_seconds)
        if fault is Fault.DROP:
            # The client sees its connection closed with no response at all.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None:
            response = _fault_response(fault, request)
        elif proxy.rewrite is not None:
            response = proxy.rewrite(request, proxy.forward)
        else:
            response = proxy.forward(request)
        self._send(request, response)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    # Trailer section: header lines up to an empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        lines = [f"HTTP/1.1 {response.status} {response.reason}"]
        length = str(len(response.body))
        for name, value in response.headers:
            lowered = name.lower()
            if lowered == "content-length" and request.method == "HEAD":
                length = value  # HEAD announces the size of a body it does not send
            elif lowered not in _HOP_BY_HOP:
                lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {length}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = b"" if request.method == "HEAD" else response.body
        # One write: the whole response leaves in a single send.
        self.wfile.write(head + body)


def _fault_response(fault: Fault, request: ProxiedRequest) -> ProxiedResponse:
    request_id = uuid.uuid4().hex
    if fault in (Fault.THROTTLE, Fault.THROTTLING):
        prefix = (
            "com.amazonaws.dynamodb.v20120810"
            if fault is Fault.THROTTLE
            else "com.amazon.coral.availability"
        )
        return _json_error(400, "Bad Request", f"{prefix}#{fault.value}", fault, request_id)
    if fault is Fault.SERVER_ERROR:
        if request.target:
            return _json_error(500, "Internal Server Error", "InternalFailure", fault, request_id)
        return _xml_error(500, "Internal Server Error", "InternalError", request_id)
    return _xml_error(503, "Slow Down", "SlowDown", request_id)


def _json_error(
    status: int, reason: str, error_type: str, fault: Fault, request_id: str
) -> ProxiedResponse:
    short_type = error_type.rpartition("#")[2]
    body = json.dumps(
        {"__type": error_type, "message": f"injected {short_type} (fault proxy)"}
    ).encode()
    headers = (
        ("Content-Type", "application/x-amz-json-1.0"),
        ("x-amzn-ErrorType", short_type),
        ("x-amzn-RequestId", request_id),
        ("x-amz-crc32", str(zlib.crc32(body))),
    )
    return ProxiedResponse(status, reason, headers, body)


def _xml_error(status: int, reason: str, code: str, request_id: str) -> ProxiedResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>injected {code} (fault proxy)</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    headers = (("Content-Type", "application/xml"), ("x-amz-request-id", request_id))
    return ProxiedResponse(status, reason, headers, body)
