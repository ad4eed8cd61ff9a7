"""One place that turns AWS's "access denied" into ``AccessDeniedError``, for every adapter.

Registered on every shared client (``_clients.get_client``) for the
``after-call`` event, which botocore emits once a call's retries are over and
just before it would raise its own ``ClientError``. Raising here means no
adapter method needs its own handler, and the error names the IAM action the
refused call needed (``iam_actions``), which a bare ``AccessDenied`` does not.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from stereo_spot_shared.errors import AccessDeniedError

from .iam_actions import action_for

# DynamoDB says AccessDeniedException, SQS and S3 AccessDenied; a HEAD has no
# body, so S3 reports only its status code.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "403"})


def raise_access_denied(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    """``after-call`` handler: raise ``AccessDeniedError`` for a refused call, else nothing."""
    if getattr(http_response, "status_code", None) != 403:
        return
    error = parsed.get("Error") or {}
    code = str(error.get("Code", ""))
    if code not in ACCESS_DENIED_CODES:
        return
    action = action_for(model.service_model.service_name, model.name)
    message = str(error.get("Message") or "")
    # Without a message (a HEAD) there is only the status; a body botocore could
    # not parse (an emulator answering XML to a JSON API) is no better.
    detail = message if message and not message.startswith("<") else f"{model.name}: HTTP 403"
    raise AccessDeniedError(action, detail) from ClientError(parsed, model.name)  # type: ignore[arg-type]
