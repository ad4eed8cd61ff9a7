"""Objects: presigned URLs, small objects, listing, files with progress — on every backend."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from stereo_spot_shared import Adapters
from stereo_spot_shared.errors import MissingResourceError, ObjectNotFoundError
from tests.conformance.conftest import Backend


def test_presigned_put_then_get_round_trips_and_expiry_is_bounded(
    backend: Backend, adapters: Adapters
) -> None:
    bucket = adapters.input_bucket
    key = f"{backend.unique('presign')}/source.mp4"
    for bad in (0, 604_801):
        with pytest.raises(ValueError, match="expires_in must be between 1 and 604800 seconds"):
            adapters.objects.presign_upload(bucket, key, expires_in=bad)
        with pytest.raises(ValueError, match="expires_in must be between 1 and 604800 seconds"):
            adapters.objects.presign_download(bucket, key, expires_in=bad)

    upload_url = adapters.objects.presign_upload(bucket, key, content_type="video/mp4")
    status, _ = backend.fetch("PUT", upload_url, b"\x00mp4 bytes", {"Content-Type": "video/mp4"})
    assert status == 200
    assert adapters.objects.download(bucket, key) == b"\x00mp4 bytes"

    download_url = adapters.objects.presign_download(
        bucket, key, response_content_disposition='attachment; filename="final.mp4"'
    )
    assert backend.fetch("GET", download_url) == (200, b"\x00mp4 bytes")
    missing = adapters.objects.presign_download(bucket, f"{key}.missing")
    assert backend.fetch("GET", missing)[0] == 404


def test_upload_download_exists_and_idempotent_delete(backend: Backend, adapters: Adapters) -> None:
    bucket = adapters.output_bucket
    key = f"{backend.unique('obj')}/segment 00001.mp4"
    assert adapters.objects.exists(bucket, key) is False
    with pytest.raises(ObjectNotFoundError) as missing:
        adapters.objects.download(bucket, key)
    assert (missing.value.bucket, missing.value.key) == (bucket, key)
    assert key in str(missing.value)

    adapters.objects.upload(bucket, key, b"first")
    adapters.objects.upload(bucket, key, b"second")
    assert adapters.objects.exists(bucket, key) is True
    assert adapters.objects.download(bucket, key) == b"second"
    adapters.objects.delete(bucket, key)
    adapters.objects.delete(bucket, key)
    assert adapters.objects.exists(bucket, key) is False
    with pytest.raises(TypeError, match="body must be bytes, not str"):
        adapters.objects.upload(bucket, key, "text")  # type: ignore[arg-type]
    assert adapters.objects.exists(bucket, key) is False


def test_a_missing_bucket_is_a_missing_resource_not_an_absent_object(
    backend: Backend, adapters: Adapters
) -> None:
    bucket = backend.unique("no-such-bucket")
    with pytest.raises(MissingResourceError) as missing:
        adapters.objects.exists(bucket, "k")
    assert bucket in str(missing.value)
    with pytest.raises(MissingResourceError):
        adapters.objects.upload(bucket, "k", b"x")


def test_list_object_keys_follows_every_page_in_utf8_order(
    backend: Backend, adapters: Adapters
) -> None:
    bucket = adapters.input_bucket
    prefix = f"{backend.unique('list')}/"
    names = ["b", "a", "Z", "é", "a/b", "a-c", "z~", "00010", "00002"]
    for name in names:
        adapters.objects.upload(bucket, prefix + name, name.encode())
    adapters.objects.upload(bucket, f"other-{prefix}a", b"x")

    keys = adapters.objects.list_object_keys(bucket, prefix, page_size=2)  # type: ignore[call-arg]

    assert keys == sorted((prefix + n for n in names), key=lambda k: k.encode("utf-8"))
    assert adapters.objects.list_object_keys(bucket, f"{prefix}a") == [
        f"{prefix}a",
        f"{prefix}a-c",
        f"{prefix}a/b",
    ]
    assert adapters.objects.list_object_keys(bucket, f"{prefix}nothing") == []


def test_upload_file_and_download_file_report_progress_and_leave_no_partial_file(
    backend: Backend, adapters: Adapters, tmp_path: Path
) -> None:
    bucket = adapters.output_bucket
    key = f"{backend.unique('file')}/final.mp4"
    data = random.Random(7).randbytes(3 * 1024 * 1024 + 17)
    source = tmp_path / "source.mp4"
    source.write_bytes(data)
    sent: list[int] = []
    adapters.objects.upload_file(bucket, key, source, progress=sent.append)
    assert sum(sent) == len(data)

    target = tmp_path / "copy.mp4"
    received: list[int] = []
    adapters.objects.download_file(bucket, key, target, progress=received.append)
    assert target.read_bytes() == data
    assert sum(received) == len(data)

    absent = tmp_path / "absent.mp4"
    with pytest.raises(ObjectNotFoundError):
        adapters.objects.download_file(bucket, f"{key}.missing", absent)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.mp4", "source.mp4"]
    with pytest.raises(FileNotFoundError, match="local file to upload does not exist"):
        adapters.objects.upload_file(bucket, key, tmp_path / "no-such.mp4")
