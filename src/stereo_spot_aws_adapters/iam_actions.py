"""Which IAM action authorizes each AWS API operation the adapters call.

One table, read by three parties: the generator derives every consumer's
policy from the operations its access patterns, queues and key layouts make
(``codegen/permissions.py``); the access-denied error names the action a
refused call needed; and the tests map every operation a walk records to an
action, proving the generated policies are complete. An operation missing
here is a ``KeyError`` in the generator and the tests, never a silent gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["OPERATION_ACTIONS", "action_for"]

OPERATION_ACTIONS: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        # DynamoDB: one action per operation, named alike.
        ("dynamodb", "GetItem"): "dynamodb:GetItem",
        ("dynamodb", "PutItem"): "dynamodb:PutItem",
        ("dynamodb", "UpdateItem"): "dynamodb:UpdateItem",
        ("dynamodb", "DeleteItem"): "dynamodb:DeleteItem",
        ("dynamodb", "Query"): "dynamodb:Query",
        ("dynamodb", "Scan"): "dynamodb:Scan",
        ("dynamodb", "BatchWriteItem"): "dynamodb:BatchWriteItem",
        ("dynamodb", "BatchGetItem"): "dynamodb:BatchGetItem",
        ("dynamodb", "DescribeTable"): "dynamodb:DescribeTable",
        # DynamoDB Streams (a pipe reading a table's stream): actions of the dynamodb prefix.
        ("dynamodbstreams", "DescribeStream"): "dynamodb:DescribeStream",
        ("dynamodbstreams", "GetRecords"): "dynamodb:GetRecords",
        ("dynamodbstreams", "GetShardIterator"): "dynamodb:GetShardIterator",
        ("dynamodbstreams", "ListStreams"): "dynamodb:ListStreams",
        # A TransactWriteItems is authorized item by item: a fenced write's lease check
        # (its ConditionCheck) needs this action on the lock table, its Update UpdateItem.
        ("dynamodb", "ConditionCheckItem"): "dynamodb:ConditionCheckItem",
        # SQS: the batch operations are authorized by their single-message actions.
        ("sqs", "SendMessage"): "sqs:SendMessage",
        ("sqs", "SendMessageBatch"): "sqs:SendMessage",
        ("sqs", "ReceiveMessage"): "sqs:ReceiveMessage",
        ("sqs", "DeleteMessage"): "sqs:DeleteMessage",
        ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
        ("sqs", "ChangeMessageVisibility"): "sqs:ChangeMessageVisibility",
        ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
        ("sqs", "GetQueueAttributes"): "sqs:GetQueueAttributes",
        ("sqs", "GetQueueUrl"): "sqs:GetQueueUrl",
        ("sqs", "PurgeQueue"): "sqs:PurgeQueue",
        # S3: HEAD is a read, and every step of a multipart upload is a write.
        ("s3", "GetObject"): "s3:GetObject",
        ("s3", "HeadObject"): "s3:GetObject",
        ("s3", "PutObject"): "s3:PutObject",
        ("s3", "CreateMultipartUpload"): "s3:PutObject",
        ("s3", "UploadPart"): "s3:PutObject",
        ("s3", "CompleteMultipartUpload"): "s3:PutObject",
        ("s3", "AbortMultipartUpload"): "s3:AbortMultipartUpload",
        ("s3", "ListParts"): "s3:ListMultipartUploadParts",
        ("s3", "ListMultipartUploads"): "s3:ListBucketMultipartUploads",
        ("s3", "ListObjectsV2"): "s3:ListBucket",
        ("s3", "ListObjects"): "s3:ListBucket",
        ("s3", "HeadBucket"): "s3:ListBucket",
        ("s3", "DeleteObject"): "s3:DeleteObject",
        # CloudWatch: PutMetricData has no resource; a policy limits it by cloudwatch:namespace.
        ("cloudwatch", "PutMetricData"): "cloudwatch:PutMetricData",
        ("secretsmanager", "GetSecretValue"): "secretsmanager:GetSecretValue",
    }
)


def action_for(service: str, operation: str) -> str:
    """The IAM action of one API operation; an unknown one is spelled ``<service>:<Operation>``."""
    return OPERATION_ACTIONS.get((service, operation), f"{service}:{operation}")
