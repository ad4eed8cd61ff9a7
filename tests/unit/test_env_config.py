"""The generated env_config: one factory per schema resource, clear errors when unset."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from stereo_spot_aws_adapters import (
    DynamoDBJobStore,
    DynamoSegmentCompletionStore,
    ReassemblyTriggeredLock,
    S3ObjectStorage,
    SQSQueueReceiver,
    SQSQueueSender,
    env_config,
)
from stereo_spot_aws_adapters._env import load_declared_outputs
from stereo_spot_shared.errors import InvalidConfigurationError, MissingConfigurationError

ROOT = Path(__file__).resolve().parents[2]

FACTORIES: list[tuple[str, str, str, type]] = [
    ("job_store_from_env", "JOBS_TABLE_NAME", "jobs_table_name", DynamoDBJobStore),
    (
        "segment_completion_store_from_env",
        "SEGMENT_COMPLETIONS_TABLE_NAME",
        "segment_completions_table_name",
        DynamoSegmentCompletionStore,
    ),
    (
        "reassembly_triggered_lock_from_env",
        "REASSEMBLY_TRIGGERED_TABLE_NAME",
        "reassembly_triggered_table_name",
        ReassemblyTriggeredLock,
    ),
    ("chunking_queue_sender_from_env", "CHUNKING_QUEUE_URL", "chunking_queue_url", SQSQueueSender),
    (
        "chunking_queue_receiver_from_env",
        "CHUNKING_QUEUE_URL",
        "chunking_queue_url",
        SQSQueueReceiver,
    ),
    (
        "video_worker_queue_sender_from_env",
        "VIDEO_WORKER_QUEUE_URL",
        "video_worker_queue_url",
        SQSQueueSender,
    ),
    (
        "video_worker_queue_receiver_from_env",
        "VIDEO_WORKER_QUEUE_URL",
        "video_worker_queue_url",
        SQSQueueReceiver,
    ),
    (
        "reassembly_queue_sender_from_env",
        "REASSEMBLY_QUEUE_URL",
        "reassembly_queue_url",
        SQSQueueSender,
    ),
    (
        "reassembly_queue_receiver_from_env",
        "REASSEMBLY_QUEUE_URL",
        "reassembly_queue_url",
        SQSQueueReceiver,
    ),
    ("input_bucket_name", "INPUT_BUCKET_NAME", "input_bucket_name", str),
    ("output_bucket_name", "OUTPUT_BUCKET_NAME", "output_bucket_name", str),
]

VALUES = {
    "JOBS_TABLE_NAME": "stack-jobs",
    "SEGMENT_COMPLETIONS_TABLE_NAME": "stack-segment-completions",
    "REASSEMBLY_TRIGGERED_TABLE_NAME": "stack-reassembly-triggered",
    "CHUNKING_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/chunking",
    "VIDEO_WORKER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/video-worker",
    "REASSEMBLY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/reassembly",
    "INPUT_BUCKET_NAME": "stack-input",
    "OUTPUT_BUCKET_NAME": "stack-output",
}


@pytest.fixture
def full_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    return VALUES


def test_every_documented_factory_is_exported() -> None:
    names = {factory for factory, *_ in FACTORIES} | {
        "object_storage_from_env",
        "check_environment",
    }
    assert names <= set(env_config.__all__)
    assert [v.name for v in env_config.VARIABLES] == list(VALUES)


@pytest.mark.parametrize(("factory", "variable", "output", "kind"), FACTORIES)
def test_each_factory_builds_its_adapter(
    full_environment: dict[str, str], factory: str, variable: str, output: str, kind: type
) -> None:
    built = getattr(env_config, factory)()
    assert isinstance(built, kind)
    if kind is str:
        assert built == full_environment[variable]


@pytest.mark.parametrize(("factory", "variable", "output", "kind"), FACTORIES)
@pytest.mark.parametrize("value", [None, "", "   "])
def test_each_factory_names_its_missing_variable_and_terraform_output(
    full_environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    factory: str,
    variable: str,
    output: str,
    kind: type,
    value: str | None,
) -> None:
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    with pytest.raises(KeyError) as caught:
        getattr(env_config, factory)()
    error = caught.value
    assert isinstance(error, MissingConfigurationError)
    assert error.variable == variable
    assert variable in str(error) and f"`{output}`" in str(error)


def test_check_environment_reports_every_missing_variable_at_once(
    full_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env_config.check_environment()
    monkeypatch.delenv("JOBS_TABLE_NAME")
    monkeypatch.setenv("OUTPUT_BUCKET_NAME", "")
    with pytest.raises(MissingConfigurationError) as caught:
        env_config.check_environment()
    assert caught.value.variables == ("JOBS_TABLE_NAME", "OUTPUT_BUCKET_NAME")
    assert "2 environment variable(s) missing" in str(caught.value)
    assert "`output_bucket_name`" in str(caught.value)
    # A service checks only what it uses.
    env_config.check_environment(["CHUNKING_QUEUE_URL", "INPUT_BUCKET_NAME"])
    with pytest.raises(ValueError, match="unknown variable"):
        env_config.check_environment(["NOT_A_VARIABLE"])


def test_region_and_endpoint_come_from_the_environment(
    full_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    store = env_config.job_store_from_env()
    assert store._client.meta.region_name == "eu-central-1"
    assert store._client.meta.endpoint_url == "http://127.0.0.1:4566"
    storage = env_config.object_storage_from_env()
    assert storage._client.meta.endpoint_url == "http://127.0.0.1:4566"  # type: ignore[attr-defined]


def test_load_terraform_outputs_reads_terraform_json(tmp_path: Path) -> None:
    outputs = {
        "jobs_table_name": {"sensitive": False, "type": "string", "value": "stack-jobs"},
        "chunking_queue_url": {"sensitive": False, "type": "string", "value": "https://q/1"},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    assert env_config.load_terraform_outputs(path) == {
        "JOBS_TABLE_NAME": "stack-jobs",
        "CHUNKING_QUEUE_URL": "https://q/1",
    }


def test_load_terraform_outputs_reads_env_files(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        '# from terraform\nexport jobs_table_name="stack-jobs"\n\nINPUT_BUCKET_NAME=in\n'
    )
    assert env_config.load_terraform_outputs(path) == {
        "JOBS_TABLE_NAME": "stack-jobs",
        "INPUT_BUCKET_NAME": "in",
    }
    path.write_text("JOBS_TABLE_NAME\n")
    with pytest.raises(InvalidConfigurationError, match=r"\.env:1: expected KEY=value"):
        env_config.load_terraform_outputs(path)
    # A malformed line may hold a secret: the error names its number, never its text.
    path.write_text("INPUT_BUCKET_NAME=in\nsecret-token-hunter2\n")
    with pytest.raises(InvalidConfigurationError, match=r"\.env:2: ") as raised:
        env_config.load_terraform_outputs(path)
    assert "hunter2" not in str(raised.value)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        env_config.load_terraform_outputs(tmp_path / "missing.json")


def test_env_factories_build_every_adapter_from_terraform_output_variables(
    aws: None, full_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_url = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="chunking")[
        "QueueUrl"
    ]
    monkeypatch.setenv("CHUNKING_QUEUE_URL", queue_url)

    from stereo_spot_aws_adapters.env_config import (
        chunking_queue_receiver_from_env,
        input_bucket_name,
        job_store_from_env,
        object_storage_from_env,
        output_bucket_name,
        segment_completion_store_from_env,
    )

    job_store = job_store_from_env()
    segment_store = segment_completion_store_from_env()
    storage = object_storage_from_env()
    input_bucket = input_bucket_name()
    output_bucket = output_bucket_name()
    chunking_receiver = chunking_queue_receiver_from_env()

    assert (job_store.table_name, segment_store.table_name) == (
        "stack-jobs",
        "stack-segment-completions",
    )
    assert (input_bucket, output_bucket) == ("stack-input", "stack-output")
    upload_url = storage.presign_upload(input_bucket, "input/job-1/source.mp4")
    assert "stack-input" in upload_url and "X-Amz-Signature=" in upload_url
    assert chunking_receiver.queue_url == queue_url
    assert chunking_receiver.wait_time_seconds == 20  # the schema's long-polling default


def test_adapters_construct_explicitly_from_names_and_region(aws: None) -> None:
    from stereo_spot_aws_adapters import (
        DynamoDBJobStore,
        DynamoSegmentCompletionStore,
        SQSQueueReceiver,
    )

    job_store = DynamoDBJobStore("my-stack-jobs", region_name="us-east-1")
    segment_store = DynamoSegmentCompletionStore(
        "my-stack-segment-completions", region_name="us-east-1"
    )
    storage = S3ObjectStorage(region_name="us-east-1")
    receiver = SQSQueueReceiver("https://sqs.us-east-1.amazonaws.com/123/chunking")

    assert job_store.table_name == "my-stack-jobs"
    assert segment_store.table_name == "my-stack-segment-completions"
    assert receiver.queue_url == "https://sqs.us-east-1.amazonaws.com/123/chunking"
    assert "my-stack-output" in storage.presign_download("my-stack-output", "jobs/j/final.mp4")


@pytest.fixture
def extended_package(tmp_path: Path) -> Iterator[Callable[[str], object]]:
    """The real schema plus one queue, generated into a temporary source root."""
    from codegen.cli import generate

    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    text = (ROOT / "schema" / "stereo_spot.toml").read_text()
    text = text.replace('python_path = "../src"', f'python_path = "{ROOT / "src"}"')
    text = text.replace('package = "stereo_spot_aws_adapters"', 'package = "extended_adapters"')
    text += '\n[queues.thumbnails]\ndescription = "Thumbnail requests."\nterraform_output = "thumbnails_queue_url"\n'
    (schema_dir / "stereo_spot.toml").write_text(text)
    out = tmp_path / "out"
    for path, source in generate(schema_dir / "stereo_spot.toml", out).files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.startswith("extended_adapters")]:
            del sys.modules[name]


def test_a_queue_added_to_the_schema_gets_its_factory_pair(
    extended_package: Callable[[str], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = extended_package("extended_adapters.env_config")
    sender = module.thumbnails_queue_sender_from_env
    receiver = module.thumbnails_queue_receiver_from_env
    with pytest.raises(
        MissingConfigurationError, match="THUMBNAILS_QUEUE_URL.*`thumbnails_queue_url`"
    ):
        sender()
    monkeypatch.setenv("THUMBNAILS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/thumbnails")
    assert isinstance(sender(), SQSQueueSender)
    assert isinstance(receiver(), SQSQueueReceiver)
    assert "THUMBNAILS_QUEUE_URL" in [v.name for v in module.VARIABLES]


def test_load_declared_outputs_keeps_only_declared_variables(tmp_path: Path) -> None:
    outputs = {
        "jobs_table_name": {"value": "stack-jobs"},
        "aws_endpoint_url": {"value": "https://attacker.example"},
        "INPUT_BUCKET_NAME": {"value": "in"},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))

    loaded = load_declared_outputs(path, env_config.VARIABLES)

    assert loaded.values == {"JOBS_TABLE_NAME": "stack-jobs", "INPUT_BUCKET_NAME": "in"}
    assert loaded.ignored == ("AWS_ENDPOINT_URL",)


def test_undeclared_outputs_are_ignored_whatever_their_type(tmp_path: Path) -> None:
    outputs = {
        "jobs_table_name": {"value": "stack-jobs", "type": "string"},
        "subnet_ids": {"value": ["subnet-a", "subnet-b"], "type": ["list", "string"]},
        "tags": {"value": {"team": "video"}, "type": ["map", "string"]},
        "debug": {"value": True, "type": "bool"},
        "nothing": {"value": None},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))

    loaded = load_declared_outputs(path, env_config.VARIABLES)

    assert loaded.values == {"JOBS_TABLE_NAME": "stack-jobs"}
    assert loaded.ignored == ("DEBUG", "NOTHING", "SUBNET_IDS", "TAGS")


def test_a_declared_output_that_is_not_text_is_still_a_configuration_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"jobs_table_name": {"value": ["a", "b"]}}))
    with pytest.raises(InvalidConfigurationError, match="output 'jobs_table_name' is not a string"):
        load_declared_outputs(path, env_config.VARIABLES)


def test_outputs_nested_too_deeply_are_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text('{"jobs_table_name": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InvalidConfigurationError, match="nested too deeply"):
        env_config.load_terraform_outputs(path)
