"""In-memory ``ObjectStorage``, its ``memory://`` presigned URLs, and S3 notifications.

Presigned URLs have the form
``memory://<backend id>/<bucket>/<key>?method=PUT&expires=<unix>&content-type=...``.
They are served by ``MemoryURLHandler``, a ``urllib`` handler, so code that
fetches presigned URLs with ``urllib.request.build_opener(MemoryURLHandler())``
works against both backends (HTTP URLs go through the opener's usual handlers).
Like S3, a presigned PUT must send the ``Content-Type`` it was signed with,
and an expired URL is refused with HTTP 403.
"""

from __future__ import annotations

import contextlib
import email.message
import hashlib
import io
import logging
import os
import tempfile
import urllib.error
import urllib.request
import urllib.response
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .._object_checks import (
    check_body,
    check_download_target,
    check_expiry,
    check_header_value,
    check_listing,
    check_object,
    check_upload_source,
)
from ..errors import ObjectNotFoundError
from ..interfaces import ProgressCallback
from ..s3_events import object_created_event
from .state import MemoryState, StoredObject, state_by_id

logger = logging.getLogger(__name__)

SCHEME = "memory"
CHUNK_BYTES = 256 * 1024
"""Files are read, written and reported to ``progress`` in pieces of this size."""

MULTIPART_THRESHOLD = 8 * 1024 * 1024
"""From this size the AWS adapter's ``upload_file`` goes in parts, which S3 announces as
``ObjectCreated:CompleteMultipartUpload``; the notifications here say the same."""


class MemoryObjectStorage:
    """Objects in the in-memory buckets of one backend; bucket names are passed per call."""

    def __init__(self, state: MemoryState) -> None:
        self.state = state

    def __repr__(self) -> str:
        return "MemoryObjectStorage()"

    def presign_upload(
        self, bucket: str, key: str, *, expires_in: int = 3600, content_type: str = "video/mp4"
    ) -> str:
        """A ``memory://`` URL that accepts one PUT of the object with this ``Content-Type``."""
        check_object(bucket, key)
        check_expiry(expires_in)
        check_header_value("content_type", content_type)
        return self._presign(bucket, key, "PUT", expires_in, {"content-type": content_type})

    def presign_download(
        self,
        bucket: str,
        key: str,
        *,
        expires_in: int = 3600,
        response_content_disposition: str | None = None,
    ) -> str:
        """A ``memory://`` URL that serves the object to a GET."""
        check_object(bucket, key)
        check_expiry(expires_in)
        extra: dict[str, str] = {}
        if response_content_disposition is not None:
            check_header_value("response_content_disposition", response_content_disposition)
            extra["content-disposition"] = response_content_disposition
        return self._presign(bucket, key, "GET", expires_in, extra)

    def upload(self, bucket: str, key: str, body: bytes) -> None:
        """Store ``body`` as the object, replacing any existing one."""
        check_object(bucket, key)
        check_body(body)
        self._store(bucket, key, body, "binary/octet-stream")

    def download(self, bucket: str, key: str) -> bytes:
        """The whole object."""
        check_object(bucket, key)
        return self._read(bucket, key).body

    def exists(self, bucket: str, key: str) -> bool:
        check_object(bucket, key)
        with self.state.lock:
            return key in self.state.bucket(bucket)

    def delete(self, bucket: str, key: str) -> None:
        """Delete the object; deleting one that does not exist is not an error."""
        check_object(bucket, key)
        with self.state.lock:
            self.state.bucket(bucket).pop(key, None)

    def list_object_keys(
        self, bucket: str, prefix: str = "", *, page_size: int = 1000
    ) -> list[str]:
        """Every key under ``prefix``, in S3's (UTF-8 binary) order."""
        check_listing(bucket, prefix, page_size)
        with self.state.lock:
            keys = [key for key in self.state.bucket(bucket) if key.startswith(prefix)]
        return sorted(keys, key=lambda key: key.encode("utf-8"))

    def upload_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Upload a local file; ``progress`` gets the bytes read since its previous call."""
        check_object(bucket, key)
        filename = check_upload_source(path)
        self.state.bucket(bucket)
        pieces = []
        with open(filename, "rb") as source:
            while piece := source.read(CHUNK_BYTES):
                pieces.append(piece)
                if progress is not None:
                    progress(len(piece))
        body = b"".join(pieces)
        event = (
            "ObjectCreated:CompleteMultipartUpload"
            if len(body) >= MULTIPART_THRESHOLD
            else "ObjectCreated:Put"
        )
        self._store(bucket, key, body, "binary/octet-stream", event)

    def download_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Download to a local file, which appears only once it is complete."""
        check_object(bucket, key)
        target = check_download_target(path)
        body = self._read(bucket, key).body
        directory = os.path.dirname(os.path.abspath(target))
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.")
        try:
            with os.fdopen(fd, "wb") as sink:
                for start in range(0, len(body), CHUNK_BYTES):
                    piece = body[start : start + CHUNK_BYTES]
                    sink.write(piece)
                    if progress is not None:
                        progress(len(piece))
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def _presign(
        self, bucket: str, key: str, method: str, expires_in: int, extra: dict[str, str]
    ) -> str:
        self.state.bucket(bucket)
        query = urlencode(
            {"method": method, "expires": str(self.state.now() + expires_in), **extra}
        )
        return f"{SCHEME}://{self.state.id}/{quote(bucket)}/{quote(key, safe='/')}?{query}"

    def _read(self, bucket: str, key: str) -> StoredObject:
        with self.state.lock:
            stored = self.state.bucket(bucket).get(key)
        if stored is None:
            raise ObjectNotFoundError(bucket, key)
        return stored

    def _store(
        self,
        bucket: str,
        key: str,
        body: bytes,
        content_type: str,
        event_name: str = "ObjectCreated:Put",
    ) -> None:
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        with self.state.lock:
            self.state.bucket(bucket)[key] = StoredObject(body, content_type, etag)
            routes = [route for route in self.state.routes if route.matches(bucket, key)]
            for route in routes:
                event = object_created_event(
                    bucket,
                    key,
                    len(body),
                    etag=etag,
                    event_name=event_name,
                    region=self.state.region,
                )
                self.state.enqueue(route.queue, event, len(event.encode("utf-8")))
                logger.debug(
                    "memory bucket %s: %s notified queue %s",
                    bucket,
                    event_name,
                    route.queue,
                    extra={"bucket": bucket, "event_name": event_name, "queue": route.queue},
                )


class MemoryURLHandler(urllib.request.BaseHandler):
    """Serves ``memory://`` presigned URLs to ``urllib``: GET downloads, PUT uploads."""

    def memory_open(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        url = request.full_url
        parts = urlsplit(url)
        state = state_by_id(parts.netloc)
        bucket, _, quoted_key = parts.path.lstrip("/").partition("/")
        params = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if state is None:
            raise _http_error(url, 404, "the in-memory backend of this URL no longer exists")
        method = request.get_method()
        if method != params.get("method"):
            raise _http_error(url, 403, f"URL signed for {params.get('method')}, not {method}")
        if state.now() > int(params.get("expires", "0")):
            raise _http_error(url, 403, "Request has expired")
        storage = MemoryObjectStorage(state)
        key = unquote(quoted_key)
        if method == "PUT":
            content_type = request.get_header("Content-type")
            if content_type != params.get("content-type"):
                raise _http_error(
                    url, 403, "SignatureDoesNotMatch: Content-Type differs from the signed one"
                )
            data = request.data
            body = data if isinstance(data, bytes) else b""
            storage._store(bucket, key, body, params["content-type"])
            return _response(url, b"", {})
        try:
            stored = storage._read(bucket, key)
        except ObjectNotFoundError:
            raise _http_error(url, 404, "NoSuchKey") from None
        headers = {"Content-Type": stored.content_type, "Content-Length": str(len(stored.body))}
        if "content-disposition" in params:
            headers["Content-Disposition"] = params["content-disposition"]
        return _response(url, stored.body, headers)


def _response(url: str, body: bytes, headers: dict[str, str]) -> urllib.response.addinfourl:
    message = email.message.Message()
    for name, value in headers.items():
        message[name] = value
    return urllib.response.addinfourl(io.BytesIO(body), message, url, code=200)


def _http_error(url: str, code: int, reason: str) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(url, code, reason, email.message.Message(), io.BytesIO(b""))
