"""moto's S3 server, with byte-range GETs read straight from the stored object.

moto answers ``GET`` with ``Range`` by reading the whole object and slicing it,
so a managed download of a 1 GiB object in 8 MiB parts reads 128 GiB on the
server and measures moto, not the client. This script serves exactly those
requests itself — seek and read the range from moto's own stored value — and
hands every other request to moto unchanged. Run as
``python -m benchmarks._s3_server PORT``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from werkzeug.serving import run_simple

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")

StartResponse = Callable[..., Any]


def _ranged_get(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes] | None:
    match = _RANGE.match(environ.get("HTTP_RANGE", ""))
    if environ["REQUEST_METHOD"] != "GET" or environ.get("QUERY_STRING") or match is None:
        return None
    bucket, _, key = environ["PATH_INFO"].lstrip("/").partition("/")
    try:
        stored = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_object(bucket, key)
    except Exception:
        return None  # let moto produce the proper error
    if stored is None:
        return None
    size = stored.size
    first = int(match.group(1))
    last = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    if first > last:
        return None
    with stored.lock:
        stored._value_buffer.seek(first)
        data = stored._value_buffer.read(last - first + 1)
    start_response(
        "206 Partial Content",
        [
            ("Content-Type", "binary/octet-stream"),
            ("Content-Length", str(len(data))),
            ("Content-Range", f"bytes {first}-{last}/{size}"),
            ("ETag", stored.etag),
            ("Accept-Ranges", "bytes"),
        ],
    )
    return [data]


def main(port: int) -> None:
    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        ranged = _ranged_get(environ, start_response)
        return ranged if ranged is not None else moto_app(environ, start_response)

    run_simple("127.0.0.1", port, app, threaded=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
