"""``ModelFields``: what a generated reader hands its model, validated as it is.

A raw stored item (``model_validate`` of what boto3 read) may hold ``Decimal``
numbers and the adapters' storage-only attributes; the models convert those.
The generated readers build a ``ModelFields`` of the model's own fields with
plain values: nothing to convert, so the conversion is skipped, and anything
it would have converted is refused, as every other invalid value is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from stereo_spot_aws_adapters.generated.jobs import job_from_item
from stereo_spot_shared._checks import ModelFields
from stereo_spot_shared.models import Job, JobStatus, StereoMode

RAW = {"job_id": "job-1", "mode": "sbs", "status": "created", "created_at": Decimal(5)}


def test_a_raw_item_is_converted_but_model_fields_are_validated_as_they_are() -> None:
    assert Job.model_validate({**RAW, "in_progress": "1"}).created_at == 5
    with pytest.raises(ValidationError, match="created_at"):
        Job.model_validate(ModelFields(RAW))
    with pytest.raises(ValidationError, match="in_progress"):
        Job.model_validate(ModelFields({**RAW, "created_at": 5, "in_progress": "1"}))
    job = Job.model_validate(ModelFields({**RAW, "created_at": 5}))
    assert job == Job(job_id="job-1", mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=5)


def test_a_generated_reader_still_refuses_what_the_model_refuses() -> None:
    item: Any = {"job_id": {"S": "job-1"}, "mode": {"S": "sbs"}, "status": {"S": "created"}}
    assert job_from_item(item).job_id == "job-1"
    with pytest.raises(ValidationError, match="mode"):
        job_from_item({**item, "mode": {"S": "3d"}})
    with pytest.raises(ValidationError, match="created_at"):
        job_from_item({**item, "created_at": {"N": "-1"}})


def test_a_query_reads_every_item_and_names_the_first_corrupt_one(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stereo_spot_aws_adapters.devtools.provision import provision
    from stereo_spot_shared import adapters_from_env
    from stereo_spot_shared.errors import CorruptItemError
    from stereo_spot_shared.models import SegmentCompletion

    for name, value in provision(prefix="read").items():
        monkeypatch.setenv(name, value)
    store = adapters_from_env(backend="aws").segment_completions
    segments = [
        SegmentCompletion(job_id="j", segment_index=i, output_s3_uri=f"s3://b/{i}", completed_at=1)
        for i in range(4)
    ]
    store.put_many(segments)
    assert store.query_by_job("j") == segments
    client = store._client  # type: ignore[attr-defined]
    for index in (2, 3):  # two corrupt items: the first in key order is named
        client.put_item(
            TableName=store.table_name,  # type: ignore[attr-defined]
            Item={"job_id": {"S": "j"}, "segment_index": {"N": str(index)}},
        )
    with pytest.raises(CorruptItemError) as raised:
        store.query_by_job("j")
    assert raised.value.key == {"job_id": "j", "segment_index": "2"}
    assert isinstance(raised.value.__cause__, KeyError)
