"""``python -m stereo_spot_aws_adapters``: the demo and the smoke test, run as a user runs them.

The smoke tests use ``EmbeddedMotoServer`` rather than the session ``moto_server``
fixture: moto handles concurrent conditional writes without locking, so on a
plain ``ThreadedMotoServer`` the walk's lease race can have several winners.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters._clients import clear_client_cache, get_client
from stereo_spot_aws_adapters.devtools.embedded import EmbeddedMotoServer
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.devtools.walk import WALK_STEPS
from stereo_spot_aws_adapters.generated.resources import BUCKETS, QUEUES, TABLES

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
FOREIGN_KEY = "input/someone-else/source.mp4"
FOREIGN_JOB = "someone-elses-job"


def run_cli(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stereo_spot_aws_adapters", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, **environment},
        check=False,
    )


def numbered_steps(output: str) -> list[str]:
    return re.findall(r"^\s*\d+\. (.+)$", output, flags=re.MULTILINE)


@pytest.fixture
def stack() -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh embedded moto server with every schema resource provisioned."""
    with EmbeddedMotoServer() as server:
        clear_client_cache()
        environment = provision(
            prefix="smoke", region_name=REGION, endpoint_url=server.endpoint_url
        )
        yield server.endpoint_url, environment
        clear_client_cache()


def write_terraform_outputs(path: Path, environment: dict[str, str]) -> None:
    """The file `terraform output -json` writes."""
    outputs: dict[str, object] = {
        resource.terraform_output: {
            "sensitive": False,
            "type": "string",
            "value": environment[resource.env_var],
        }
        for resource in (*TABLES, *QUEUES, *BUCKETS)
    }
    # Outputs the schema does not declare, of every type Terraform has: ignored.
    outputs["subnet_ids"] = {"sensitive": False, "type": ["list", "string"], "value": ["a"]}
    outputs["tags"] = {"sensitive": False, "type": ["map", "string"], "value": {"k": "v"}}
    outputs["replicas"] = {"sensitive": False, "type": "number", "value": 3}
    path.write_text(json.dumps(outputs, indent=2), encoding="utf-8")


def test_help_documents_both_commands() -> None:
    result = run_cli("--help")

    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout
    assert "smoke" in result.stdout
    assert "--env-file" in run_cli("smoke", "--help").stdout


def test_demo_walks_one_job_through_every_step() -> None:
    result = run_cli("demo")

    assert result.returncode == 0, result.stdout + result.stderr
    steps = numbered_steps(result.stdout)
    walk_names = [name for name, _ in WALK_STEPS]
    assert steps[0] == "start the embedded moto server"
    assert steps[4 : 4 + len(walk_names)] == walk_names
    assert steps[-1] == "clean up what the walk created"
    assert "failed" not in result.stdout
    assert result.stdout.count("    -> ") == len(steps)
    assert "S3 notification received" in result.stdout
    assert re.search(r"5 workers raced .*only reassembler-\d won", result.stdout)
    assert re.search(r"uploaded 10\.0 MiB final\.mp4 in 2 parts", result.stdout)
    # The progress line is redrawn with \r, which text mode reads as a line break.
    assert re.search(r"uploading final\.mp4: +10\.0 / 10\.0 MiB 100%", result.stdout)
    assert re.search(
        rf"summary: {len(steps)} steps run in [\d.]+ s on the aws backend; \d+ AWS requests \(dynamodb \d+, "
        r"s3 \d+, sqs \d+\) \+ 2 presigned-URL HTTP requests",
        result.stdout,
    )
    assert result.stdout.rstrip().endswith("all steps passed")


def test_the_same_walk_runs_on_the_memory_backend_without_a_server_or_aws() -> None:
    result = run_cli("demo", "--backend", "memory")

    assert result.returncode == 0, result.stdout + result.stderr
    steps = numbered_steps(result.stdout)
    walk_names = [name for name, _ in WALK_STEPS]
    assert steps[:4] == [
        "select the in-memory backend",
        "create every table, queue and bucket in the schema",
        "route uploads as the schema's key layouts declare",
        "check every adapter against its interface",
    ]
    assert steps[4 : 4 + len(walk_names)] == walk_names
    assert len(steps) == 20
    assert "failed" not in result.stdout
    assert "10 adapters satisfy their interfaces (MemoryJobsTable" in result.stdout
    # The upload's notification arrives as on AWS: no simulated event.
    assert "S3 notification received: ObjectCreated:Put s3://input/input/walk-" in result.stdout
    assert re.search(r"5 workers raced .*only reassembler-\d won", result.stdout)
    assert "uploaded 10.0 MiB final.mp4 to the memory backend" in result.stdout
    assert "deleted 10 objects, 4 jobs, 4 segment completions, 1 lock item" in result.stdout
    assert re.search(
        r"summary: 20 steps run in [\d.]+ s on the memory backend; 0 AWS requests \(none\) "
        r"\+ 2 presigned-URL HTTP requests",
        result.stdout,
    )
    assert result.stdout.rstrip().endswith("all steps passed")


def test_smoke_walks_an_existing_stack_and_deletes_only_what_it_created(
    stack: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    endpoint, environment = stack
    s3 = get_client("s3", region_name=REGION, endpoint_url=endpoint)
    dynamodb = get_client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    sqs = get_client("sqs", region_name=REGION, endpoint_url=endpoint)
    # Someone else's data, which the smoke test must leave alone.
    s3.put_object(Bucket=environment["INPUT_BUCKET_NAME"], Key=FOREIGN_KEY, Body=b"theirs")
    dynamodb.put_item(
        TableName=environment["JOBS_TABLE_NAME"],
        Item={"job_id": {"S": FOREIGN_JOB}, "mode": {"S": "sbs"}, "status": {"S": "created"}},
    )
    sqs.send_message(QueueUrl=environment["REASSEMBLY_QUEUE_URL"], MessageBody="not ours")
    outputs = tmp_path / "outputs.json"
    write_terraform_outputs(outputs, environment)

    result = run_cli(
        "smoke",
        "--env-file",
        str(outputs),
        "--endpoint-url",
        endpoint,
        "--region",
        REGION,
        "--notification-wait",
        "1",
        # --endpoint-url overrides every service's endpoint, whatever else is configured.
        AWS_ENDPOINT_URL_SQS="http://127.0.0.1:9",
        AWS_ENDPOINT_URL_S3="http://127.0.0.1:9",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"endpoints: dynamodb {endpoint}, sqs {endpoint}, s3 {endpoint}" in result.stdout
    assert "ignored (not declared by the schema): REPLICAS, SUBNET_IDS, TAGS" in result.stdout
    steps = numbered_steps(result.stdout)
    assert steps == [
        "load the Terraform outputs and build every adapter",
        *(name for name, _ in WALK_STEPS),
        "clean up what the walk created",
    ]
    # This stack has no bucket notification, so the walk says it simulated one.
    assert "simulated S3 notification was sent and received" in result.stdout
    assert "deleted 10 objects, 4 jobs, 4 segment completions, 1 lock item" in result.stdout

    def keys(bucket: str) -> list[str]:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]

    def item_keys(table: str) -> list[str]:
        return [item["job_id"]["S"] for item in dynamodb.scan(TableName=table)["Items"]]

    assert keys(environment["INPUT_BUCKET_NAME"]) == [FOREIGN_KEY]
    assert keys(environment["OUTPUT_BUCKET_NAME"]) == []
    assert item_keys(environment["JOBS_TABLE_NAME"]) == [FOREIGN_JOB]
    assert item_keys(environment["SEGMENT_COMPLETIONS_TABLE_NAME"]) == []
    assert item_keys(environment["REASSEMBLY_TRIGGERED_TABLE_NAME"]) == []
    left = sqs.receive_message(QueueUrl=environment["REASSEMBLY_QUEUE_URL"], WaitTimeSeconds=1)
    assert [m["Body"] for m in left.get("Messages", [])] == ["not ours"]


def test_smoke_names_the_step_that_failed(
    stack: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    endpoint, environment = stack
    env_file = tmp_path / "outputs.env"
    broken = {**environment, "JOBS_TABLE_NAME": "no-such-table"}
    env_file.write_text("".join(f"{k}={v}\n" for k, v in broken.items()), encoding="utf-8")

    result = run_cli("smoke", "--env-file", str(env_file), "--endpoint-url", endpoint)

    assert result.returncode == 1
    assert re.search(
        r'^step 2 "create the job" failed: MissingResourceError: DynamoDB table '
        r"'no-such-table' does not exist \(named by \$JOBS_TABLE_NAME, Terraform output "
        r"`jobs_table_name`\).*terraform apply",
        result.stdout,
        re.M,
    ), result.stdout
    assert 'FAILED: step 2 "create the job"' in result.stdout
    # Nothing was created, so there is nothing to delete, and nothing after step 2 ran.
    assert "upload the source" not in result.stdout


def test_smoke_reports_every_missing_variable(tmp_path: Path) -> None:
    env_file = tmp_path / "outputs.env"
    env_file.write_text("JOBS_TABLE_NAME=jobs\n", encoding="utf-8")

    result = run_cli("smoke", "--env-file", str(env_file), "--region", REGION)

    assert result.returncode == 1
    assert 'step 1 "load the Terraform outputs and build every adapter" failed' in result.stdout
    assert "7 environment variable(s) missing" in result.stdout
    assert "CHUNKING_QUEUE_URL" in result.stdout


def with_dead_letter_queues(
    endpoint: str, environment: dict[str, str], max_receive_count: int
) -> dict[str, str]:
    """Give every work queue a dead-letter queue, as infra/ does; return source URL -> DLQ URL."""
    sqs = get_client("sqs", region_name=REGION, endpoint_url=endpoint)
    dead_letter: dict[str, str] = {}
    for queue in QUEUES:
        url = environment[queue.env_var]
        dlq = sqs.create_queue(QueueName=f"smoke-{queue.name.replace('_', '-')}-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        policy = {"deadLetterTargetArn": arn, "maxReceiveCount": str(max_receive_count)}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy)})
        dead_letter[url] = dlq
    return dead_letter


def test_smoke_never_pushes_other_services_messages_into_the_dead_letter_queue(
    stack: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    endpoint, environment = stack
    sqs = get_client("sqs", region_name=REGION, endpoint_url=endpoint)
    dead_letter = with_dead_letter_queues(endpoint, environment, max_receive_count=3)
    for queue in QUEUES:
        sqs.send_message(QueueUrl=environment[queue.env_var], MessageBody=f"work of {queue.name}")
    outputs = tmp_path / "outputs.json"
    write_terraform_outputs(outputs, environment)

    result = run_cli(
        "smoke", "--env-file", str(outputs), "--endpoint-url", endpoint, "--notification-wait", "3"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "received once each and made visible again" in result.stdout
    for queue in QUEUES:
        url = environment[queue.env_var]
        counts = sqs.get_queue_attributes(
            QueueUrl=dead_letter[url], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        assert counts["ApproximateNumberOfMessages"] == "0", f"{queue.name}: dead-lettered"
        # Still there for its worker, with one delivery spent at most.
        left = sqs.receive_message(
            QueueUrl=url, AttributeNames=["ApproximateReceiveCount"], VisibilityTimeout=0
        ).get("Messages", [])
        assert [m["Body"] for m in left] == [f"work of {queue.name}"]
        assert int(left[0]["Attributes"]["ApproximateReceiveCount"]) <= 2  # smoke's + this one


def test_smoke_names_a_foreign_message_its_delivery_brought_to_the_limit(
    stack: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    endpoint, environment = stack
    sqs = get_client("sqs", region_name=REGION, endpoint_url=endpoint)
    with_dead_letter_queues(endpoint, environment, max_receive_count=2)
    url = environment["REASSEMBLY_QUEUE_URL"]
    sqs.send_message(QueueUrl=url, MessageBody="retried once already")
    # A worker already had it once and gave it back: one delivery is left.
    [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    outputs = tmp_path / "outputs.json"
    write_terraform_outputs(outputs, environment)

    result = run_cli(
        "smoke", "--env-file", str(outputs), "--endpoint-url", endpoint, "--notification-wait", "1"
    )

    assert result.returncode == 1
    assert re.search(
        rf'step \d+ "receive the reassembly message" failed: WalkError: 1 message\(s\) of other '
        rf"services .* reached maxReceiveCount 2 .*: {message['MessageId']}",
        result.stdout,
    ), result.stdout
    assert "clean up what the walk created" in result.stdout


def test_smoke_reads_only_the_variables_the_schema_declares(
    stack: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    endpoint, environment = stack
    env_file = tmp_path / "outputs.env"
    # An extra output that would send every signed SQS request to another host.
    extra = {"AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9", "aws_profile": "prod-admin"}
    lines = [f"{k}={v}" for k, v in {**environment, **extra}.items()]
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_cli(
        "smoke", "--env-file", str(env_file), "--endpoint-url", endpoint, "--notification-wait", "1"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # The optional resources' variables are declared too, and counted apart.
    optional = sorted(v.name for v in env_config.OPTIONAL_VARIABLES)
    assert (
        f"{len(env_config.VARIABLES)} variables and {len(optional)} optional "
        f"({', '.join(optional)}) from"
        in result.stdout
        and "ignored (not declared by the schema): AWS_ENDPOINT_URL_SQS, AWS_PROFILE"
        in result.stdout
    )
    assert "127.0.0.1:9" not in result.stdout and "prod-admin" not in result.stdout


def test_smoke_names_a_malformed_line_without_showing_it(tmp_path: Path) -> None:
    env_file = tmp_path / "outputs.env"
    env_file.write_text("JOBS_TABLE_NAME=jobs\n# comment\nhunter2-secret-token\n", encoding="utf-8")

    result = run_cli("smoke", "--env-file", str(env_file), "--region", REGION)

    assert result.returncode == 1
    assert f"{env_file}:3: expected KEY=value (line 3 not shown)" in result.stdout
    assert "hunter2" not in result.stdout + result.stderr
