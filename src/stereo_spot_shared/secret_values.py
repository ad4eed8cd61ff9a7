"""Reading a token out of a secret's text, cloud-agnostic.

A secret holds either the token itself or a JSON object with it under
``hf_token``, ``HF_TOKEN`` or ``token`` (looked for in that order), as the
original's Secrets Manager provider reads it.
"""

from __future__ import annotations

import json

__all__ = ["TOKEN_KEYS", "token_from_secret"]

TOKEN_KEYS = ("hf_token", "HF_TOKEN", "token")


def token_from_secret(text: str | None) -> str | None:
    """The token a secret's text holds; None for an empty secret or a JSON object without one."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return text  # not JSON: the secret is the token itself
    if not isinstance(data, dict):
        return None
    for key in TOKEN_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None
