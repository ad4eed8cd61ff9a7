"""Presigned URLs used the way a browser uses them: plain HTTP against moto's server."""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest

from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters.s3 import S3ObjectStorage

pytestmark = pytest.mark.integration

BUCKET = "stereo-input"


@pytest.fixture
def storage(endpoint_env: str) -> S3ObjectStorage:
    get_client("s3").create_bucket(Bucket=BUCKET)
    return S3ObjectStorage()


def test_presigned_urls_point_at_the_endpoint(storage: S3ObjectStorage, endpoint_env: str) -> None:
    assert storage.presign_upload(BUCKET, "k").startswith(f"{endpoint_env}/{BUCKET}/k?")


def test_presigned_put_then_get_round_trips(storage: S3ObjectStorage) -> None:
    video = os.urandom(256 * 1024)
    key = "input/job-1/source video.mp4"

    put = urllib.request.Request(
        storage.presign_upload(BUCKET, key, expires_in=600),
        data=video,
        method="PUT",
        headers={"Content-Type": "video/mp4"},
    )
    with urllib.request.urlopen(put, timeout=10) as response:
        assert response.status == 200

    head = get_client("s3").head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"] == "video/mp4"
    assert head["ContentLength"] == len(video)
    with urllib.request.urlopen(storage.presign_download(BUCKET, key), timeout=10) as response:
        assert response.status == 200
        assert response.read() == video


def test_presigned_get_sets_content_disposition(storage: S3ObjectStorage) -> None:
    storage.upload(BUCKET, "output/job-1/final.mp4", b"final video")
    disposition = 'attachment; filename="job-1.mp4"'

    url = storage.presign_download(
        BUCKET, "output/job-1/final.mp4", response_content_disposition=disposition
    )

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Disposition"] == disposition
        assert response.read() == b"final video"


def test_presigned_get_of_a_missing_key_is_404(storage: S3ObjectStorage) -> None:
    url = storage.presign_download(BUCKET, "no/such.mp4")

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=10)

    assert caught.value.code == 404
    caught.value.close()


def test_each_test_starts_with_an_empty_server(storage: S3ObjectStorage) -> None:
    # The bucket exists (this test's fixture made it) but holds nothing from other tests.
    assert storage.list_object_keys(BUCKET) == []
