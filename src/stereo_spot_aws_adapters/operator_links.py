"""Console links for operators: a job's logs in CloudWatch Logs Insights, the cost in Cost Explorer.

No AWS call is made: the links are built from the deployment's name prefix
(Terraform's ``var.name_prefix``, which names the services' log groups and
tags every resource ``App = <prefix>``) and a region.

    NAME_PREFIX        the deployment's name prefix; unset: no links (the factory gives None)
    LOGS_REGION        region of the log groups (default AWS_REGION, AWS_DEFAULT_REGION, us-east-1)
    COST_EXPLORER_URL  a cost dashboard link to use instead of the App-tag Cost Explorer view
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from urllib.parse import quote

__all__ = [
    "COST_EXPLORER_URL",
    "LOGS_REGION",
    "NAME_PREFIX",
    "AWSOperatorLinksProvider",
    "default_log_groups",
    "operator_links_from_env",
]

NAME_PREFIX = "NAME_PREFIX"
LOGS_REGION = "LOGS_REGION"
COST_EXPLORER_URL = "COST_EXPLORER_URL"
DEFAULT_REGION = "us-east-1"
LOOKBACK_SECONDS = 3600

# The Logs Insights query: INFO, WARNING and ERROR lines (no DEBUG) of one job, oldest first.
_QUERY = (
    "fields @timestamp, @message\n"
    "| filter @message like /\\[(INFO|WARNING|ERROR)\\]/ and @message like /job_id={job_id}/\n"
    "| sort @timestamp asc"
)


def default_log_groups(name_prefix: str) -> tuple[str, ...]:
    """The log groups of a deployment: its three ECS services and its inference endpoint."""
    return (
        f"/ecs/{name_prefix}/web-ui",
        f"/ecs/{name_prefix}/video-worker",
        f"/ecs/{name_prefix}/media-worker",
        f"/aws/sagemaker/Endpoints/{name_prefix}-inference",
    )


def _console_text(text: str) -> str:
    """A value inside the CloudWatch console's URL fragment: ``*`` and two hex digits per
    character other than letters, digits, ``-``, ``_`` and ``.``."""
    return "".join(
        c
        if c.isascii() and (c.isalnum() or c in "-_.")
        else "".join(f"*{b:02x}" for b in c.encode())
        for c in text
    )


def _regex_literal(text: str) -> str:
    """``text`` matched literally inside a Logs Insights ``/regex/`` (the slash included)."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


_REGEX_SPECIAL = frozenset("\\.^$*+?{}[]|()/")


class AWSOperatorLinksProvider:
    """An ``OperatorLinksProvider`` for a deployment on AWS."""

    def __init__(
        self,
        name_prefix: str,
        region: str,
        *,
        cost_explorer_url: str | None = None,
        log_groups: Sequence[str] | None = None,
    ) -> None:
        self._name_prefix = name_prefix
        self._region = region
        self._cost_explorer_url = cost_explorer_url
        self._log_groups = tuple(log_groups) if log_groups is not None else None

    @property
    def log_groups(self) -> tuple[str, ...]:
        return self._log_groups or default_log_groups(self._name_prefix)

    def get_job_logs_url(self, job_id: str) -> str | None:
        """Logs Insights over the deployment's log groups, the last hour, lines naming ``job_id``."""
        query = _QUERY.format(job_id=_regex_literal(job_id))
        sources = "".join(f"~'{_console_text(group)}" for group in self.log_groups)
        detail = (
            f"~(end~0~start~-{LOOKBACK_SECONDS}~timeType~'RELATIVE~tz~'UTC~unit~'seconds"
            f"~editorString~'{_console_text(query)}"
            f"~source~({sources})~lang~'CWLI~logClass~'STANDARD~queryBy~'logGroupName)"
        )
        region = quote(self._region, safe="")
        return (
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#logsV2:logs-insights$3FqueryDetail$3D{detail}"
        )

    def get_cost_dashboard_url(self) -> str | None:
        """``cost_explorer_url`` if given; else Cost Explorer, tag ``App`` = the name prefix,
        month to date, daily, grouped by service."""
        if self._cost_explorer_url is not None:
            return self._cost_explorer_url
        tag_filter = [
            {
                "dimension": {"id": "TagKey", "displayValue": "Tag"},
                "operator": "INCLUDES",
                "values": [{"value": self._name_prefix, "displayValue": self._name_prefix}],
                "growableValue": {"value": "App", "displayValue": "App"},
            }
        ]
        encoded = quote(json.dumps(tag_filter, separators=(",", ":")), safe=":,")
        return (
            "https://us-east-1.console.aws.amazon.com/costmanagement/home?region=us-east-1"
            "#/cost-explorer?chartStyle=STACK&costAggregate=unBlendedCost"
            f"&filter={encoded}&granularity=Daily&groupBy=%5B%22Service%22%5D"
            "&historicalRelativeRange=MONTH_TO_DATE&reportMode=STANDARD&showOnlyUncategorized=false"
            "&showOnlyUntagged=false&useNormalizedUnits=false"
        )


def operator_links_from_env() -> AWSOperatorLinksProvider | None:
    """The provider for the deployment ``$NAME_PREFIX`` names; None when it is unset or empty,
    so the web UI shows no console links off AWS."""
    name_prefix = os.environ.get(NAME_PREFIX)
    if not name_prefix:
        return None
    region = (
        os.environ.get(LOGS_REGION)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION
    )
    return AWSOperatorLinksProvider(
        name_prefix, region, cost_explorer_url=os.environ.get(COST_EXPLORER_URL) or None
    )
