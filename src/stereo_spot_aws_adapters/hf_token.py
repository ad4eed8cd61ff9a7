"""The Hugging Face token from Secrets Manager: ``AwsSecretsManagerHfTokenProvider``.

The secret is the schema's ``[secrets.hf_token]``; its ARN comes from
``HF_TOKEN_ARN`` (Terraform output ``hf_token_secret_arn``), and the generated
IAM policies allow ``secretsmanager:GetSecretValue`` on that one secret.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from stereo_spot_shared.errors import InvalidConfigurationError
from stereo_spot_shared.secret_values import token_from_secret

from ._clients import new_client
from ._errors import AwsCall, Resource

__all__ = ["ARN_VARIABLE", "AwsSecretsManagerHfTokenProvider"]

ARN_VARIABLE = "HF_TOKEN_ARN"
_TERRAFORM_OUTPUT = "hf_token_secret_arn"


def _region_from_arn(arn: str) -> str | None:
    """The region of a Secrets Manager ARN (``arn:aws:secretsmanager:<region>:...``), else None."""
    parts = arn.split(":") if arn else []
    if len(parts) >= 4 and parts[0] == "arn" and parts[2] == "secretsmanager" and parts[3]:
        return parts[3]
    return None


class AwsSecretsManagerHfTokenProvider:
    """An ``HfTokenProvider`` reading one Secrets Manager secret.

    ``arn`` left out is ``$HF_TOKEN_ARN`` at construction (the original's
    behaviour); without either there is no token (``get_hf_token`` is None).
    The region is ``region``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else the ARN's.
    """

    def __init__(
        self, arn: str | None = None, region: str | None = None, *, client: Any = None
    ) -> None:
        self._arn = arn or os.environ.get(ARN_VARIABLE) or None
        self._region = (
            region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        )
        self._client = client
        self._lock = threading.Lock()

    @property
    def arn(self) -> str | None:
        return self._arn

    def get_hf_token(self) -> str | None:
        """The token the secret holds (itself, or JSON ``hf_token`` / ``HF_TOKEN`` / ``token``).

        None without a configured secret, or when the secret holds no token. A
        secret that cannot be read raises its ``stereo_spot_shared.errors`` class
        (``AccessDeniedError``, ``MissingResourceError``, ...): a refused read is
        not mistaken for "no token".
        """
        if not self._arn:
            return None
        call = AwsCall(
            Resource(
                "secretsmanager",
                "Secrets Manager secret",
                self._arn,
                ARN_VARIABLE,
                _TERRAFORM_OUTPUT,
            )
        )
        with call:
            response = self._secretsmanager().get_secret_value(SecretId=self._arn)
        secret = response.get("SecretString") if isinstance(response, dict) else None
        return token_from_secret(secret if isinstance(secret, str) else None)

    def _secretsmanager(self) -> Any:
        with self._lock:
            if self._client is None:
                region = self._region or _region_from_arn(self._arn or "")
                if region is None:
                    raise InvalidConfigurationError(
                        f"no AWS region for secret {self._arn!r}: set AWS_REGION, or give "
                        f"${ARN_VARIABLE} as a full ARN"
                    )
                self._client = new_client("secretsmanager", region_name=region)
            return self._client
