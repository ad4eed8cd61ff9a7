"""The one place botocore errors become ``stereo_spot_shared.errors`` classes.

Every adapter (the generated DynamoDB classes, ``_dynamo``, ``sqs``, ``s3``)
wraps its requests in ``AwsCall`` for the resource it addresses, and reads
error codes only through ``error_code``. botocore's own retries (standard
mode) have already run when an error reaches here, so throttling and 5xx are
reported as ``RetryableServiceError`` for the service to back off.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from stereo_spot_shared.errors import (
    AccessDeniedError,
    InvalidArgumentError,
    InvalidConfigurationError,
    MissingResourceError,
    RejectedRequestError,
    RetryableServiceError,
    ServiceError,
    StereoSpotError,
)

from .iam_actions import action_for

if TYPE_CHECKING:
    from ._env import EnvVariable

AWS_ERRORS = (BotoCoreError, ClientError)
"""What a botocore call can raise; ``AwsCall`` maps exactly these."""

Service = Literal["dynamodb", "sqs", "s3", "cloudwatch", "secretsmanager"]

_MISSING = frozenset(
    {
        "ResourceNotFoundException",  # DynamoDB: table (or index) does not exist
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "NoSuchBucket",
    }
)
_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "KMS.AccessDeniedException",
        "SignatureDoesNotMatch",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
    }
)
_RETRYABLE = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "KMS.ThrottlingException",
        "LimitExceededException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "TransactionInProgressException",
    }
)


@dataclass(frozen=True)
class Resource:
    """What a request addressed, and where its name came from (for the error message)."""

    service: Service
    kind: str  # "DynamoDB table", "SQS queue", "S3 bucket"
    name: str
    env_var: str | None = None
    terraform_output: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.name!r}"

    def origin(self) -> str:
        if self.env_var is None:
            return ""
        output = f", Terraform output `{self.terraform_output}`" if self.terraform_output else ""
        return f" (named by ${self.env_var}{output})"


def resource_call(service: Service, kind: str, name: str, variable: EnvVariable | None) -> AwsCall:
    """The ``AwsCall`` for one resource whose name came from ``variable`` (if known)."""
    return AwsCall(
        Resource(
            service,
            kind,
            name,
            variable.name if variable else None,
            variable.terraform_output if variable else None,
        )
    )


def error_code(error: BaseException) -> str:
    """The service's error code (``ThrottlingException``, ``404``), else the class name."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or type(error).__name__)
    return type(error).__name__


def http_status(error: ClientError) -> int | None:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


def error_message(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Message") or error)
    return str(error)


def service_error(error: BaseException, resource: Resource) -> StereoSpotError:
    """The shared-hierarchy error for a botocore error on ``resource``, ``error`` as its cause.

    The ``__cause__`` is set here, so an error kept for later (a batch's
    ``outcome.error``) carries it too; a caller raising it at once still
    raises it ``from error``, which also hides the implicit context.
    """
    mapped = _shared_error(error, resource)
    mapped.__cause__ = error
    return mapped


def _shared_error(error: BaseException, resource: Resource) -> StereoSpotError:
    if isinstance(error, ParamValidationError):
        # botocore checks parameters before sending: the caller's arguments are wrong.
        return InvalidArgumentError(f"{resource}: invalid request parameters: {error}")
    if isinstance(error, (NoCredentialsError, PartialCredentialsError, NoRegionError)):
        return InvalidConfigurationError(
            f"{resource}: {error} (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "and AWS_REGION)"
        )
    code = error_code(error)
    operation = getattr(error, "operation_name", None)
    action = f"{resource.service}:{operation}" if operation else f"{resource.service}:*"
    detail = f"{code}: {error_message(error)}"
    fields = {"action": action, "resource": str(resource), "code": code}
    if isinstance(error, (BotoConnectionError, HTTPClientError)):
        return RetryableServiceError(
            f"{action} on {resource} could not reach the service after the SDK's retries "
            f"({detail}); retryable: back off and try again",
            **fields,
        )
    if not isinstance(error, ClientError):
        return ServiceError(f"{action} on {resource} failed ({detail})", **fields)
    status = http_status(error)
    # HEAD answers carry no error body: a bucket's HEAD 404 is the bucket missing.
    if code in _MISSING or (operation == "HeadBucket" and status == 404):
        return MissingResourceError(
            f"{resource} does not exist{resource.origin()} ({action} answered {code}): "
            "create it with `terraform apply` in infra/ (or provision() for a local stack), "
            "or point the variable at the right resource",
            **fields,
        )
    if code in _DENIED or status == 403:
        # Named by the IAM action to grant, which is not always the operation's name:
        # SendMessageBatch needs sqs:SendMessage, a HEAD s3:GetObject.
        needed = action_for(resource.service, operation) if operation else action
        return AccessDeniedError(
            f"access denied: {needed} ({operation or 'the call'}) on {resource} ({detail}); "
            f"allow the caller's IAM identity {needed} on this resource, or check its credentials",
            **{**fields, "action": needed},
        )
    if code in _RETRYABLE or status == 429 or (status is not None and status >= 500):
        return RetryableServiceError(
            f"{action} on {resource} still failed after the SDK's retries ({detail}); "
            "retryable: back off and try again",
            **fields,
        )
    if status is not None and 400 <= status < 500:
        return RejectedRequestError(f"{action} on {resource} was rejected ({detail})", **fields)
    return ServiceError(f"{action} on {resource} failed ({detail})", **fields)


class AwsCall:
    """``with AwsCall(resource):`` turns any botocore error inside into a shared error.

    Stateless, so an adapter builds one per resource and reuses it for every call.
    Errors that are not botocore's pass through unchanged.
    """

    __slots__ = ("resource",)

    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None and isinstance(exc, AWS_ERRORS):
            raise service_error(exc, self.resource) from exc


__all__ = [
    "AWS_ERRORS",
    "AwsCall",
    "Resource",
    "error_code",
    "error_message",
    "http_status",
    "resource_call",
    "service_error",
]
