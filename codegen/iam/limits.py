"""IAM's documented limits, checked when the policies are generated rather than at ``terraform apply``.

The generated document names resources by Terraform address; the ARNs AWS
stores are only known after apply. The size is therefore measured on the
document with every ARN at a generous length: the longest commercial region
name, a 12-digit account, and each resource's name after a name prefix of up
to ``NAME_PREFIX_ALLOWANCE`` characters (infra/ names everything
``${var.name_prefix}-<name>``). IAM counts characters without whitespace.

Limits (IAM User Guide, "IAM and AWS STS quotas"):

* a managed policy is at most 6,144 characters;
* a policy name is at most 128 characters;
* a policy document holds only tab, line feed, carriage return and U+0020-U+00FF.

IAM documents no limit on the number of statements or on a Resource ARN's
length of its own: both count against the 6,144 characters, so the size check
covers them.
"""

from __future__ import annotations

import json
import re

from .. import model as m
from ..schema import Problem
from .permissions import PolicySpec, resolve

MANAGED_POLICY_CHARACTERS = 6_144
POLICY_NAME_CHARACTERS = 128
NAME_PREFIX_ALLOWANCE = 32
LONGEST_REGION = "ap-southeast-2"
ACCOUNT = "123456789012"
_OUTSIDE_LATIN_1 = re.compile(r"[^\t\n\r\u0020-\u00ff]")


def estimated_size(spec: PolicySpec) -> int:
    """Characters (without whitespace) of the document with every ARN at its generous length."""
    outputs: dict[str, str] = {}
    for statement in spec.statements:
        for resource in statement.resources:
            name = "p" * NAME_PREFIX_ALLOWANCE + "-" + resource.name.replace("_", "-")
            if resource.kind == "queue":
                name = f"https://sqs.{LONGEST_REGION}.amazonaws.com/{ACCOUNT}/{name}"
            elif resource.kind == "secret":  # the output is the ARN, with its random suffix
                name = f"arn:aws:secretsmanager:{LONGEST_REGION}:{ACCOUNT}:secret:{name}-AbCdEf"
            outputs[resource.terraform_output] = name
    document = resolve(spec, outputs, account=ACCOUNT, region=LONGEST_REGION)
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return sum(1 for char in text if not char.isspace())


def problems(schema: m.SchemaSpec, specs: tuple[PolicySpec, ...]) -> list[Problem]:
    """Every consumer whose policy AWS would refuse, each with the reason."""
    found: list[Problem] = []
    for spec in specs:
        path = spec.consumer.schema_path
        size = estimated_size(spec)
        if size > MANAGED_POLICY_CHARACTERS:
            found.append(
                Problem(
                    path,
                    f"its IAM policy is {size:,} characters with {NAME_PREFIX_ALLOWANCE}-character "
                    f"name prefixes, over IAM's {MANAGED_POLICY_CHARACTERS:,} for a managed "
                    f"policy ({len(spec.statements)} statements): split the service into "
                    "consumers that each use fewer tables, queues and layouts",
                )
            )
        name = "p" * NAME_PREFIX_ALLOWANCE + "-" + spec.consumer.name.replace("_", "-")
        if len(name) > POLICY_NAME_CHARACTERS:
            found.append(
                Problem(
                    path,
                    f"its IAM policy name (<name_prefix>-{spec.consumer.name.replace('_', '-')}) "
                    f"can be {len(name)} characters, over IAM's {POLICY_NAME_CHARACTERS}: "
                    "use a shorter consumer name",
                )
            )
        outside = sorted(
            set(_OUTSIDE_LATIN_1.findall(json.dumps(spec.document(), ensure_ascii=False)))
        )
        if outside:
            found.append(
                Problem(
                    path,
                    f"its IAM policy would hold {', '.join(repr(c) for c in outside)}; IAM "
                    "accepts only characters U+0020-U+00FF (and tab and line breaks) in a policy",
                )
            )
    return found
