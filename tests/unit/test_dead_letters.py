"""``python -m stereo_spot_aws_adapters dlq``: list and redrive dead letters (moto in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from stereo_spot_aws_adapters.devtools.cli import main
from stereo_spot_aws_adapters.sqs import ENCODING_ATTRIBUTE, SQSQueueReceiver, SQSQueueSender


@pytest.fixture
def queues(aws: None, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A source queue (as $CHUNKING_QUEUE_URL) whose dead-letter queue holds three messages."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="src-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source = sqs.create_queue(
        QueueName="src",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})
        },
    )["QueueUrl"]
    SQSQueueSender(dlq).send_batch(["first", b"\x00second", "third " + "x" * 200])
    monkeypatch.setenv("CHUNKING_QUEUE_URL", source)
    return source, dlq


def bodies(url: str) -> list[str | bytes]:
    receiver = SQSQueueReceiver(url, wait_time_seconds=0)
    found: list[str | bytes] = []
    while batch := receiver.receive(max_messages=10):
        found += [m.body for m in batch]
        for message in batch:
            receiver.change_visibility(message.receipt_handle, 600)  # do not see it twice
    return found


def test_listing_respects_the_limit_and_leaves_every_message(
    queues: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "chunking", "--limit", "2", "--wait", "0"]) == 0
    out = capsys.readouterr().out
    assert out.count("receives=") == 2 and "2 dead letter(s)" in out
    assert main(["dlq", "chunking", "--wait", "0"]) == 0
    out = capsys.readouterr().out
    assert "3 dead letter(s)" in out
    assert "'third " + "x" * 74 + "'..." in out  # a preview, not the whole body


def test_redrive_moves_exactly_the_limit_with_bodies_and_types_intact(
    queues: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    source, dlq = queues
    assert main(["dlq", source, "--redrive", "--limit", "2", "--wait", "0"]) == 0
    assert "2 message(s) moved" in capsys.readouterr().out
    assert main(["dlq", "chunking", "--redrive", "--wait", "0"]) == 0
    assert "1 message(s) moved" in capsys.readouterr().out

    moved = bodies(source)
    assert sorted(moved, key=repr) == sorted(
        ["first", b"\x00second", "third " + "x" * 200], key=repr
    )
    assert bodies(dlq) == []


def test_a_queue_without_a_redrive_policy_is_a_clear_error(
    aws: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="plain")["QueueUrl"]
    monkeypatch.setenv("CHUNKING_QUEUE_URL", url)
    assert main(["dlq", "chunking", "--wait", "0"]) == 2
    assert "has no redrive policy" in capsys.readouterr().err


def test_an_unknown_queue_or_missing_variable_is_exit_2(
    aws: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["dlq", "nope"]) == 2
    assert "unknown queue 'nope'" in capsys.readouterr().err
    monkeypatch.delenv("CHUNKING_QUEUE_URL", raising=False)
    assert main(["dlq", "chunking"]) == 2
    assert "CHUNKING_QUEUE_URL" in capsys.readouterr().err


def test_the_encoding_marker_travels_with_a_redriven_message(queues: tuple[str, str]) -> None:
    source, _ = queues
    assert main(["dlq", "chunking", "--redrive", "--wait", "0"]) == 0
    raw = boto3.client("sqs", region_name="us-east-1").receive_message(
        QueueUrl=source, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    markers = sorted(m["MessageAttributes"][ENCODING_ATTRIBUTE]["StringValue"] for m in raw)
    assert markers == ["base64", "utf-8", "utf-8"]


def test_a_missing_queue_is_a_typed_error_not_a_traceback(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from stereo_spot_aws_adapters._clients import get_client
    from stereo_spot_aws_adapters.devtools.dead_letters import dead_letter_queue_url
    from stereo_spot_shared.errors import MissingResourceError

    gone = "https://sqs.us-east-1.amazonaws.com/123456789012/gone"
    with pytest.raises(MissingResourceError) as raised:
        dead_letter_queue_url(get_client("sqs"), gone)
    assert raised.value.__cause__ is not None
    assert main(["dlq", gone, "--wait", "0"]) == 1
    assert "gone" in capsys.readouterr().err


def dead_lettered(bodies: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A source queue ($VIDEO_WORKER_QUEUE_URL, SQS's default 256 KiB limit) and its DLQ."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="big-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source = sqs.create_queue(
        QueueName="big",
        Attributes={
            "MaximumMessageSize": "262144",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3}),
        },
    )["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=dlq, MessageBody=body)
    monkeypatch.setenv("VIDEO_WORKER_QUEUE_URL", source)
    return source, dlq


@pytest.mark.usefixtures("aws")
def test_redrive_splits_batches_by_size_so_ten_200_kb_letters_all_move(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    letters = [f"{i}" + "x" * 200_000 for i in range(10)]
    source, dlq = dead_lettered(letters, monkeypatch)

    assert main(["dlq", "video_worker", "--redrive", "--limit", "10", "--wait", "0"]) == 0

    assert "10 message(s) moved" in capsys.readouterr().out
    assert sorted(map(str, bodies(source))) == sorted(letters)
    assert bodies(dlq) == []


@pytest.mark.usefixtures("aws")
def test_a_failed_send_names_the_source_queue_it_went_to_and_the_letter_stays(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from botocore.exceptions import ClientError

    from stereo_spot_aws_adapters._clients import get_client

    source, dlq = dead_lettered(["one", "two"], monkeypatch)

    def refused(**_: object) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "no"}},
            "SendMessageBatch",
        )

    with monkeypatch.context() as patched:
        patched.setattr(get_client("sqs"), "send_message_batch", refused)
        assert main(["dlq", "video_worker", "--redrive", "--wait", "0"]) == 1

    out = capsys.readouterr().out
    not_moved = [line for line in out.splitlines() if line.startswith("NOT moved")]
    assert len(not_moved) == 2
    for line in not_moved:
        assert f"'{source}'" in line and "sqs:SendMessage" in line
        assert f"'{dlq}'" not in line
    assert sorted(map(str, bodies(dlq))) == ["one", "two"]


@pytest.mark.usefixtures("aws")
def test_a_rejected_entry_names_the_source_queue_and_its_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stereo_spot_aws_adapters._clients import get_client

    source, _ = dead_lettered(["one"], monkeypatch)
    client = get_client("sqs")

    def partly(**request: object) -> dict[str, object]:
        entries = request["Entries"]
        assert isinstance(entries, list)
        return {
            "Successful": [],
            "Failed": [
                {
                    "Id": e["Id"],
                    "SenderFault": True,
                    "Code": "InvalidParameterValue",
                    "Message": "too big",
                }
                for e in entries
            ],
        }

    monkeypatch.setattr(client, "send_message_batch", partly)
    assert main(["dlq", "video_worker", "--redrive", "--wait", "0"]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("NOT moved"))
    assert f"sqs:SendMessage to SQS queue '{source}' failed (InvalidParameterValue: too big)" in (
        line
    )


@pytest.mark.usefixtures("aws")
def test_dlq_reads_the_queue_url_from_an_env_file_like_smoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source, _ = dead_lettered(["one", "two"], monkeypatch)
    monkeypatch.delenv("VIDEO_WORKER_QUEUE_URL")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "video_worker_queue_url": {"value": source, "type": "string", "sensitive": False},
                "subnet_ids": {"value": ["a", "b"], "type": ["list", "string"]},
            }
        ),
        encoding="utf-8",
    )
    assert main(["dlq", "video_worker", "--env-file", str(outputs), "--wait", "0"]) == 0
    assert "2 dead letter(s)" in capsys.readouterr().out

    env_file = tmp_path / ".env"
    env_file.write_text(f"VIDEO_WORKER_QUEUE_URL={source}\n", encoding="utf-8")
    assert (
        main(["dlq", "video_worker", "--env-file", str(env_file), "--redrive", "--wait", "0"]) == 0
    )
    assert "2 message(s) moved" in capsys.readouterr().out


@pytest.mark.usefixtures("aws")
def test_dlq_env_file_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.json"
    assert main(["dlq", "chunking", "--env-file", str(missing)]) == 2
    assert capsys.readouterr().err == f"error: Terraform outputs file not found: {missing}\n"

    other = tmp_path / "other.env"
    other.write_text("JOBS_TABLE_NAME=jobs\n", encoding="utf-8")
    assert main(["dlq", "chunking", "--env-file", str(other)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no chunking_queue_url output" in err

    url = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
    assert main(["dlq", url, "--env-file", str(other)]) == 2
    assert "QUEUE is already a URL" in capsys.readouterr().err
