"""Each consumer's generated IAM policy, enforced by moto: the walk succeeds, the rest is refused.

moto 5 authorizes requests against IAM policies once its request count passes
``settings.INITIAL_NO_AUTH_ACTION_COUNT``: the env var of the same name for a
standalone server, ``@set_initial_no_auth_action_count(n)`` for in-process mocks,
and ``POST /moto-api/reset-auth`` (body: the count, as text/plain) on a running
server. Our server runs in this process, so the test sets the setting itself.
How far enforcement goes, per service (moto 5.2.5 and 5.2.6):

* SQS: action and resource (the queue ARN) are checked, but the action is the
  operation's name: a SendMessageBatch needs ``sqs:SendMessageBatch``, an
  action IAM does not have (AWS authorizes it with ``sqs:SendMessage``). The
  test makes moto ask for the real action, from ``iam_actions``.
* S3: action and resource (bucket or object ARN) are checked for signed
  requests. Since 5.2.6 the action is the operation's name too (``s3:HeadObject``
  where AWS asks for ``s3:GetObject``); the test maps it the same way. Presigned URLs are not: a request without an Authorization header
  fails with HTTP 500 while enforcement is on. Those two requests (the web UI's
  upload and playback) are checked against the policy document instead.
* DynamoDB: only the action; moto passes the resource ``*``, which no
  table-scoped statement matches, so every call would be refused. This test
  teaches moto's DynamoDB handler the table (or index) ARN of each request —
  a ``_determine_resource`` like the one moto has for SQS — so resource scoping
  is enforced too.
* Secrets Manager: moto passes the resource ``*``; the test teaches it the
  secret's ARN (the request's ``SecretId``), as for DynamoDB.
* CloudWatch: ``PutMetricData`` takes no resource (``*``, as on AWS); the
  generated grant is limited by the ``cloudwatch:namespace`` condition key.
  moto asks for ``monitoring:PutMetricData`` (the signing name); the test asks
  for IAM's ``cloudwatch:PutMetricData``.
* Conditions are not evaluated by moto at all. The test replaces moto's
  decision with ``tests/integration/iam_evaluation.allowed`` (AWS's documented
  evaluation, conditions included), given each request's context: a listing's
  ``s3:prefix``, a PutMetricData's ``cloudwatch:namespace``. So a listing outside the read prefixes, or a HeadBucket (no
  ``s3:prefix`` at all), is refused as AWS refuses it. A read of a missing key
  is refused too (403, as S3 answers it) unless the caller may list the whole
  bucket; moto alone would answer 404.

The walk's S3 notifications are simulated by sends to the chunking and
video-worker queues; S3 itself makes those in production (infra/notifications.tf),
so here an "s3-notifications" identity with just those sends makes them. Likewise
the walk's smoke safety reads each queue's redrive policy (GetQueueAttributes)
before it receives: that is the smoke tool's own check, run by whoever runs smoke,
not something a service does, so an "operator" identity makes that read.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import io
import json
import os
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import settings
from moto.core import cbor
from moto.dynamodb.responses import DynamoHandler
from moto.iam import access_control
from moto.s3.models import s3_backends
from moto.secretsmanager.responses import SecretsManagerResponse

from codegen.iam.permissions import arn, policies, resolve
from codegen.model.schema_file import load_schema
from stereo_spot_aws_adapters import (
    DynamoDBJobStore,
    DynamoSegmentCompletionStore,
    S3ObjectStorage,
    SQSQueueReceiver,
    SQSQueueSender,
    env_config,
)
from stereo_spot_aws_adapters._clients import get_client
from stereo_spot_aws_adapters.conversion_metrics import CloudWatchConversionMetricsEmitter
from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.devtools.walk import (
    QUEUE_POLL_SECONDS,
    SEGMENT_COUNT,
    WALK_STEPS,
    Step,
    Walk,
    expect,
    queue_visit,
    run_steps,
)
from stereo_spot_aws_adapters.generated.resources import BUCKETS, QUEUES, TABLES
from stereo_spot_aws_adapters.hf_token import AwsSecretsManagerHfTokenProvider
from stereo_spot_aws_adapters.iam_actions import OPERATION_ACTIONS, action_for
from stereo_spot_shared import adapters_from_env
from stereo_spot_shared.errors import AccessDeniedError, ObjectNotFoundError, ServiceError
from stereo_spot_shared.models import (
    Job,
    JobStatus,
    PushSubscription,
    SegmentCompletion,
    StereoMode,
)
from tests.integration.iam_evaluation import allowed

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
S3_NOTIFICATIONS = "s3_notifications"
OPERATOR = "operator"
OTHER_SECRET = "OTHER_SECRET_ARN"

# Which consumer performs each step of the walk (docs/reference/schema.md, "Consumers and permissions").
STEP_CONSUMERS: dict[str, str] = {
    "create the job": "web_ui",
    "upload the source through a presigned PUT": "web_ui",
    "receive the chunking message": "media_worker",
    "mark chunking in progress": "media_worker",
    "write segments and queue them for the video workers": "media_worker",
    "video workers: receive segments, record completions": "video_worker",
    "mark chunking complete": "media_worker",
    "trigger reassembly once": "video_worker",
    "receive the reassembly message": "media_worker",
    "reassembly workers race for the lease": "media_worker",
    "winner assembles and uploads final.mp4": "media_worker",
    "mark the job completed": "media_worker",
    "list completed jobs page by page": "web_ui",
    "download final.mp4 through a presigned URL": "web_ui",
    "complete the lease": "media_worker",
}


def list_jobs_in_progress(walk: Walk) -> str:
    # The walk's job is completed by now; the calls are what matters here.
    items, _ = walk.adapters.jobs.list_in_progress_page(10)
    listed = walk.adapters.jobs.list_in_progress(10)  # the original's, on its own index
    return f"{len(items)} jobs in progress, {len(listed)} listed the original's way"


def count_completions(walk: Walk) -> str:
    counted = walk.adapters.segment_completions.count_by_job(walk.job_id)
    expect(counted == SEGMENT_COUNT, f"counted {counted} completions, not {SEGMENT_COUNT}")
    return f"{counted} segment completions counted"


def delete_completions(walk: Walk) -> str:
    deleted = walk.adapters.segment_completions.delete_by_job(walk.job_id)
    expect(deleted == SEGMENT_COUNT, f"deleted {deleted} completions, not {SEGMENT_COUNT}")
    return f"{deleted} segment completions deleted"


def follow_job_events(walk: Walk) -> str:
    """The web UI's job-events consumer: progress from completions, Web Push subscriptions."""
    progress = walk.adapters.segment_completions.query_by_job(walk.job_id)
    subscriptions = walk.adapters.push_subscriptions
    expect(subscriptions is not None, "provision() sets PUSH_SUBSCRIPTIONS_TABLE_NAME")
    assert subscriptions is not None
    subscription = PushSubscription.from_subscription({"endpoint": "https://push.example/1"})
    subscriptions.put_subscription(subscription)
    listed = subscriptions.list_subscriptions()
    subscriptions.delete(subscription.endpoint)
    receiver = walk.adapters.job_events_receiver
    expect(receiver is not None, "provision() sets JOB_EVENTS_QUEUE_URL")
    assert receiver is not None
    records = receiver.receive(1)  # no pipe runs here: the queue stays empty
    return (
        f"{len(progress)} completions for progress, {len(listed)} push subscription(s), "
        f"{len(records)} job-events record(s)"
    )


# Calls the design gives a consumer that the walk has no step for, made after it.
AFTER_THE_WALK: tuple[tuple[str, str, Callable[[Walk], str]], ...] = (
    ("web UI: the dashboard of jobs in progress", "web_ui", list_jobs_in_progress),
    ("media worker: count the job's segment completions", "media_worker", count_completions),
    ("media worker: delete the job's segment completions", "media_worker", delete_completions),
    ("web UI: follow the job's events", "web_ui", follow_job_events),
)

# What each policy grants that the walk never calls, by (action, statement Sid), and why:
# everything else granted is used. Failure paths and operations the walk has no step for.
_LISTING = "listing under a readable prefix (list_object_keys): no walk step lists"
_ABORT = "the clean-up after a failed managed upload: the walk's uploads succeed"
_RELEASE = "heartbeats and early release: the walk releases only others' messages, and has none"
_LATER = (
    "the original's later services (URL ingest, job removal, output-bucket events, "
    "SageMaker correlation, the job worker): the walk has no step for them"
)
_NO_PIPE = (
    "the job-events queue is fed by EventBridge Pipes (infra/pipes.tf), which moto does not "
    "run: the walk's receive finds no record to delete or hold"
)
_RECEIVE = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility")
NOT_IN_THE_WALK: dict[str, dict[tuple[str, str], str]] = {
    "web_ui": {
        ("s3:ListBucket", "ListInputPrefixes"): _LISTING,
        ("s3:ListBucket", "ListOutputPrefixes"): _LISTING,
        ("sqs:SendMessage", "SendDeletionQueue"): _LATER,
        ("sqs:SendMessage", "SendIngestQueue"): _LATER,
        ("sqs:DeleteMessage", "ReceiveJobEventsQueue"): _NO_PIPE,
        ("sqs:ChangeMessageVisibility", "ReceiveJobEventsQueue"): _NO_PIPE,
    },
    "media_worker": {
        ("dynamodb:ConditionCheckItem", "ReassemblyTriggeredItems"): (
            "a fenced job update (update(..., fence=lease)) checks the lease in one "
            "TransactWriteItems; the walk's updates are unfenced, and moto authorizes a "
            "transaction as one action, not per item as AWS does"
        ),
        ("sqs:ChangeMessageVisibility", "ReceiveChunkingQueue"): _RELEASE,
        ("sqs:ChangeMessageVisibility", "ReceiveReassemblyQueue"): _RELEASE,
        (
            "s3:GetObject",
            "ReadInputObjects",
        ): "the chunker downloads the source; the walk cuts it in memory",
        (
            "s3:GetObject",
            "ReadOutputObjects",
        ): "reassembly asks whether final.mp4 exists first (HeadObject); the walk does not",
        ("s3:ListBucket", "ListInputPrefixes"): _LISTING,
        ("s3:ListBucket", "ListOutputPrefixes"): _LISTING,
        ("s3:AbortMultipartUpload", "WriteInputObjects"): _ABORT,
        ("s3:AbortMultipartUpload", "WriteOutputObjects"): _ABORT,
        ("s3:ListBucketMultipartUploads", "CleanInputUploads"): _ABORT,
        ("s3:ListBucketMultipartUploads", "CleanOutputUploads"): _ABORT,
        **{
            (action, f"Receive{queue}Queue"): _LATER
            for queue in ("Ingest", "Deletion")
            for action in _RECEIVE
        },
    },
    "video_worker": {
        ("sqs:ChangeMessageVisibility", "ReceiveVideoWorkerQueue"): _RELEASE,
        ("dynamodb:GetItem", "JobsItems"): _LATER,
        ("dynamodb:UpdateItem", "JobsItems"): _LATER,
        ("dynamodb:PutItem", "InferenceInvocationsItems"): _LATER,
        ("dynamodb:GetItem", "InferenceInvocationsItems"): _LATER,
        ("dynamodb:DeleteItem", "InferenceInvocationsItems"): _LATER,
        **{
            (action, f"Receive{queue}Queue"): _LATER
            for queue in ("OutputEvents", "SegmentOutput")
            for action in _RECEIVE
        },
        ("s3:ListBucket", "ListInputPrefixes"): _LISTING,
        ("s3:AbortMultipartUpload", "WriteOutputObjects"): _ABORT,
        ("s3:ListBucketMultipartUploads", "CleanOutputUploads"): _ABORT,
    },
}


def dynamodb_resource(handler: Any) -> str:
    """The ARN a DynamoDB request addresses: its table, or the index it queries."""
    body = getattr(handler, "body", None) or {}
    names = [body["TableName"]] if "TableName" in body else list(body.get("RequestItems", {}))
    if not names:
        return "*"
    table = f"arn:aws:dynamodb:{handler.region}:{handler.current_account}:table/{names[0]}"
    return f"{table}/index/{body['IndexName']}" if "IndexName" in body else table


# moto names an action by the service's signing name; IAM's prefix for CloudWatch differs.
SIGNING_NAMES = {"monitoring": "cloudwatch"}


def secret_resource(handler: Any) -> str:
    """The ARN a Secrets Manager request addresses (the adapters always pass the full ARN)."""
    secret_id = json.loads(handler.body or b"{}").get("SecretId", "")
    return secret_id if secret_id.startswith("arn:") else "*"


def _request_body(body: bytes) -> dict[str, Any]:
    """A JSON or CBOR request body (moto's server hands PutMetricData on as either)."""
    try:
        return dict(json.loads(body))
    except ValueError:
        return dict(cbor.loads(body))


def request_context(action: str, path: str, body: bytes = b"") -> dict[str, str]:
    """The condition keys of a request the generated policies test.

    S3 sets ``s3:prefix`` from a ListObjects request's ``prefix`` parameter; other
    requests (a HEAD, a HeadBucket) have no such key. CloudWatch sets
    ``cloudwatch:namespace`` from a PutMetricData's ``Namespace``.
    """
    query = parse_qs(urlsplit(path).query, keep_blank_values=True)
    if action == "s3:ListBucket" and "prefix" in query:
        return {"s3:prefix": query["prefix"][0]}
    if action == "cloudwatch:PutMetricData":
        return {"cloudwatch:namespace": str(_request_body(body).get("Namespace", ""))}
    return {}


class EvaluatingRequest(access_control.IAMRequestBase):
    """The request's IAM action (not its operation's name), authorized with conditions evaluated.

    moto matches action and resource only; ``iam_evaluation.allowed`` also
    evaluates each statement's Condition against the request's context.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service, _, operation = self._action.partition(":")
        self._action = action_for(SIGNING_NAMES.get(service, service), operation)

    def check_action_permitted(self, resource: str) -> None:
        context = request_context(self._action, self._path, self._body)
        # moto hands out each user policy as {"policy_document": "<json>", ...}.
        documents = [json.loads(p["policy_document"]) for p in self._access_key.collect_policies()]
        if not any(allowed(d, self._action, resource, context) for d in documents):
            self._raise_access_denied()
        if self._action == "s3:GetObject" and _missing_object(self.account_id, resource):
            # S3 answers a read of a missing key with 404 only to a caller who may list
            # the whole bucket (s3:ListBucket, no s3:prefix in this request); else 403.
            bucket = resource.split("/", 1)[0]
            if not any(allowed(d, "s3:ListBucket", bucket, {}) for d in documents):
                self._raise_access_denied()


def _missing_object(account: str, resource: str) -> bool:
    """Whether ``arn:aws:s3:::bucket/key`` names a key of an existing bucket that is not there."""
    bucket_name, _, key = resource.removeprefix("arn:aws:s3:::").partition("/")
    bucket = s3_backends[account]["aws"].buckets.get(bucket_name)
    return bucket is not None and bool(key) and key not in bucket.keys


class IAMActionRequest(EvaluatingRequest, access_control.IAMRequest):
    """SQS and DynamoDB requests: moto asks for the operation's name (sqs:SendMessageBatch)."""


class S3IAMActionRequest(EvaluatingRequest, access_control.S3IAMRequest):
    """The same for S3: since moto 5.2.6 a HEAD asks for ``s3:HeadObject``, which IAM lacks.

    AWS authorizes HeadObject with ``s3:GetObject``; moto 5.2.5 asked for that (its
    own action map), 5.2.6 asks for the operation's name, as it always did for SQS.
    """


@dataclass
class Identity:
    name: str
    access_key_id: str
    secret_access_key: str
    document: dict[str, Any]


@dataclass
class Recorder:
    """Every API operation (presigned ones included) each consumer's clients make."""

    current: str = ""
    calls: dict[str, list[tuple[str, str, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    attached: set[int] = field(default_factory=set)

    def attach_current_clients(self) -> None:
        services: tuple[Literal["dynamodb", "sqs", "s3"], ...] = ("dynamodb", "sqs", "s3")
        for service in services:
            client = get_client(service)
            if id(client) not in self.attached:
                self.attached.add(id(client))
                # Fires for every call and for every generate_presigned_url.
                client.meta.events.register("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[self.current].append(
            (model.service_model.service_name, model.name, dict(params))
        )


@dataclass
class Stack:
    environment: dict[str, str]
    identities: dict[str, Identity]
    monkeypatch: pytest.MonkeyPatch

    def use(self, name: str) -> None:
        identity = self.identities[name]
        self.monkeypatch.setenv("AWS_ACCESS_KEY_ID", identity.access_key_id)
        self.monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", identity.secret_access_key)


def enforce(on: bool) -> None:
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else float("inf")


@pytest.fixture
def stack(endpoint_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Resources provisioned, one IAM user per consumer with its generated policy, enforcement on."""
    environment = provision(prefix="iam", region_name=REGION)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    outputs = {t.terraform_output: environment[t.env_var] for t in TABLES}
    outputs |= {q.terraform_output: environment[q.env_var] for q in QUEUES}
    outputs |= {b.terraform_output: environment[b.env_var] for b in BUCKETS}
    # The secrets infra/secrets.tf creates (provision() makes the data plane only), and
    # one no consumer is granted.
    secrets = boto3.client("secretsmanager", endpoint_url=endpoint_env, region_name=REGION)
    for variable, name, value in (
        ("HF_TOKEN_ARN", "iam/hf-token", '{"hf_token": "hf_test"}'),
        (OTHER_SECRET, "iam/other", "other"),
    ):
        environment[variable] = secrets.create_secret(Name=name, SecretString=value)["ARN"]
        monkeypatch.setenv(variable, environment[variable])
    outputs["hf_token_secret_arn"] = environment["HF_TOKEN_ARN"]
    schema = load_schema(REPO / "schema" / "stereo_spot.toml")
    documents = {
        spec.consumer.name: resolve(spec, outputs, account=ACCOUNT, region=REGION)
        for spec in policies(schema)
    }
    notified = sorted(
        {layout.notify_queue for b in schema.buckets for layout in b.layouts if layout.notify_queue}
    )
    queue_urls = {q.name: environment[q.env_var] for q in QUEUES}
    documents[S3_NOTIFICATIONS] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [
                    arn("queue", queue_urls[name], account=ACCOUNT, region=REGION)
                    for name in notified
                ],
            }
        ],
    }
    documents[OPERATOR] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sqs:GetQueueAttributes"],
                "Resource": [
                    arn("queue", url, account=ACCOUNT, region=REGION) for url in queue_urls.values()
                ],
            }
        ],
    }
    iam = boto3.client("iam", endpoint_url=endpoint_env, region_name=REGION)
    identities = {}
    for name, document in documents.items():
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name, PolicyName=f"{name}-generated", PolicyDocument=json.dumps(document)
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        identities[name] = Identity(name, key["AccessKeyId"], key["SecretAccessKey"], document)
    monkeypatch.setattr(DynamoHandler, "_determine_resource", dynamodb_resource, raising=False)
    monkeypatch.setattr(
        SecretsManagerResponse, "_determine_resource", secret_resource, raising=False
    )
    monkeypatch.setattr(access_control, "IAMRequest", IAMActionRequest)
    monkeypatch.setattr(access_control, "S3IAMRequest", S3IAMActionRequest)
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    yield Stack(environment, identities, monkeypatch)
    enforce(False)


# --- the policy document, where moto cannot enforce ------------------------------------


def allows(document: dict[str, Any], action: str, resource: str, prefix: str | None = None) -> bool:
    """Whether ``document`` grants ``action`` on ``resource``, conditions evaluated (``s3:prefix``)."""
    return allowed(document, action, resource, {} if prefix is None else {"s3:prefix": prefix})


def resources_of(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    if service == "dynamodb":
        tables = [params["TableName"]] if "TableName" in params else list(params["RequestItems"])
        suffix = f"/index/{params['IndexName']}" if "IndexName" in params else ""
        return [arn("table", t, account=ACCOUNT, region=REGION) + suffix for t in tables]
    if service == "sqs":
        return [arn("queue", params["QueueUrl"], account=ACCOUNT, region=REGION)]
    bucket = arn("bucket", params["Bucket"], account=ACCOUNT, region=REGION)
    return [f"{bucket}/{params['Key']}" if "Key" in params else bucket]


# --- the tests ---------------------------------------------------------------------------


def test_every_walk_step_belongs_to_a_consumer() -> None:
    assert [name for name, _ in WALK_STEPS] == list(STEP_CONSUMERS)


def test_each_consumer_walks_its_steps_with_its_own_policy_and_the_policies_are_complete(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recorder = Recorder()
    stack.use(S3_NOTIFICATIONS)
    chunking_notifier = env_config.chunking_queue_sender_from_env()
    segment_notifier = env_config.video_worker_queue_sender_from_env()

    presigned_requests: list[str] = []

    class PresignedOpener:
        """The walk's opener for presigned URLs, recording who fetches one."""

        def __init__(self) -> None:
            self.real = urllib.request.build_opener()

        def open(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            # moto cannot authorize a presigned URL (see the module docstring):
            # the request is let through, and its operation is checked below
            # against the policy document like every other recorded one.
            presigned_requests.append(recorder.current)
            enforce(False)
            try:
                return self.real.open(request, *args, **kwargs)
            finally:
                enforce(True)

    real_max_receive_count = queue_visit.max_receive_count

    def max_receive_count_as_operator(walk: Walk, queue_url: str) -> int | None:
        # The smoke tool's safety read (module docstring): the operator's, not the step's.
        consumer_key = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
        stack.use(OPERATOR)
        try:
            return real_max_receive_count(walk, queue_url)
        finally:
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", consumer_key[0])
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", consumer_key[1])

    monkeypatch.setattr(queue_visit, "max_receive_count", max_receive_count_as_operator)

    def as_consumer(consumer: str, action: Callable[[Walk], str]) -> Callable[[Walk], str]:
        def run(walk: Walk) -> str:
            stack.use(consumer)
            recorder.current = consumer
            recorder.attach_current_clients()
            adapters = adapters_from_env(backend="aws", wait_time_seconds=QUEUE_POLL_SECONDS)
            walk.adapters_ = dataclasses.replace(
                adapters, chunking_sender=chunking_notifier, video_worker_sender=segment_notifier
            )
            return action(walk)

        return run

    steps: list[Step] = [
        (name, as_consumer(STEP_CONSUMERS[name], action)) for name, action in WALK_STEPS
    ]
    steps += [(name, as_consumer(consumer, action)) for name, consumer, action in AFTER_THE_WALK]
    out = io.StringIO()
    walk = Walk(out=out, work_dir=tmp_path, notification_wait=0.2)
    walk.opener = PresignedOpener()  # type: ignore[assignment]
    assert run_steps(walk, steps) == 0, out.getvalue()

    assert sorted(recorder.calls) == ["media_worker", "video_worker", "web_ui"]
    assert presigned_requests == ["web_ui", "web_ui"]
    for consumer, calls in recorder.calls.items():
        document = stack.identities[consumer].document
        operations = {operation for _, operation, _ in calls}
        assert operations, consumer
        for service, operation, params in calls:
            action = OPERATION_ACTIONS[service, operation]  # every operation has a known action
            for resource in resources_of(service, operation, params):
                assert allows(document, action, resource, params.get("Prefix")), (
                    f"{consumer} calls {service} {operation}, which needs {action} on "
                    f"{resource}; its generated policy does not grant it"
                )
    # ... and least: every grant the walk does not use is one of the documented few.
    mismatched: dict[str, object] = {}
    for consumer, calls in recorder.calls.items():
        used = {
            (OPERATION_ACTIONS[service, operation], resource)
            for service, operation, params in calls
            for resource in resources_of(service, operation, params)
        }
        unused = {
            (action, statement["Sid"])
            for statement in stack.identities[consumer].document["Statement"]
            for action in statement["Action"]
            for pattern in statement["Resource"]
            if not any(a == action and fnmatch.fnmatchcase(r, pattern) for a, r in used)
        }
        if unused != set(NOT_IN_THE_WALK[consumer]):
            mismatched[consumer] = {
                "unused, not listed": sorted(unused - set(NOT_IN_THE_WALK[consumer])),
                "listed, but used": sorted(set(NOT_IN_THE_WALK[consumer]) - unused),
            }
    assert not mismatched, mismatched
    web_ui = {operation for _, operation, _ in recorder.calls["web_ui"]}
    assert {"PutItem", "GetItem", "Query", "PutObject", "GetObject", "HeadObject"} <= web_ui
    media = {operation for _, operation, _ in recorder.calls["media_worker"]}
    # final.mp4 is above the multipart threshold: the managed transfer's operations.
    assert {"CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"} <= media


def refused(call: Callable[[], object]) -> AccessDeniedError:
    with pytest.raises(AccessDeniedError) as caught:
        call()
    assert isinstance(caught.value.__cause__, ClientError)
    return caught.value


def test_out_of_scope_calls_are_refused_with_the_action_named(stack: Stack) -> None:
    input_bucket = stack.environment["INPUT_BUCKET_NAME"]
    output_bucket = stack.environment["OUTPUT_BUCKET_NAME"]

    stack.use("video_worker")
    jobs = env_config.job_store_from_env()
    storage = env_config.object_storage_from_env()
    # It may read a job and move its status (the original's later video worker); no more.
    assert refused(lambda: jobs.list_in_progress(5)).action == "dynamodb:Query"
    # PutItem is granted on its own tables, not on jobs: resources are enforced too.
    job = Job(job_id="job-1", mode=StereoMode.SBS, status=JobStatus.CREATED, created_at=1)
    assert refused(lambda: jobs.put(job)).action == "dynamodb:PutItem"
    # Its own layout is writable; the final video next to it is not.
    storage.upload(output_bucket, "jobs/job-1/segments/segment-0000.mp4", b"converted")
    denied = refused(lambda: storage.upload(output_bucket, "jobs/job-1/final.mp4", b"x"))
    assert denied.action == "s3:PutObject"
    assert "s3:PutObject" in str(denied)

    stack.use("web_ui")
    assert refused(
        lambda: env_config.job_store_from_env().update("job-1", status=JobStatus.COMPLETED)
    ).action == ("dynamodb:UpdateItem")
    receiver = env_config.chunking_queue_receiver_from_env(wait_time_seconds=0)
    assert refused(lambda: receiver.receive()).action == "sqs:ReceiveMessage"
    sender = env_config.reassembly_queue_sender_from_env()
    assert refused(lambda: sender.send("{}")).action == "sqs:SendMessage"

    stack.use("media_worker")
    storage = env_config.object_storage_from_env()
    assert refused(lambda: storage.upload(input_bucket, "elsewhere/x.mp4", b"x")).action == (
        "s3:PutObject"
    )
    assert refused(lambda: storage.exists(input_bucket, "elsewhere/x.mp4")).action == (
        "s3:GetObject"
    )
    segments = env_config.segment_completion_store_from_env()
    completion = SegmentCompletion(
        job_id="job-1", segment_index=0, output_s3_uri="s3://x/y", completed_at=1, total_segments=1
    )
    assert refused(lambda: segments.put(completion)).action == "dynamodb:PutItem"


def test_metrics_in_the_schemas_namespace_and_the_one_secret_only(stack: Stack) -> None:
    """The inference consumer: PutMetricData in its namespace, GetSecretValue on its secret."""
    stack.use("inference")
    env_config.conversion_metrics_emitter_from_env().put_conversion_metrics(12.0, 8_000_000)
    elsewhere = CloudWatchConversionMetricsEmitter("Elsewhere/Conversion")
    assert refused(lambda: elsewhere.put_conversion_metrics(1.0, 1)).action == (
        "cloudwatch:PutMetricData"
    )
    assert env_config.hf_token_provider_from_env().get_hf_token() == "hf_test"
    other = AwsSecretsManagerHfTokenProvider(arn=stack.environment[OTHER_SECRET])
    assert refused(other.get_hf_token).action == "secretsmanager:GetSecretValue"
    # A consumer the schema grants neither gets neither.
    stack.use("web_ui")
    emitter = env_config.conversion_metrics_emitter_from_env()
    assert refused(lambda: emitter.put_conversion_metrics(1.0, 1)).action == (
        "cloudwatch:PutMetricData"
    )
    assert refused(env_config.hf_token_provider_from_env().get_hf_token).action == (
        "secretsmanager:GetSecretValue"
    )


def test_listing_is_limited_to_the_read_prefixes_in_the_document(stack: Stack) -> None:
    # moto does not evaluate s3:prefix conditions on requests: the document is checked.
    web_ui = stack.identities["web_ui"].document
    bucket = arn("bucket", stack.environment["INPUT_BUCKET_NAME"], account=ACCOUNT, region=REGION)
    assert allows(web_ui, "s3:ListBucket", bucket, prefix="input/job-1/")
    assert not allows(web_ui, "s3:ListBucket", bucket, prefix="segments/job-1/")
    assert not allows(web_ui, "s3:ListBucket", bucket)


# --- both construction styles, error paths, conditions evaluated --------------------------


@dataclass
class Built:
    """One consumer's adapters, built one way or the other."""

    storage: S3ObjectStorage
    receivers: dict[str, SQSQueueReceiver]
    jobs: DynamoDBJobStore
    completions: DynamoSegmentCompletionStore


def from_env(stack: Stack, consumer: str) -> Built:
    """``env_config`` (``adapters_from_env``'s factories): the schema's timeouts are passed."""
    factories = {
        "chunking": env_config.chunking_queue_receiver_from_env,
        "reassembly": env_config.reassembly_queue_receiver_from_env,
        "video_worker": env_config.video_worker_queue_receiver_from_env,
    }
    return Built(
        env_config.object_storage_from_env(),
        {q: factories[q](wait_time_seconds=0) for q in RECEIVES[consumer]},
        env_config.job_store_from_env(),
        env_config.segment_completion_store_from_env(),
    )


def explicit(stack: Stack, consumer: str) -> Built:
    """README "Option 2": names and URLs only, so the receiver knows no visibility timeout."""
    urls = {q.name: stack.environment[q.env_var] for q in QUEUES}
    return Built(
        S3ObjectStorage(region_name=REGION),
        {q: SQSQueueReceiver(urls[q], wait_time_seconds=0) for q in RECEIVES[consumer]},
        DynamoDBJobStore(stack.environment["JOBS_TABLE_NAME"], region_name=REGION),
        DynamoSegmentCompletionStore(
            stack.environment["SEGMENT_COMPLETIONS_TABLE_NAME"], region_name=REGION
        ),
    )


RECEIVES = {
    "web_ui": (),
    "media_worker": ("chunking", "reassembly"),
    "video_worker": ("video_worker",),
}
# Who puts a message on each queue: S3 notifications, or the consumer that sends to it.
SENDER = {
    "chunking": S3_NOTIFICATIONS,
    "video_worker": S3_NOTIFICATIONS,
    "reassembly": "video_worker",
}
# A key each consumer may read that does not exist, and a prefix it may list.
MISSING_READABLE = {
    "web_ui": ("INPUT_BUCKET_NAME", "input/no-such-job/source.mp4", "input/"),
    "media_worker": ("INPUT_BUCKET_NAME", "input/no-such-job/source.mp4", "input/"),
    "video_worker": (
        "INPUT_BUCKET_NAME",
        "segments/no-such-job/00000_00001_sbs.mp4",
        "segments/no-such-job/",
    ),
}


def test_each_consumer_under_its_policy_both_construction_styles_and_error_paths(
    stack: Stack, tmp_path: Path
) -> None:
    # One stack for all six: provisioning it is most of the time.
    for consumer in ("web_ui", "media_worker", "video_worker"):
        for build in (from_env, explicit):
            try:
                exercise(stack, tmp_path, consumer, build)
            except Exception as error:
                raise AssertionError(f"{consumer}, adapters built by {build.__name__}") from error


def exercise(
    stack: Stack, tmp_path: Path, consumer: str, build: Callable[[Stack, str], Built]
) -> None:
    """Every kind of call ``consumer`` may make, error paths included, under its policy."""
    urls = {q.name: stack.environment[q.env_var] for q in QUEUES}
    stack.use(consumer)
    built = build(stack, consumer)
    # Tables: a missing item or partition is None / empty, each read with its own grant.
    if consumer in ("web_ui", "media_worker"):
        assert built.jobs.get("no-such-job") is None
    if consumer == "media_worker":
        assert built.completions.count_by_job("no-such-job") == 0
    if consumer in ("media_worker", "video_worker"):
        assert built.completions.query_by_job("no-such-job") == []
    bucket_var, missing_key, prefix = MISSING_READABLE[consumer]
    bucket = stack.environment[bucket_var]
    # A missing key is False / ObjectNotFoundError, with only the s3:GetObject a read has
    # (never HeadBucket, whose s3:ListBucket has no s3:prefix to match).
    assert built.storage.exists(bucket, missing_key) is False
    with pytest.raises(ObjectNotFoundError):
        built.storage.download_file(bucket, missing_key, tmp_path / "missing.bin")
    # Listing: the condition is evaluated on the request, inside and outside the prefix.
    assert built.storage.list_object_keys(bucket, prefix) == []
    assert refused(lambda: built.storage.list_object_keys(bucket, "")).action == "s3:ListBucket"
    for queue, receiver in built.receivers.items():
        assert receiver.receive() == []  # no message: an empty answer, not an error
        stack.use(SENDER[queue])
        SQSQueueSender(urls[queue]).send("{}")
        stack.use(consumer)
        (message,) = receiver.receive()
        with receiver.processing(message) as work:  # no sqs:GetQueueAttributes
            assert not work.lost
        assert receiver.receive() == []  # deleted on success
        with pytest.raises(ServiceError):  # a message already deleted: its handle is gone
            receiver.delete(message.receipt_handle + "-gone")
