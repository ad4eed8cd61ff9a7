"""``[metrics.<name>]``: a CloudWatch namespace its consumers publish metrics to.

The factory builds the named CloudWatch adapter with the namespace from
``env_var`` when it is set, else the schema's ``namespace``. CloudWatch's
``PutMetricData`` takes no resource ARN, so a consumer's grant is limited by
the ``cloudwatch:namespace`` condition key to the schema's namespace: a
deployment that overrides it must grant the other namespace itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from ...schema import Field, Problem, spec
from ...schema import sections as s
from ..types import ServiceResource


@dataclass(frozen=True)
class MetricsNamespace(ServiceResource):
    namespace: str = ""

    kind: ClassVar[str] = "metrics"
    noun: ClassVar[str] = "CloudWatch namespace"
    description_of_kind: ClassVar[str] = "A CloudWatch namespace its consumers publish metrics to."
    schema_fields: ClassVar[dict[str, Field]] = {
        "description": Field(
            "string", "One line: what the metrics measure.", True, pattern=spec.ONE_LINE
        ),
        "namespace": Field(
            "string",
            "The CloudWatch namespace (not AWS/...): the default, and the one IAM allows.",
            True,
            pattern=spec.CLOUDWATCH_NAMESPACE,
        ),
        "env_var": Field(
            "string",
            "Environment variable overriding the namespace (default <NAME>_METRICS_NAMESPACE).",
            pattern=spec.ENV_VAR,
        ),
        "factory": Field(
            "string", "Name of the env_config factory.", True, pattern=spec.IDENTIFIER
        ),
        "adapter": Field(
            "string",
            "The runtime class the factory builds.",
            True,
            enum=("CloudWatchConversionMetricsEmitter",),
        ),
    }
    consumer_key: ClassVar[str] = "publishes_metrics"
    consumer_description: ClassVar[str] = (
        "Metrics namespaces it publishes to (cloudwatch:PutMetricData in that namespace only)."
    )
    adapters: ClassVar[dict[str, str]] = {
        "CloudWatchConversionMetricsEmitter": "conversion_metrics"
    }
    aws_service: ClassVar[str] = "cloudwatch"
    operations: ClassVar[tuple[str, ...]] = ("PutMetricData",)
    statement_verb: ClassVar[str] = "Publish"
    statement_noun: ClassVar[str] = "Metrics"
    arn_kind: ClassVar[Literal["any", "secret"]] = "any"

    @property
    def iam_conditions(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        return (("StringEquals", "cloudwatch:namespace", (self.namespace,)),)

    @classmethod
    def build(cls, name: str, fields: s.Fields, problems: list[Problem]) -> MetricsNamespace | None:
        problems += fields.problems
        if fields.problems:
            return None
        data = fields.values
        return cls(
            name=name,
            description=data["description"],
            schema_path=fields.path,
            factory=data["factory"],
            adapter=data["adapter"],
            env_var=data.get("env_var", f"{name.upper()}_METRICS_NAMESPACE"),
            namespace=data["namespace"],
        )


KIND = MetricsNamespace
