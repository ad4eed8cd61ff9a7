"""``[secrets.<name>]``: one Secrets Manager secret its consumers read.

Terraform creates the secret (``aws_secretsmanager_secret.<name>``) and
outputs its ARN (``terraform_output``), which reaches services as
``env_var``; the drift check holds the output to the secret. A consumer gets
``secretsmanager:GetSecretValue`` on that one ARN. An optional secret's
factory builds an adapter without a secret when the variable is unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from ...schema import Field, Problem, spec
from ...schema import sections as s
from ..types import ServiceResource


@dataclass(frozen=True)
class Secret(ServiceResource):
    output: str = ""
    optional: bool = False

    kind: ClassVar[str] = "secrets"
    noun: ClassVar[str] = "Secrets Manager secret"
    description_of_kind: ClassVar[str] = "A Secrets Manager secret its consumers read."
    schema_fields: ClassVar[dict[str, Field]] = {
        "description": Field(
            "string", "One line: what the secret holds.", True, pattern=spec.ONE_LINE
        ),
        "terraform_output": Field(
            "string", "Terraform output holding the secret's ARN.", True, pattern=spec.IDENTIFIER
        ),
        "env_var": Field(
            "string",
            "Environment variable (default: terraform_output in upper case).",
            pattern=spec.ENV_VAR,
        ),
        "optional": Field(
            "boolean",
            "A deployment may leave the secret out: the factory's adapter then has no secret "
            "(an HfTokenProvider gives None) instead of raising.",
        ),
        "factory": Field(
            "string", "Name of the env_config factory.", True, pattern=spec.IDENTIFIER
        ),
        "adapter": Field(
            "string",
            "The runtime class the factory builds.",
            True,
            enum=("AwsSecretsManagerHfTokenProvider",),
        ),
    }
    consumer_key: ClassVar[str] = "reads_secrets"
    consumer_description: ClassVar[str] = (
        "Secrets it reads (secretsmanager:GetSecretValue on each secret's ARN only)."
    )
    adapters: ClassVar[dict[str, str]] = {"AwsSecretsManagerHfTokenProvider": "hf_token"}
    aws_service: ClassVar[str] = "secretsmanager"
    operations: ClassVar[tuple[str, ...]] = ("GetSecretValue",)
    statement_verb: ClassVar[str] = "Read"
    statement_noun: ClassVar[str] = "Secret"
    arn_kind: ClassVar[Literal["any", "secret"]] = "secret"

    @property
    def terraform_output(self) -> str | None:
        return self.output

    @property
    def required_variable(self) -> bool:
        return not self.optional

    @property
    def optional_variable(self) -> bool:
        return self.optional

    @classmethod
    def build(cls, name: str, fields: s.Fields, problems: list[Problem]) -> Secret | None:
        problems += fields.problems
        if fields.problems:
            return None
        data = fields.values
        output = data["terraform_output"]
        return cls(
            name=name,
            description=data["description"],
            schema_path=fields.path,
            factory=data["factory"],
            adapter=data["adapter"],
            env_var=data.get("env_var", output.upper()),
            output=output,
            optional=data.get("optional", False),
        )


KIND = Secret
