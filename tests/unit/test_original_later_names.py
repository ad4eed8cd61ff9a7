"""The names the original's later services import: optional queues, ingest payloads, job fields."""

from __future__ import annotations

import pytest

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.sqs import SQSQueueReceiver, SQSQueueSender
from stereo_spot_shared import (
    DeletionPayload,
    YoutubeIngestPayload,
    adapters_from_env,
    parse_ingest_payload,
)
from stereo_spot_shared.models import Job, JobStatus, StereoMode

OPTIONAL = ("INGEST_QUEUE_URL", "DELETION_QUEUE_URL")


def test_optional_queues_are_not_required_by_a_deployment() -> None:
    names = {variable.name for variable in env_config.VARIABLES}
    assert not names & set(OPTIONAL)
    assert {"CHUNKING_QUEUE_URL", "REASSEMBLY_QUEUE_URL"} <= names


def test_or_none_factories_give_none_when_unset_and_adapters_when_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in OPTIONAL:
        monkeypatch.delenv(name, raising=False)
    assert env_config.ingest_queue_sender_from_env_or_none() is None
    assert env_config.ingest_queue_receiver_from_env_or_none() is None
    assert env_config.deletion_queue_sender_from_env_or_none() is None
    monkeypatch.setenv("INGEST_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/p-ingest")
    assert isinstance(env_config.ingest_queue_sender_from_env_or_none(), SQSQueueSender)
    receiver = env_config.ingest_queue_receiver_from_env_or_none(wait_time_seconds=3)
    assert isinstance(receiver, SQSQueueReceiver)
    assert receiver.wait_time_seconds == 3


def test_the_aws_bundle_builds_without_the_optional_queues(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = provision(prefix="opt")
    for name, value in outputs.items():
        monkeypatch.setenv(name, value)
    for name in OPTIONAL:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORAGE_ADAPTER", "aws")
    adapters = adapters_from_env(wait_time_seconds=0)
    assert adapters.ingest_sender is None and adapters.deletion_receiver is None
    assert isinstance(adapters.chunking_sender, SQSQueueSender)
    # provision made the optional queues too: set, they are built.
    monkeypatch.setenv("INGEST_QUEUE_URL", outputs["INGEST_QUEUE_URL"])
    sender = adapters_from_env(wait_time_seconds=0).ingest_sender
    assert isinstance(sender, SQSQueueSender)


def test_the_memory_bundle_has_the_optional_queues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_ADAPTER", "memory")
    adapters = adapters_from_env()
    assert adapters.ingest_sender is not None and adapters.ingest_receiver is not None
    adapters.ingest_sender.send(YoutubeIngestPayload(job_id="j", source_url="u").model_dump_json())
    (message,) = adapters.ingest_receiver.receive(max_messages=1)
    assert parse_ingest_payload(YoutubeIngestPayload.model_validate_json(message.body).model_dump())


def test_parse_ingest_payload_takes_a_youtube_payload_and_refuses_the_rest() -> None:
    parsed = parse_ingest_payload({"source_type": "youtube", "job_id": "j", "source_url": "u"})
    assert parsed == YoutubeIngestPayload(job_id="j", source_url="u")
    assert parse_ingest_payload({"source_type": "vimeo", "job_id": "j", "source_url": "u"}) is None
    assert parse_ingest_payload({"job_id": "j"}) is None
    assert DeletionPayload(job_id="j").job_id == "j"


@pytest.mark.parametrize("backend", ["memory"])
def test_title_upload_time_and_size_are_set_through_update(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORAGE_ADAPTER", backend)
    jobs = adapters_from_env().jobs
    jobs.put(Job(job_id="j", mode=StereoMode.SBS, status=JobStatus.CREATED))
    jobs.update("j", title="clip", uploaded_at=5, source_file_size_bytes=1024)
    job = jobs.get("j")
    assert job is not None
    assert (job.title, job.uploaded_at, job.source_file_size_bytes) == ("clip", 5, 1024)
    jobs.update("j", status=JobStatus.INGESTING)
    jobs.update("j", status=JobStatus.CHUNKING_IN_PROGRESS)
    assert jobs.get("j").status is JobStatus.CHUNKING_IN_PROGRESS  # type: ignore[union-attr]


def test_configure_logging_sets_the_original_format_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import logging

    from stereo_spot_shared import configure_logging
    from stereo_spot_shared.logging_config import LOG_FORMAT

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    configure_logging()
    [handler] = root.handlers
    assert handler.formatter is not None and handler.formatter._fmt == LOG_FORMAT
    assert root.level == logging.INFO
    # An application's own configuration wins: a second call adds nothing.
    configure_logging(logging.DEBUG)
    assert root.handlers == [handler]


def test_parse_output_segment_key_is_the_segment_output_layout_with_the_bucket_unread() -> None:
    from stereo_spot_shared import build_segment_output_key, parse_output_segment_key

    assert parse_output_segment_key("any", build_segment_output_key("job-abc", 42)) == (
        "job-abc",
        42,
    )
    for key in ("jobs/job-abc/final.mp4", "jobs//segments/0.mp4", "jobs/j/segments/-1.mp4"):
        assert parse_output_segment_key("b", key) is None


def test_inference_invocations_put_stamps_created_at_and_the_schema_ttl(aws: None) -> None:
    from stereo_spot_aws_adapters._clients import get_client
    from stereo_spot_aws_adapters.dynamodb_stores import (
        INFERENCE_INVOCATIONS_TTL_SECONDS,
        InferenceInvocationsStore,
    )
    from stereo_spot_shared.generated.memory_backend import build_adapters

    assert INFERENCE_INVOCATIONS_TTL_SECONDS == 4 * 3600
    outputs = provision(prefix="inv")
    aws_store = InferenceInvocationsStore(outputs["INFERENCE_INVOCATIONS_TABLE_NAME"])
    aws_store.clock = lambda: 1_000
    aws_store.put("s3://o/r1", "job-1", 0, 2, "s3://o/jobs/job-1/segments/0.mp4")
    item = get_client("dynamodb").get_item(
        TableName=aws_store.table_name, Key={"output_location": {"S": "s3://o/r1"}}
    )["Item"]
    assert item["created_at"] == {"N": "1000"}
    assert item["ttl"] == {"N": str(1_000 + INFERENCE_INVOCATIONS_TTL_SECONDS)}

    memory_store = build_adapters(clock=lambda: 1_000).inference_invocations
    assert memory_store is not None
    memory_store.put("s3://o/r1", "job-1", 0, 2, "s3://o/jobs/job-1/segments/0.mp4")
    record = memory_store.state.table("inference_invocations")[("s3://o/r1",)]
    assert (record["created_at"], record["ttl"]) == (
        1_000,
        1_000 + INFERENCE_INVOCATIONS_TTL_SECONDS,
    )


def test_an_optional_table_s_factory_gives_none_when_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INFERENCE_INVOCATIONS_TABLE_NAME", raising=False)
    assert env_config.inference_invocations_store_from_env() is None
    assert "INFERENCE_INVOCATIONS_TABLE_NAME" in {v.name for v in env_config.OPTIONAL_VARIABLES}
    monkeypatch.setenv("INFERENCE_INVOCATIONS_TABLE_NAME", "p-inference-invocations")
    store = env_config.inference_invocations_store_from_env()
    assert store is not None and store.table_name == "p-inference-invocations"


def test_receiver_factories_read_sqs_long_poll_wait_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from stereo_spot_shared.errors import InvalidConfigurationError

    monkeypatch.setenv("CHUNKING_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/p-chunking")
    monkeypatch.delenv("SQS_LONG_POLL_WAIT_SECONDS", raising=False)
    assert env_config.chunking_queue_receiver_from_env().wait_time_seconds == 20  # the schema's
    monkeypatch.setenv("SQS_LONG_POLL_WAIT_SECONDS", "5")
    assert env_config.chunking_queue_receiver_from_env().wait_time_seconds == 5
    assert env_config.chunking_queue_receiver_from_env(wait_time_seconds=2).wait_time_seconds == 2
    # Clamped to SQS's limit, as the original's factories do.
    monkeypatch.setenv("SQS_LONG_POLL_WAIT_SECONDS", "90")
    assert env_config.chunking_queue_receiver_from_env().wait_time_seconds == 20
    monkeypatch.setenv("SQS_LONG_POLL_WAIT_SECONDS", "soon")
    with pytest.raises(InvalidConfigurationError, match="SQS_LONG_POLL_WAIT_SECONDS"):
        env_config.chunking_queue_receiver_from_env()
