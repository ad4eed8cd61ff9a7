"""The Hugging Face token from a secret held in memory."""

from __future__ import annotations

from ..secret_values import token_from_secret

__all__ = ["MemoryHfTokenProvider"]


class MemoryHfTokenProvider:
    """An ``HfTokenProvider`` over a secret's text, read as the Secrets Manager one reads it.

    ``secret_string`` is what the secret would hold: the token, or a JSON object
    with it under ``hf_token``, ``HF_TOKEN`` or ``token``; None is no secret.
    """

    def __init__(self, secret_string: str | None = None) -> None:
        self.secret_string = secret_string

    def get_hf_token(self) -> str | None:
        return token_from_secret(self.secret_string)
