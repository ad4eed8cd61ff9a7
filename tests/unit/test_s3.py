"""S3ObjectStorage against moto."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from stereo_spot_aws_adapters._clients import client_config, get_client
from stereo_spot_aws_adapters.s3 import MAX_PRESIGN_SECONDS, S3ObjectStorage
from stereo_spot_shared.errors import (
    AccessDeniedError,
    MissingResourceError,
    ObjectNotFoundError,
    RetryableServiceError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

MIB = 1024 * 1024
BUCKET = "stereo-input"
# S3's smallest part is 5 MiB, so a 12 MiB file is three parts.
SMALL_PARTS = TransferConfig(
    multipart_threshold=5 * MIB,
    multipart_chunksize=5 * MIB,
    max_concurrency=4,
    preferred_transfer_client="classic",
)
LARGE_SIZE = 12 * MIB + 12_345


class InjectedFailureError(Exception):
    """Raised by a test to interrupt a transfer."""


@pytest.fixture(scope="module")
def boto_session() -> boto3.session.Session:
    # One session for the module: a fresh one reloads botocore's endpoint data.
    return boto3.session.Session()


@pytest.fixture
def s3(aws: None, boto_session: boto3.session.Session) -> S3Client:
    """A client of its own per test, so patches and event handlers never leak."""
    client = boto_session.client("s3", region_name="us-east-1", config=client_config("s3"))
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def requests(s3: S3Client) -> list[str]:
    """Names of the S3 operations sent, in order (recorded by botocore's events)."""
    sent: list[str] = []

    def record(model: Any, **_: Any) -> None:
        sent.append(model.name)

    s3.meta.events.register("before-call.s3", record)
    return sent


@pytest.fixture
def storage(s3: S3Client) -> S3ObjectStorage:
    return S3ObjectStorage(client=s3, transfer_config=SMALL_PARTS)


@pytest.fixture(scope="module")
def large_bytes() -> bytes:
    return os.urandom(LARGE_SIZE)


@pytest.fixture
def large_file(tmp_path: Path, large_bytes: bytes) -> Path:
    path = tmp_path / "source" / "large.mp4"
    path.parent.mkdir()
    path.write_bytes(large_bytes)
    return path


def multipart_uploads(s3: S3Client) -> list[str]:
    return [upload["Key"] for upload in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])]


def test_default_client_is_the_shared_one(s3: S3Client) -> None:
    storage = S3ObjectStorage()

    storage.upload(BUCKET, "shared.txt", b"via get_client")

    assert get_client("s3").get_object(Bucket=BUCKET, Key="shared.txt")["Body"].read() == (
        b"via get_client"
    )


def test_upload_then_download_round_trips(storage: S3ObjectStorage) -> None:
    body = bytes(range(256)) * 10

    storage.upload(BUCKET, "dir/segment 0.bin", body)

    assert storage.download(BUCKET, "dir/segment 0.bin") == body


def test_upload_replaces_the_object(storage: S3ObjectStorage) -> None:
    storage.upload(BUCKET, "k", b"first")
    storage.upload(BUCKET, "k", b"second")

    assert storage.download(BUCKET, "k") == b"second"


def test_upload_refuses_text(storage: S3ObjectStorage, requests: list[str]) -> None:
    body: Any = "text"

    with pytest.raises(TypeError, match="bytes"):
        storage.upload(BUCKET, "k", body)
    assert requests == []


def test_download_of_a_missing_key_names_bucket_and_key(storage: S3ObjectStorage) -> None:
    with pytest.raises(
        ObjectNotFoundError, match=re.escape(f"s3://{BUCKET}/no/such.mp4")
    ) as caught:
        storage.download(BUCKET, "no/such.mp4")

    assert (caught.value.bucket, caught.value.key) == (BUCKET, "no/such.mp4")
    assert isinstance(caught.value, LookupError)


def test_download_from_a_missing_bucket_names_the_bucket(storage: S3ObjectStorage) -> None:
    with pytest.raises(MissingResourceError, match="S3 bucket 'no-such-bucket' does not exist"):
        storage.download("no-such-bucket", "k")


def test_exists(storage: S3ObjectStorage) -> None:
    storage.upload(BUCKET, "here", b"x")

    assert storage.exists(BUCKET, "here") is True
    assert storage.exists(BUCKET, "not-here") is False
    # A missing bucket is a deployment problem, not an absent object.
    with pytest.raises(MissingResourceError, match="S3 bucket 'no-such-bucket' does not exist"):
        storage.exists("no-such-bucket", "here")


def stubbed_head_error(status: int, code: str, *, bucket_exists: bool = True) -> S3Client:
    """A client whose next HeadObject fails with this status (no network involved).

    A following one-byte GetObject (how a bare 404 is told apart, with the s3:GetObject
    the HEAD needs anyway: never a HeadBucket, which needs s3:ListBucket) says
    NoSuchKey or NoSuchBucket.
    """
    client = boto3.client("s3", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "head_object", service_error_code=code, http_status_code=status, expected_params=None
    )
    if status == 403:  # then the key itself is listed, and that is refused too
        stubber.add_client_error(
            "list_objects_v2",
            service_error_code="AccessDenied",
            http_status_code=403,
            expected_params={"Bucket": BUCKET, "Prefix": ANY, "MaxKeys": 1},
        )
    stubber.add_client_error(
        "get_object",
        service_error_code="NoSuchKey" if bucket_exists else "NoSuchBucket",
        http_status_code=404,
        expected_params={"Bucket": BUCKET, "Key": ANY, "Range": "bytes=0-0"},
    )
    stubber.activate()
    return client


def test_exists_lets_access_denied_propagate() -> None:
    storage = S3ObjectStorage(client=stubbed_head_error(403, "403"))

    # A HEAD is authorized by s3:GetObject: the error names the action to grant.
    with pytest.raises(AccessDeniedError, match="access denied: s3:GetObject") as caught:
        storage.exists(BUCKET, "secret")
    assert caught.value.action == "s3:GetObject"
    assert isinstance(caught.value.__cause__, ClientError)


@pytest.mark.parametrize(("listed", "expected"), [([], False), (["secret"], True)])
def test_exists_on_a_403_lists_the_key_itself(listed: list[str], expected: bool) -> None:
    # S3 answers 403 (not 404) for a missing key to a caller without s3:ListBucket on the
    # whole bucket; the generated policies grant ListBucket only under a layout's prefix.
    client = boto3.client("s3", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "head_object", service_error_code="403", http_status_code=403, expected_params=None
    )
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": key} for key in listed]},
        expected_params={"Bucket": BUCKET, "Prefix": "secret", "MaxKeys": 1},
    )
    stubber.activate()

    assert S3ObjectStorage(client=client).exists(BUCKET, "secret") is expected
    stubber.assert_no_pending_responses()


def test_exists_is_false_on_a_bare_404() -> None:
    storage = S3ObjectStorage(client=stubbed_head_error(404, "404"))

    assert storage.exists(BUCKET, "gone") is False


def test_exists_on_a_bare_404_of_a_missing_bucket_says_so() -> None:
    storage = S3ObjectStorage(client=stubbed_head_error(404, "404", bucket_exists=False))

    with pytest.raises(MissingResourceError, match=f"S3 bucket '{BUCKET}' does not exist"):
        storage.exists(BUCKET, "gone")


def test_delete_is_idempotent(storage: S3ObjectStorage) -> None:
    storage.upload(BUCKET, "doomed", b"x")

    storage.delete(BUCKET, "doomed")
    storage.delete(BUCKET, "doomed")

    assert storage.exists(BUCKET, "doomed") is False


def test_list_follows_every_page(
    storage: S3ObjectStorage, s3: S3Client, requests: list[str]
) -> None:
    keys = [f"jobs/job-1/segment-{i:03d}.mp4" for i in range(25)]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"")
    s3.put_object(Bucket=BUCKET, Key="jobs/job-2/segment-000.mp4", Body=b"")
    requests.clear()

    listed = storage.list_object_keys(BUCKET, "jobs/job-1/", page_size=10)

    assert listed == keys
    assert requests == ["ListObjectsV2"] * 3


def test_list_without_prefix_lists_everything(storage: S3ObjectStorage) -> None:
    storage.upload(BUCKET, "b", b"")
    storage.upload(BUCKET, "a/c", b"")

    assert storage.list_object_keys(BUCKET) == ["a/c", "b"]
    assert storage.list_object_keys(BUCKET, "nothing/") == []


@pytest.mark.parametrize("page_size", [0, 1001])
def test_list_refuses_page_size_out_of_range(storage: S3ObjectStorage, page_size: int) -> None:
    with pytest.raises(ValueError, match="page_size"):
        storage.list_object_keys(BUCKET, page_size=page_size)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_presign_upload_signs_the_content_type(storage: S3ObjectStorage) -> None:
    url = storage.presign_upload(BUCKET, "input/job-1/source.mp4", expires_in=900)

    assert "input/job-1/source.mp4" in url
    params = query(url)
    assert params["X-Amz-Expires"] == ["900"]
    assert "content-type" in params["X-Amz-SignedHeaders"][0].split(";")


def test_presign_download_carries_the_disposition(storage: S3ObjectStorage) -> None:
    url = storage.presign_download(
        BUCKET,
        "output/job-1/final.mp4",
        expires_in=MAX_PRESIGN_SECONDS,
        response_content_disposition='attachment; filename="final.mp4"',
    )

    params = query(url)
    assert params["X-Amz-Expires"] == [str(MAX_PRESIGN_SECONDS)]
    assert params["response-content-disposition"] == ['attachment; filename="final.mp4"']


def test_presign_download_without_disposition(storage: S3ObjectStorage) -> None:
    assert "response-content-disposition" not in query(storage.presign_download(BUCKET, "k"))


@pytest.mark.parametrize("expires_in", [0, -5, MAX_PRESIGN_SECONDS + 1])
def test_presign_refuses_expiry_out_of_range(storage: S3ObjectStorage, expires_in: int) -> None:
    with pytest.raises(ValueError, match="expires_in"):
        storage.presign_upload(BUCKET, "k", expires_in=expires_in)
    with pytest.raises(ValueError, match="expires_in"):
        storage.presign_download(BUCKET, "k", expires_in=expires_in)


@pytest.mark.parametrize("content_type", ["", "video/mp4\r\nX-Evil: 1"])
def test_presign_upload_refuses_bad_content_type(
    storage: S3ObjectStorage, content_type: str
) -> None:
    with pytest.raises(ValueError, match="content_type"):
        storage.presign_upload(BUCKET, "k", content_type=content_type)


def every_call(storage: S3ObjectStorage, tmp_path: Path) -> list[Callable[[str, str], object]]:
    """Every method that takes a bucket and a key, bound to harmless other arguments."""
    local = tmp_path / "local.bin"
    local.write_bytes(b"x")
    return [
        lambda b, k: storage.presign_upload(b, k),
        lambda b, k: storage.presign_download(b, k),
        lambda b, k: storage.upload(b, k, b"x"),
        storage.download,
        storage.exists,
        storage.delete,
        lambda b, k: storage.upload_file(b, k, local),
        lambda b, k: storage.download_file(b, k, tmp_path / "out.bin"),
    ]


@pytest.mark.parametrize(
    ("bucket", "key", "expected"),
    [
        pytest.param("", "k", "bucket is empty", id="empty-bucket"),
        pytest.param(f"{BUCKET}/input", "k", "not a bucket name", id="bucket-with-path"),
        pytest.param(BUCKET, "", "key is empty", id="empty-key"),
        pytest.param(BUCKET, "a\nb", "control character", id="newline-in-key"),
        pytest.param(BUCKET, "a\x00b", "control character", id="nul-in-key"),
        pytest.param(BUCKET, "a\x7fb", "control character", id="del-in-key"),
        pytest.param(BUCKET, "é" * 513, "1026 bytes", id="key-too-long"),
        pytest.param(BUCKET, "a\ud800", "not valid Unicode", id="lone-surrogate"),
    ],
)
def test_every_method_refuses_bad_names_before_any_request(
    storage: S3ObjectStorage,
    requests: list[str],
    tmp_path: Path,
    bucket: str,
    key: str,
    expected: str,
) -> None:
    for call in every_call(storage, tmp_path):
        with pytest.raises(ValueError, match=expected):
            call(bucket, key)
    assert requests == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["local.bin"]


def test_list_refuses_bad_bucket_or_prefix(storage: S3ObjectStorage, requests: list[str]) -> None:
    with pytest.raises(ValueError, match="bucket is empty"):
        storage.list_object_keys("")
    with pytest.raises(ValueError, match=r"prefix .* control character"):
        storage.list_object_keys(BUCKET, "a\tb")
    assert requests == []


def test_multipart_upload_and_download_round_trip(
    storage: S3ObjectStorage,
    requests: list[str],
    large_file: Path,
    large_bytes: bytes,
    tmp_path: Path,
) -> None:
    uploaded: list[int] = []
    storage.upload_file(BUCKET, "segments/large.mp4", large_file, progress=uploaded.append)

    assert requests.count("UploadPart") == 3
    assert requests.count("CompleteMultipartUpload") == 1
    assert sum(uploaded) == LARGE_SIZE

    requests.clear()
    downloaded: list[int] = []
    target = tmp_path / "copy.mp4"
    storage.download_file(BUCKET, "segments/large.mp4", str(target), progress=downloaded.append)

    assert target.read_bytes() == large_bytes
    assert sum(downloaded) == LARGE_SIZE
    assert requests.count("GetObject") == 3  # ranged GETs, one per part
    assert sorted(path.name for path in tmp_path.iterdir()) == ["copy.mp4", "source"]


def test_small_file_round_trips_in_one_request(
    storage: S3ObjectStorage, requests: list[str], tmp_path: Path
) -> None:
    source = tmp_path / "small.txt"
    source.write_bytes(b"small file")
    progress: list[int] = []

    storage.upload_file(BUCKET, "small.txt", source, progress=progress.append)

    assert requests == ["PutObject"]
    assert sum(progress) == len(b"small file")
    target = tmp_path / "back.txt"
    storage.download_file(BUCKET, "small.txt", target)
    assert target.read_bytes() == b"small file"


def test_download_file_replaces_an_existing_target(
    storage: S3ObjectStorage, tmp_path: Path
) -> None:
    storage.upload(BUCKET, "k", b"new contents")
    target = tmp_path / "target.bin"
    target.write_bytes(b"old contents")

    storage.download_file(BUCKET, "k", target)

    assert target.read_bytes() == b"new contents"
    assert [path.name for path in tmp_path.iterdir()] == ["target.bin"]


def raise_after(calls: int) -> Callable[[int], None]:
    """A progress callback that fails on its ``calls``-th call."""
    seen: list[int] = []

    def progress(transferred: int) -> None:
        seen.append(transferred)
        if len(seen) == calls:
            raise InjectedFailureError(f"interrupted after {sum(seen)} bytes")

    return progress


def test_interrupted_download_leaves_no_file(
    storage: S3ObjectStorage, large_file: Path, tmp_path: Path
) -> None:
    storage.upload_file(BUCKET, "large.mp4", large_file)
    downloads = tmp_path / "downloads"
    downloads.mkdir()

    with pytest.raises(InjectedFailureError):
        storage.download_file(BUCKET, "large.mp4", downloads / "large.mp4", progress=raise_after(3))

    assert list(downloads.iterdir()) == []


def test_interrupted_download_leaves_an_existing_target_untouched(
    storage: S3ObjectStorage, large_file: Path, tmp_path: Path
) -> None:
    storage.upload_file(BUCKET, "large.mp4", large_file)
    target = tmp_path / "large.mp4"
    target.write_bytes(b"previous version")

    with pytest.raises(InjectedFailureError):
        storage.download_file(BUCKET, "large.mp4", target, progress=raise_after(3))

    assert target.read_bytes() == b"previous version"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["large.mp4", "source"]


def test_download_whose_requests_fail_leaves_no_file(
    storage: S3ObjectStorage, s3: S3Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage.upload(BUCKET, "k", b"contents")

    def broken_get_object(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "GetObject")

    monkeypatch.setattr(s3, "get_object", broken_get_object)

    with pytest.raises(RetryableServiceError, match="InternalError") as caught:
        storage.download_file(BUCKET, "k", tmp_path / "k.bin")
    assert isinstance(caught.value.__cause__, ClientError)

    assert list(tmp_path.iterdir()) == []


def test_download_file_of_a_missing_key_is_not_found(
    storage: S3ObjectStorage, tmp_path: Path
) -> None:
    with pytest.raises(ObjectNotFoundError, match=re.escape(f"s3://{BUCKET}/missing.mp4")):
        storage.download_file(BUCKET, "missing.mp4", tmp_path / "missing.mp4")
    with pytest.raises(MissingResourceError, match="S3 bucket 'no-such-bucket' does not exist"):
        storage.download_file("no-such-bucket", "missing.mp4", tmp_path / "missing.mp4")

    assert list(tmp_path.iterdir()) == []


def test_download_file_into_a_missing_directory_is_refused(
    storage: S3ObjectStorage, requests: list[str], tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir"

    with pytest.raises(FileNotFoundError, match="no/such"):
        storage.download_file(BUCKET, "k", missing / "file.mp4")
    assert requests == []


def test_download_file_onto_a_directory_is_refused(
    storage: S3ObjectStorage, requests: list[str], tmp_path: Path
) -> None:
    with pytest.raises(IsADirectoryError):
        storage.download_file(BUCKET, "k", tmp_path)
    assert requests == []


def test_upload_of_a_missing_file_names_it_before_any_request(
    storage: S3ObjectStorage, requests: list[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.mp4"

    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))) as caught:
        storage.upload_file(BUCKET, "k", missing)

    assert caught.value.filename == str(missing)
    assert requests == []


def test_upload_of_a_directory_is_refused(
    storage: S3ObjectStorage, requests: list[str], tmp_path: Path
) -> None:
    with pytest.raises(IsADirectoryError):
        storage.upload_file(BUCKET, "k", tmp_path)
    assert requests == []


def fail_second_part(s3: S3Client, monkeypatch: pytest.MonkeyPatch) -> None:
    real = s3.upload_part
    calls: list[int] = []

    def upload_part(**kwargs: Any) -> Any:
        calls.append(kwargs["PartNumber"])
        if len(calls) == 2:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "UploadPart")
        return real(**kwargs)

    monkeypatch.setattr(s3, "upload_part", upload_part)


def test_failed_multipart_upload_leaves_no_upload(
    storage: S3ObjectStorage, s3: S3Client, large_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_second_part(s3, monkeypatch)

    with pytest.raises(RetryableServiceError, match="InternalError"):
        storage.upload_file(BUCKET, "large.mp4", large_file)

    assert multipart_uploads(s3) == []
    assert storage.exists(BUCKET, "large.mp4") is False


def test_failed_multipart_upload_is_aborted_even_if_s3transfer_could_not(
    storage: S3ObjectStorage,
    s3: S3Client,
    large_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fail_second_part(s3, monkeypatch)
    real_abort = s3.abort_multipart_upload
    aborts: list[str] = []

    def abort_lost_the_first_time(**kwargs: Any) -> Any:
        aborts.append(kwargs["UploadId"])
        if len(aborts) == 1:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "later"}}, "Abort")
        return real_abort(**kwargs)

    monkeypatch.setattr(s3, "abort_multipart_upload", abort_lost_the_first_time)
    s3.create_multipart_upload(Bucket=BUCKET, Key="large.mp4.other")

    with (
        caplog.at_level(logging.WARNING, logger="stereo_spot_aws_adapters"),
        pytest.raises(RetryableServiceError, match="InternalError"),
    ):
        storage.upload_file(BUCKET, "large.mp4", large_file)

    warnings = [r for r in caplog.records if r.name == "stereo_spot_aws_adapters.s3"]
    assert [r.getMessage() for r in warnings] == [
        f"multipart upload of s3://{BUCKET}/large.mp4 failed (RetryableServiceError); aborting it",
        f"aborted a multipart upload of s3://{BUCKET}/large.mp4 that s3transfer left unfinished",
    ]
    assert warnings[1].upload_id == aborts[1]  # type: ignore[attr-defined]
    assert len(aborts) == 2
    assert aborts[0] == aborts[1]
    # Only this exact key is cleaned up, not others sharing its prefix.
    assert multipart_uploads(s3) == ["large.mp4.other"]


def test_interrupted_upload_by_progress_leaves_no_upload(
    storage: S3ObjectStorage, s3: S3Client, large_file: Path
) -> None:
    with pytest.raises(InjectedFailureError):
        storage.upload_file(BUCKET, "large.mp4", large_file, progress=raise_after(3))

    assert multipart_uploads(s3) == []
    assert storage.exists(BUCKET, "large.mp4") is False


def test_downloaded_file_gets_ordinary_permissions(
    storage: S3ObjectStorage, tmp_path: Path
) -> None:
    # The temporary file is created private (0600); the result must not be.
    storage.upload(BUCKET, "k", b"contents")
    umask = os.umask(0)
    os.umask(umask)

    storage.download_file(BUCKET, "k", tmp_path / "k.bin")

    assert (tmp_path / "k.bin").stat().st_mode & 0o777 == 0o666 & ~umask
