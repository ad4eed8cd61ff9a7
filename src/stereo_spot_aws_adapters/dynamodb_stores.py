"""The original's ``stereo_spot_aws_adapters.dynamodb_stores``: its DynamoDB stores, by the names its services import.

Every class here is the one generated from the schema (``generated/<table>.py``);
this module only gives the original's later services (job worker, video worker)
the import path they use. ``INFERENCE_INVOCATIONS_TTL_SECONDS`` is the schema's
``default_ttl_seconds`` of the inference-invocations table's ``put``.
"""

from __future__ import annotations

from .generated.inference_invocations import PUT_TTL_SECONDS as INFERENCE_INVOCATIONS_TTL_SECONDS
from .generated.inference_invocations import InferenceInvocationsStore
from .generated.jobs import DynamoDBJobStore
from .generated.reassembly_triggered import ReassemblyTriggeredLock
from .generated.segment_completions import DynamoSegmentCompletionStore

__all__ = [
    "INFERENCE_INVOCATIONS_TTL_SECONDS",
    "DynamoDBJobStore",
    "DynamoSegmentCompletionStore",
    "InferenceInvocationsStore",
    "ReassemblyTriggeredLock",
]
