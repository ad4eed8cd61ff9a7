"""Create (and remove) every table, queue and bucket the schema declares.

For the demo, tests and LocalStack; production stacks come from Terraform in
``infra/``. Names follow the Terraform module: ``<prefix>-<resource>`` with
underscores turned into hyphens (``stereo-spot-segment-completions``).
``provision`` returns the same environment the Terraform outputs give, so code
wired through ``env_config`` cannot tell the two apart.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .._clients import get_client
from .._errors import AwsCall, Resource, error_code
from ..generated.resources import BUCKETS, QUEUES, TABLES

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WaiterConfigTypeDef
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from mypy_boto3_sqs.client import SQSClient

    from .._resources import QueueResource, TableResource

__all__ = ["EmulatorLimitationWarning", "provision", "resource_name", "teardown"]


class EmulatorLimitationWarning(UserWarning):
    """The endpoint lacks a feature the schema asks for; provisioning went on without it."""


# What emulators answer for an operation they do not implement.
_UNSUPPORTED_OPERATION = frozenset(
    {
        "UnknownOperationException",
        "UnsupportedOperation",
        "NotImplemented",
        "NotImplementedException",
        "InvalidAction",
    }
)

# DynamoDB Local and LocalStack reach ACTIVE in well under a second; AWS in seconds.
_WAITER_CONFIG: WaiterConfigTypeDef = {"Delay": 1, "MaxAttempts": 120}


def resource_name(prefix: str, name: str) -> str:
    """The physical name Terraform gives a schema resource: ``<prefix>-<name>``."""
    return f"{prefix}-{name.replace('_', '-')}"


def provision(
    *,
    prefix: str = "stereo-spot",
    region_name: str | None = None,
    endpoint_url: str | None = None,
) -> dict[str, str]:
    """Create every schema resource that does not exist yet; return its environment.

    Existing resources are reused, so calling it twice is harmless. The result
    maps each resource's environment variable (``JOBS_TABLE_NAME``,
    ``CHUNKING_QUEUE_URL``, ...) to its table name, queue URL or bucket name.
    A failure is a ``stereo_spot_shared.errors`` class naming the resource (no
    credentials or region: ``InvalidConfigurationError``), botocore's error its cause.
    """
    dynamodb = get_client("dynamodb", region_name=region_name, endpoint_url=endpoint_url)
    sqs = get_client("sqs", region_name=region_name, endpoint_url=endpoint_url)
    s3 = get_client("s3", region_name=region_name, endpoint_url=endpoint_url)
    environment: dict[str, str] = {}
    for table in TABLES:
        name = resource_name(prefix, table.name)
        with _table(name):
            _create_table(dynamodb, table, name)
        environment[table.env_var] = name
        if table.stream_env_var is not None:
            with _table(name):
                # An emulator without DynamoDB Streams gives none: the variable stays unset.
                description = dynamodb.describe_table(TableName=name)["Table"]
            if description.get("LatestStreamArn"):
                environment[table.stream_env_var] = description["LatestStreamArn"]
    for queue in QUEUES:
        with _queue(resource_name(prefix, queue.name)):
            environment[queue.env_var] = _create_queue(sqs, queue, prefix)
    for bucket in BUCKETS:
        name = resource_name(prefix, bucket.name)
        with _bucket(name):
            _create_bucket(s3, name)
        environment[bucket.env_var] = name
    return environment


def teardown(
    environment: Mapping[str, str],
    *,
    region_name: str | None = None,
    endpoint_url: str | None = None,
) -> None:
    """Delete the resources ``environment`` names (as ``provision`` returned it).

    Buckets are emptied first. Resources that are already gone are skipped;
    variables that name no schema resource are ignored. An endpoint without
    ``ListMultipartUploads`` or ``ListObjectVersions`` (s3rver) gets an
    ``EmulatorLimitationWarning`` and its buckets are emptied with what it has.
    """
    dynamodb = get_client("dynamodb", region_name=region_name, endpoint_url=endpoint_url)
    sqs = get_client("sqs", region_name=region_name, endpoint_url=endpoint_url)
    s3 = get_client("s3", region_name=region_name, endpoint_url=endpoint_url)
    for table in TABLES:
        if table.env_var in environment:
            with _table(environment[table.env_var]):
                _delete_table(dynamodb, environment[table.env_var])
    for queue in QUEUES:
        if queue.env_var in environment:
            urls = [environment[queue.env_var]]
            if queue.dead_letter_queue is not None:
                urls.append(_dead_letter_url(environment[queue.env_var], queue))
            for url in urls:
                with _queue(url), _ignoring(*_QUEUE_GONE):
                    sqs.delete_queue(QueueUrl=url)
    for bucket in BUCKETS:
        if bucket.env_var in environment:
            with _bucket(environment[bucket.env_var]):
                _delete_bucket(s3, environment[bucket.env_var])


_QUEUE_GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def _table(name: str) -> AwsCall:
    return AwsCall(Resource("dynamodb", "DynamoDB table", name))


def _queue(name_or_url: str) -> AwsCall:
    return AwsCall(Resource("sqs", "SQS queue", name_or_url))


def _bucket(name: str) -> AwsCall:
    return AwsCall(Resource("s3", "S3 bucket", name))


def _create_table(client: DynamoDBClient, table: TableResource, name: str) -> None:
    # CreateTable on an existing table fails; the existing one is what we want.
    with _ignoring("ResourceInUseException"):
        client.create_table(**table.create_table_request(name))
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig=_WAITER_CONFIG)
    if table.ttl_attribute is None:
        return
    try:
        current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
            # Enabling TTL again is a ValidationException, even with the same attribute.
            return
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )
    except ClientError as error:
        if error_code(error) not in _UNSUPPORTED_OPERATION:
            raise
        # The adapters compare the TTL attribute themselves, so an expired marker
        # still counts as absent; only the deletion of expired items is lost.
        warnings.warn(
            f"{client.meta.endpoint_url} does not support DynamoDB TTL ({error_code(error)}): table "
            f"{name} was created without TTL on {table.ttl_attribute!r}. Expired items still "
            "count as absent to the adapters, but are never deleted.",
            EmulatorLimitationWarning,
            stacklevel=3,
        )


def _create_queue(client: SQSClient, queue: QueueResource, prefix: str) -> str:
    """The queue with its visibility timeout and, when declared, its dead-letter queue and redrive."""
    attributes = queue.attributes()
    if queue.dead_letter_queue is not None:
        dlq_url = client.create_queue(
            QueueName=resource_name(prefix, queue.dead_letter_queue),
            # As large as its source queue's, so every dead letter fits.
            Attributes={
                "MessageRetentionPeriod": "1209600",
                "MaximumMessageSize": str(queue.max_message_bytes),
            },
        )["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}
        )
    name = resource_name(prefix, queue.name)
    try:
        return client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except ClientError as error:
        if error_code(error) not in ("QueueAlreadyExists", "QueueNameExists"):
            raise
    # It exists with other attributes: bring them in line with the schema.
    url = client.get_queue_url(QueueName=name)["QueueUrl"]
    client.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _dead_letter_url(source_url: str, queue: QueueResource) -> str:
    """The URL ``provision`` gave ``queue``'s dead-letter queue: same place, same prefix."""
    base, source_name = source_url.rsplit("/", 1)
    prefix = source_name.removesuffix(resource_name("", queue.name))
    return f"{base}/{resource_name(prefix, str(queue.dead_letter_queue))}"


def _create_bucket(client: S3Client, name: str) -> None:
    region = client.meta.region_name
    try:
        if region in (None, "us-east-1"):
            # us-east-1 rejects a LocationConstraint naming itself.
            client.create_bucket(Bucket=name)
        else:
            client.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            )
    except ClientError as error:
        code = error_code(error)
        if code == "BucketAlreadyOwnedByYou":
            return
        if code == "BucketAlreadyExists":
            # Some emulators report our own bucket this way; reuse it only if it is ours to use.
            try:
                client.head_bucket(Bucket=name)
            except ClientError:
                raise error from None
            return
        raise


def _delete_table(client: DynamoDBClient, name: str) -> None:
    with _ignoring("ResourceNotFoundException"):
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=_WAITER_CONFIG)


def _delete_bucket(client: S3Client, name: str) -> None:
    with _ignoring("NoSuchBucket"):
        with _unless_unsupported(client, "ListMultipartUploads", name, "uploads left unaborted"):
            for uploads in client.get_paginator("list_multipart_uploads").paginate(Bucket=name):
                for upload in uploads.get("Uploads", []):
                    client.abort_multipart_upload(
                        Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
        try:
            _delete_object_versions(client, name)
        except ClientError as error:
            if not _unsupported(error):
                raise
            _warn_unsupported(
                client, error, "ListObjectVersions", name, "objects deleted unversioned"
            )
            _delete_objects(client, name)
        client.delete_bucket(Bucket=name)


def _delete_object_versions(client: S3Client, name: str) -> None:
    # Versions too: a versioned bucket cannot be deleted while any remain.
    for versions in client.get_paginator("list_object_versions").paginate(Bucket=name):
        doomed: list[ObjectIdentifierTypeDef] = [
            {"Key": entry["Key"], "VersionId": entry["VersionId"]}
            for entry in versions.get("Versions", [])
        ]
        doomed += [
            {"Key": marker["Key"], "VersionId": marker["VersionId"]}
            for marker in versions.get("DeleteMarkers", [])
        ]
        if doomed:
            client.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})


def _delete_objects(client: S3Client, name: str) -> None:
    """Empty an unversioned bucket with ListObjectsV2 (what every S3 emulator has)."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        doomed: list[ObjectIdentifierTypeDef] = [
            {"Key": entry["Key"]} for entry in page.get("Contents", [])
        ]
        if doomed:
            client.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})


def _unsupported(error: ClientError) -> bool:
    """An operation the endpoint does not implement (s3rver answers 501 or 405 for some)."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error_code(error) in _UNSUPPORTED_OPERATION or status in (405, 501)


def _warn_unsupported(
    client: S3Client, error: ClientError, operation: str, bucket: str, consequence: str
) -> None:
    warnings.warn(
        f"{client.meta.endpoint_url} does not support S3 {operation} ({error_code(error)}): "
        f"bucket {bucket} was torn down without it ({consequence}).",
        EmulatorLimitationWarning,
        stacklevel=5,
    )


@contextlib.contextmanager
def _unless_unsupported(
    client: S3Client, operation: str, bucket: str, consequence: str
) -> Iterator[None]:
    """Skip the block, with a warning, when the endpoint does not implement ``operation``."""
    try:
        yield
    except ClientError as error:
        if not _unsupported(error):
            raise
        _warn_unsupported(client, error, operation, bucket, consequence)


@contextlib.contextmanager
def _ignoring(*codes: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if error_code(error) not in codes:
            raise
