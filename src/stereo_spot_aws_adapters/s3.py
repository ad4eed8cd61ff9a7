"""S3 implementation of ``ObjectStorage``: presigned URLs, small objects and files.

Files go through boto3's managed transfer, so memory stays bounded and large
files are sent in parallel parts. A download only ever appears at its target
path complete; a failed upload leaves no multipart upload behind to be billed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from boto3.exceptions import S3TransferFailedError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from stereo_spot_shared._object_checks import (
    MAX_KEY_BYTES,
    MAX_PRESIGN_SECONDS,
    check_body,
    check_download_target,
    check_expiry,
    check_header_value,
    check_listing,
    check_object,
    check_upload_source,
)
from stereo_spot_shared.errors import (
    ObjectNotFoundError,
    ServiceError,
)
from stereo_spot_shared.interfaces import ProgressCallback

from ._clients import get_client
from ._env import EnvVariable
from ._errors import AWS_ERRORS, AwsCall, error_code, http_status, resource_call, service_error

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

logger = logging.getLogger(__name__)

MIB = 1024 * 1024


# botocore's own check of a bucket name (it raises ParamValidationError otherwise).
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
        self._client = get_client(
            "s3", region_name=region_name, endpoint_url=endpoint_url, client=client
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
        return resource_call("s3", "S3 bucket", bucket, variable)

    def presign_upload(
        self, bucket: str, key: str, *, expires_in: int = 3600, content_type: str = "video/mp4"
    ) -> str:
        """A URL that accepts one HTTP PUT of the object with this ``Content-Type``."""
        check_object(bucket, key)
        check_expiry(expires_in)
        check_header_value("content_type", content_type)
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
        check_object(bucket, key)
        check_expiry(expires_in)
        params = {"Bucket": bucket, "Key": key}
        if response_content_disposition is not None:
            check_header_value("response_content_disposition", response_content_disposition)
            params["ResponseContentDisposition"] = response_content_disposition
        with self._aws(bucket):
            return self._client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_in, HttpMethod="GET"
            )

    def upload(self, bucket: str, key: str, body: bytes) -> None:
        """Store ``body`` as the object, replacing any existing one."""
        check_object(bucket, key)
        check_body(body)
        with self._aws(bucket):
            self._client.put_object(Bucket=bucket, Key=key, Body=body)

    def download(self, bucket: str, key: str) -> bytes:
        """The whole object in memory; use ``download_file`` for large objects."""
        check_object(bucket, key)
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
        come back as a bare 404: on a 404 a one-byte GET of the key tells them
        apart (its error body says ``NoSuchKey`` or ``NoSuchBucket``), with the
        ``s3:GetObject`` the HEAD needed anyway; a missing bucket raises
        ``MissingResourceError``. S3 answers 403, not 404, for a missing key to a
        caller who may not list the whole bucket: on a 403 the key itself is
        listed (``_listed``), which the generated policies allow under a layout's
        prefix; if that is refused too, the HEAD's ``AccessDeniedError`` is raised.
        """
        check_object(bucket, key)
        with self._aws(bucket):
            try:
                self._client.head_object(Bucket=bucket, Key=key)
            except ClientError as exc:
                if http_status(exc) == 403:
                    listed = self._listed(bucket, key)
                    if listed is None:
                        raise
                    return listed
                if not _is_missing_key(exc):
                    raise
            else:
                return True
            return not self._key_is_missing(bucket, key)

    def _listed(self, bucket: str, key: str) -> bool | None:
        """Whether a listing of exactly ``key`` shows it; ``None`` if listing is refused too.

        ``s3:ListBucket`` with ``s3:prefix`` = the key: within a readable layout's
        prefix, the generated policies grant it. The key, if present, is the first
        of its own prefix (S3 lists in UTF-8 binary order).
        """
        try:
            response = self._client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        except ClientError as exc:
            if http_status(exc) == 403:
                return None
            raise
        return any(item.get("Key") == key for item in response.get("Contents", []))

    def _key_is_missing(self, bucket: str, key: str) -> bool:
        """After a bare 404: ``True`` if the key is missing, ``False`` if it exists by now.

        A missing bucket raises (``NoSuchBucket``, mapped by the caller's ``_aws``).
        """
        try:
            response = self._client.get_object(Bucket=bucket, Key=key, Range="bytes=0-0")
        except ClientError as exc:
            if error_code(exc) == "InvalidRange":  # an empty object: it exists
                return False
            if error_code(exc) == "NoSuchKey":
                return True
            raise
        response["Body"].close()
        return False

    def delete(self, bucket: str, key: str) -> None:
        """Delete the object; deleting one that does not exist is not an error."""
        check_object(bucket, key)
        with self._aws(bucket):
            self._client.delete_object(Bucket=bucket, Key=key)

    def list_object_keys(
        self, bucket: str, prefix: str = "", *, page_size: int = 1000
    ) -> list[str]:
        """Every key under ``prefix``, following all pages, in S3's (UTF-8 binary) order."""
        check_listing(bucket, prefix, page_size)
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
        check_object(bucket, key)
        filename = check_upload_source(path)
        may_be_multipart = os.path.getsize(filename) >= self._transfer_config.multipart_threshold
        try:
            with _transfer_errors(self._aws(bucket)):
                self._client.upload_file(
                    filename, bucket, key, Callback=progress, Config=self._transfer_config
                )
        except BaseException as exc:
            # Also on Ctrl-C: uploaded parts of an unfinished upload are stored
            # (and billed) until the upload is aborted.
            if may_be_multipart:
                logger.warning(
                    "multipart upload of s3://%s/%s failed (%s); aborting it",
                    bucket,
                    key,
                    type(exc).__name__,
                    extra={"bucket": bucket, "key": key, "error_type": type(exc).__name__},
                )
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
        check_object(bucket, key)
        target = check_download_target(path)
        aws = self._aws(bucket)
        with _transfer_errors(aws):
            try:
                self._client.download_file(
                    bucket, key, target, Callback=progress, Config=self._transfer_config
                )
            except ClientError as exc:
                if http_status(exc) == 403:  # a missing key, to a caller who may not list all?
                    with aws:
                        listed = self._listed(bucket, key)
                    if listed is False:
                        raise ObjectNotFoundError(bucket, key) from exc
                    raise
                if not _is_missing_key(exc):
                    raise
                with aws:  # a bare 404 from HEAD: is it the object or the bucket?
                    missing = self._key_is_missing(bucket, key)
                if missing:
                    raise ObjectNotFoundError(bucket, key) from exc
                # Written between the HEAD and the probe: download what is there now.
                self._client.download_file(
                    bucket, key, target, Callback=progress, Config=self._transfer_config
                )

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
                        logger.warning(
                            "aborted a multipart upload of s3://%s/%s that s3transfer left "
                            "unfinished",
                            bucket,
                            key,
                            extra={"bucket": bucket, "key": key, "upload_id": upload["UploadId"]},
                        )
        except AWS_ERRORS:
            # Never hide the upload's own error; say what is left to clean up.
            logger.warning(
                "could not abort unfinished multipart uploads of s3://%s/%s; an "
                "AbortIncompleteMultipartUpload lifecycle rule will remove them",
                bucket,
                key,
                exc_info=True,
                extra={"bucket": bucket, "key": key},
            )


@contextlib.contextmanager
def _transfer_errors(aws: AwsCall) -> Iterator[None]:
    """Map what the managed transfer raises: boto3 wraps S3's error in its own."""
    try:
        with aws:
            yield
    except (S3UploadFailedError, S3TransferFailedError) as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, AWS_ERRORS):
            # botocore's error is the original; boto3's wrapper only adds the file name.
            raise service_error(cause, aws.resource) from cause
        raise ServiceError(
            f"transfer to or from {aws.resource} failed: {exc}",
            action="s3:*",
            resource=str(aws.resource),
            code=type(exc).__name__,
        ) from exc


def _is_missing_key(exc: ClientError) -> bool:
    """A missing object: ``NoSuchKey``, or a bare 404 (HEAD) that is not a missing bucket."""
    code = error_code(exc)
    if code == "NoSuchBucket":
        return False
    return code in {"404", "NoSuchKey", "NotFound"} or http_status(exc) == 404


__all__ = ["MAX_KEY_BYTES", "MAX_PRESIGN_SECONDS", "S3ObjectStorage", "default_transfer_config"]
