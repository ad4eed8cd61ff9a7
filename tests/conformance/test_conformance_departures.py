"""What AWS documents where moto departs from it (``tests/differential/allowlist.py``).

Each test asserts the documented AWS behaviour. It passes on the memory
backend and on a real endpoint (``STEREO_SPOT_TEST_ENDPOINT``); on moto it is
an expected failure, strict, so the day moto changes the test says so and the
allow-list entry can go.
"""

from __future__ import annotations

import pytest

from stereo_spot_shared.models import SegmentCompletion
from tests.conformance.conftest import Backend
from tests.differential.allowlist import DEPARTURES

MOTO = ("moto", "moto_server")


def _expect_moto_departure(
    request: pytest.FixtureRequest, backend: Backend, key: tuple[str, str]
) -> None:
    if backend.name in MOTO:
        departure = DEPARTURES[key]
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"moto {departure.moto_does}"))


def test_a_stale_receipt_handle_deletes_nothing(
    request: pytest.FixtureRequest, backend: Backend
) -> None:
    _expect_moto_departure(request, backend, ("delete", "stale receipt handle"))
    sender, receiver = backend.new_queue_pair()
    sender.send("stale")
    (first,) = receiver.receive(1)
    receiver.change_visibility(first.receipt_handle, 0)
    (second,) = receiver.receive(1)
    receiver.delete(first.receipt_handle)  # accepted: SQS answers success
    # ...and the message is still held by the newer handle: it can be made visible again.
    receiver.change_visibility(second.receipt_handle, 0)
    (third,) = receiver.receive(1)
    assert third.body == "stale"
    receiver.delete(third.receipt_handle)


def test_an_item_of_exactly_400_kb_is_stored(
    request: pytest.FixtureRequest, backend: Backend
) -> None:
    _expect_moto_departure(request, backend, ("put", "an item of 405,001 to 409,600 bytes"))
    job_id = backend.unique("big")
    names = len("job_id") + len(job_id) + len("segment_index") + 2 + len("completed_at") + 2
    uri = "s" * (409_600 - names - len("output_s3_uri"))
    completion = SegmentCompletion.model_construct(
        job_id=job_id, segment_index=0, output_s3_uri=uri, completed_at=1, total_segments=None
    )
    backend.adapters.segment_completions.put(completion)
    assert backend.adapters.segment_completions.count_by_job(job_id) == 1
