"""S3 implementation of ``ObjectStorage``: presigned URLs, small objects and files.

Files go through boto3's managed transfer, so memory stays bounded and large
files are sent in parallel parts. A download only ever appears at its target
path complete; a failed upload leaves no multipart upload behind to be billed.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from boto3.exceptions import S3TransferFailedError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from stereo_spot_shared.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    ObjectNotFoundError,
    ServiceError,
)
from stereo_spot_shared.interfaces import ProgressCallback

from ._clients import get_client
from ._env import EnvVariable
from ._errors import AWS_ERRORS, AwsCall, Resource, error_code, http_status, service_error

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

logger = logging.getLogger(__name__)

MAX_PRESIGN_SECONDS = 604_800
"""Seven days, the longest a SigV4 presigned URL can be valid."""

MAX_KEY_BYTES = 1024
"""S3's limit on the UTF-8 length of an object key."""

MIB = 1024 * 1024

# botocore's own check of a bucket name (it raises ParamValidationError otherwise).
_BUCKET_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")


def default_transfer_config() -> TransferConfig:
    """Multipart above 8 MiB, 8 MiB parts, 8 parts in flight, at most 8 MiB of reads queued."""
    return TransferConfig(
        multipart_threshold=8 * MIB,
        multipart_chunksize=8 * MIB,
        max_concurrency=8,
        # Downloaded chunks (256 KiB each) waiting to be written to disk: s3transfer
        # allows 100 (25 MiB); 32 keep memory lower with the disk still never idle.
        max_io_queue=32,
        use_threads=True,
        # The classic transfer manager, never CRT: its cleanup and progress
        # reporting are what this module relies on.
        preferred_transfer_client="classic",
    )


class S3ObjectStorage:
    """Objects in any S3 bucket; bucket names are passed per call.

    A ``client`` passed in should sign with SigV4 (``signature_version="s3v4"``,
    as the shared client does) so presigned URLs work in every region.
    ``bucket_variables`` are the environment variables that name buckets; when a
    bucket does not exist, the error names the variable that holds its name.
    """

    def __init__(
        self,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        client: S3Client | None = None,
        transfer_config: TransferConfig | None = None,
        bucket_variables: Sequence[EnvVariable] = (),
    ) -> None:
        self._client = (
            client
            if client is not None
            else get_client("s3", region_name=region_name, endpoint_url=endpoint_url)
        )
        self._transfer_config = (
            transfer_config if transfer_config is not None else default_transfer_config()
        )
        self._bucket_variables = tuple(bucket_variables)

    def _aws(self, bucket: str) -> AwsCall:
        """The error translation for requests to ``bucket``."""
        variable = next(
            (v for v in self._bucket_variables if os.environ.get(v.name, "").strip() == bucket),
            None,
        )
        return AwsCall(
            Resource(
                "s3",
                "S3 bucket",
                bucket,
                variable.name if variable else None,
                variable.terraform_output if variable else None,
            )
        )

    def presign_upload(
        self, bucket: str, key: str, *, expires_in: int = 3600, content_type: str = "video/mp4"
    ) -> str:
        """A URL that accepts one HTTP PUT of the object with this ``Content-Type``."""
        _check_object(bucket, key)
        _check_expiry(expires_in)
        _check_header_value("content_type", content_type)
        with self._aws(bucket):
            return self._client.generate_presigned_url(
                "put_object",
                Params={"Bucket": bucket, "Key": key, "ContentType": content_type},
                ExpiresIn=expires_in,
                HttpMethod="PUT",
            )

    def presign_download(
        self,
        bucket: str,
        key: str,
        *,
        expires_in: int = 3600,
        response_content_disposition: str | None = None,
    ) -> str:
        """A URL that serves the object to an HTTP GET, optionally as an attachment."""
        _check_object(bucket, key)
        _check_expiry(expires_in)
        params = {"Bucket": bucket, "Key": key}
        if response_content_disposition is not None:
            _check_header_value("response_content_disposition", response_content_disposition)
            params["ResponseContentDisposition"] = response_content_disposition
        with self._aws(bucket):
            return self._client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_in, HttpMethod="GET"
            )

    def upload(self, bucket: str, key: str, body: bytes) -> None:
        """Store ``body`` as the object, replacing any existing one."""
        _check_object(bucket, key)
        if not isinstance(body, bytes):
            raise ArgumentTypeError(
                f"body must be bytes, not {type(body).__name__}; encode text first"
            )
        with self._aws(bucket):
            self._client.put_object(Bucket=bucket, Key=key, Body=body)

    def download(self, bucket: str, key: str) -> bytes:
        """The whole object in memory; use ``download_file`` for large objects."""
        _check_object(bucket, key)
        with self._aws(bucket):
            try:
                response = self._client.get_object(Bucket=bucket, Key=key)
            except ClientError as exc:
                if _is_missing_key(exc):
                    raise ObjectNotFoundError(bucket, key) from exc
                raise
            with contextlib.closing(response["Body"]) as stream:
                return stream.read()

    def exists(self, bucket: str, key: str) -> bool:
        """Whether the object exists; errors other than "not found" (e.g. 403) are raised.

        A HEAD answer has no body, so a missing object and a missing bucket both
        come back as a bare 404: on a 404 the bucket is checked (one more
        request), and a missing bucket raises ``MissingResourceError``.
        """
        _check_object(bucket, key)
        aws = self._aws(bucket)
        with aws:
            try:
                self._client.head_object(Bucket=bucket, Key=key)
            except ClientError as exc:
                if not _is_missing_key(exc):
                    raise
            else:
                return True
            self._client.head_bucket(Bucket=bucket)
        return False

    def delete(self, bucket: str, key: str) -> None:
        """Delete the object; deleting one that does not exist is not an error."""
        _check_object(bucket, key)
        with self._aws(bucket):
            self._client.delete_object(Bucket=bucket, Key=key)

    def list_object_keys(
        self, bucket: str, prefix: str = "", *, page_size: int = 1000
    ) -> list[str]:
        """Every key under ``prefix``, following all pages, in S3's (UTF-8 binary) order."""
        _check_bucket(bucket)
        if prefix:
            _check_key(prefix, what="prefix")
        _check_int("page_size", page_size, 1, 1000)
        with self._aws(bucket):
            paginator = self._client.get_paginator("list_objects_v2")
            pages = paginator.paginate(
                Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
            )
            return [obj["Key"] for page in pages for obj in page.get("Contents", [])]

    def upload_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Upload a local file, in parts above the multipart threshold.

        ``progress`` is called with the bytes sent since its previous call.
        S3 errors raise the shared ``ServiceError`` kinds, like every other call.
        """
        _check_object(bucket, key)
        filename = os.fspath(path)
        if not os.path.exists(filename):
            raise FileNotFoundError(errno.ENOENT, "local file to upload does not exist", filename)
        if os.path.isdir(filename):
            raise IsADirectoryError(errno.EISDIR, "cannot upload a directory", filename)
        may_be_multipart = os.path.getsize(filename) >= self._transfer_config.multipart_threshold
        try:
            with self._transfer_errors(bucket):
                self._client.upload_file(
                    filename, bucket, key, Callback=progress, Config=self._transfer_config
                )
        except BaseException:
            # Also on Ctrl-C: uploaded parts of an unfinished upload are stored
            # (and billed) until the upload is aborted.
            if may_be_multipart:
                self._abort_multipart_uploads(bucket, key)
            raise

    def download_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Download to a local file, which appears only once it is complete.

        s3transfer writes the data to a temporary file beside the target
        (``<name>.<random>``) and renames it over the target at the end; on
        failure it removes it, so an existing target is left as it was. (A second
        temporary layer here cost 10-20% of throughput for nothing.)
        ``progress`` is called with the bytes received since its previous call.
        """
        _check_object(bucket, key)
        target = os.fspath(path)
        if os.path.isdir(target):
            raise IsADirectoryError(errno.EISDIR, "download target is a directory", target)
        directory = os.path.dirname(os.path.abspath(target))
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                errno.ENOENT, "directory to download into does not exist", directory
            )
        aws = self._aws(bucket)
        with self._transfer_errors(bucket):
            try:
                self._client.download_file(
                    bucket, key, target, Callback=progress, Config=self._transfer_config
                )
            except ClientError as exc:
                if not _is_missing_key(exc):
                    raise
                with aws:  # a bare 404 from HEAD: is it the object or the bucket?
                    self._client.head_bucket(Bucket=bucket)
                raise ObjectNotFoundError(bucket, key) from exc

    @contextlib.contextmanager
    def _transfer_errors(self, bucket: str) -> Iterator[None]:
        """Map what the managed transfer raises: boto3 wraps S3's error in its own."""
        try:
            with self._aws(bucket):
                yield
        except (S3UploadFailedError, S3TransferFailedError) as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, AWS_ERRORS):
                # botocore's error is the original; boto3's wrapper only adds the file name.
                raise service_error(cause, self._aws(bucket).resource) from cause
            raise ServiceError(
                f"transfer to or from S3 bucket {bucket!r} failed: {exc}",
                action="s3:*",
                resource=f"S3 bucket {bucket!r}",
                code=type(exc).__name__,
            ) from exc

    def _abort_multipart_uploads(self, bucket: str, key: str) -> None:
        """Abort every unfinished multipart upload of exactly this key.

        s3transfer normally aborts its own upload on failure; this makes sure
        even when that abort failed. It would also abort a concurrent upload of
        the same key by another writer, which then fails and must retry.
        """
        try:
            paginator = self._client.get_paginator("list_multipart_uploads")
            for page in paginator.paginate(Bucket=bucket, Prefix=key):
                for upload in page.get("Uploads", []):
                    if upload.get("Key") == key and "UploadId" in upload:
                        self._client.abort_multipart_upload(
                            Bucket=bucket, Key=key, UploadId=upload["UploadId"]
                        )
        except AWS_ERRORS:
            # Never hide the upload's own error; say what is left to clean up.
            logger.warning(
                "could not abort unfinished multipart uploads of s3://%s/%s; an "
                "AbortIncompleteMultipartUpload lifecycle rule will remove them",
                bucket,
                key,
                exc_info=True,
            )


def _is_missing_key(exc: ClientError) -> bool:
    """A missing object: ``NoSuchKey``, or a bare 404 (HEAD) that is not a missing bucket."""
    code = error_code(exc)
    if code == "NoSuchBucket":
        return False
    return code in {"404", "NoSuchKey", "NotFound"} or http_status(exc) == 404


def _check_object(bucket: str, key: str) -> None:
    _check_bucket(bucket)
    _check_key(key, what="key")


def _check_bucket(bucket: str) -> None:
    if not isinstance(bucket, str):
        raise ArgumentTypeError(f"bucket must be a str, got {type(bucket).__name__}")
    if not bucket:
        raise InvalidArgumentError(
            "bucket is empty; pass the bucket name, e.g. from INPUT_BUCKET_NAME"
        )
    if _BUCKET_NAME.fullmatch(bucket) is None:
        raise InvalidArgumentError(
            f"bucket {bucket!r} is not a bucket name (letters, digits, '.', '-', '_'); pass "
            "the name alone and put any path in the key"
        )


def _check_key(key: str, *, what: str) -> None:
    if not isinstance(key, str):
        raise ArgumentTypeError(f"{what} must be a str, got {type(key).__name__}")
    if not key:
        raise InvalidArgumentError(f"{what} is empty; S3 object keys need at least one character")
    index = _first_control_character(key)
    if index is not None:
        raise InvalidArgumentError(
            f"{what} {key!r} contains control character {key[index]!r} at index {index}; "
            "S3 keys here must not contain characters below U+0020 or U+007F"
        )
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(f"{what} {key!r} is not valid Unicode: {exc.reason}") from exc
    if size > MAX_KEY_BYTES:
        raise InvalidArgumentError(
            f"{what} is {size} bytes of UTF-8; S3 allows at most {MAX_KEY_BYTES}"
        )


def _first_control_character(text: str) -> int | None:
    return next(
        (index for index, char in enumerate(text) if ord(char) < 32 or ord(char) == 127), None
    )


def _check_expiry(expires_in: int) -> None:
    if not isinstance(expires_in, int) or isinstance(expires_in, bool):
        raise ArgumentTypeError(f"expires_in must be an int, got {type(expires_in).__name__}")
    if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
        raise InvalidArgumentError(
            f"expires_in must be between 1 and {MAX_PRESIGN_SECONDS} seconds (7 days), "
            f"got {expires_in}"
        )


def _check_int(name: str, value: object, low: int, high: int, note: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        detail = f" ({note})" if note else ""
        raise InvalidArgumentError(f"{name} must be between {low} and {high}{detail}, got {value}")


def _check_header_value(name: str, value: str) -> None:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{name} is empty")
    index = _first_control_character(value)
    if index is not None:
        raise InvalidArgumentError(
            f"{name} {value!r} contains a control character at index {index}"
        )


__all__ = ["MAX_KEY_BYTES", "MAX_PRESIGN_SECONDS", "S3ObjectStorage", "default_transfer_config"]
