"""IAM policy evaluation for the enforcement tests, conditions included.

moto checks a request's action and resource but not a statement's
``Condition``; no maintained offline evaluator is among our dependencies.
This evaluates what the generated policies use, as the IAM User Guide
("Policy evaluation logic", "IAM JSON policy elements: Condition operators")
documents it, and refuses anything else rather than guess:

* an explicit Deny wins; otherwise some Allow must match; otherwise denied;
* ``Action`` matches case-insensitively, with ``*`` and ``?`` wildcards;
* ``Resource`` matches with ``*`` and ``?`` wildcards (case-sensitive); the
  policy variables ``${*}``, ``${?}`` and ``${$}`` stand for those characters
  literally (how the generator escapes key text);
* every operator of a ``Condition`` must hold (AND), every key of an operator
  must hold (AND), and a key holds when the request's value matches any of
  the listed values (OR);
* a key absent from the request context makes its condition false, except
  for the ``...IfExists`` operators, which then hold;
* ``StringEquals`` compares exactly, ``StringLike`` with ``*`` / ``?``,
  ``ArnEquals`` / ``ArnLike`` like ``StringLike``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_VARIABLE = re.compile(r"\$\{([*?$])\}")
_OPERATORS = {"StringEquals", "StringLike", "ArnEquals", "ArnLike"}


class UnsupportedConditionError(Exception):
    """A condition this evaluator does not implement: the test must not guess."""


def _glob(pattern: str, *, ignore_case: bool = False, variables: bool = False) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        found = _VARIABLE.match(pattern, i) if variables else None
        if found:
            out.append(re.escape(found.group(1)))
            i = found.end()
            continue
        char = pattern[i]
        out.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _condition_holds(
    operator: str, key: str, values: list[str], context: Mapping[str, str]
) -> bool:
    base = operator.removesuffix("IfExists")
    if base not in _OPERATORS:
        raise UnsupportedConditionError(operator)
    if key not in context:
        return operator.endswith("IfExists")
    actual = context[key]
    if base in ("StringEquals", "ArnEquals"):
        return actual in values
    return any(_glob(value).fullmatch(actual) for value in values)


def _matches(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if "NotAction" in statement or "NotResource" in statement or "Principal" in statement:
        raise UnsupportedConditionError("NotAction / NotResource / Principal")
    if not any(_glob(a, ignore_case=True).fullmatch(action) for a in _listed(statement["Action"])):
        return False
    if not any(
        _glob(r, variables=True).fullmatch(resource) for r in _listed(statement["Resource"])
    ):
        return False
    for operator, keys in statement.get("Condition", {}).items():
        for key, values in keys.items():
            if not _condition_holds(operator, key, _listed(values), context):
                return False
    return True


def allowed(
    document: Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    """Whether ``document`` lets a request for ``action`` on ``resource`` (with ``context``) through."""
    context = context or {}
    statements = _listed_statements(document)
    if any(s["Effect"] == "Deny" and _matches(s, action, resource, context) for s in statements):
        return False
    return any(
        s["Effect"] == "Allow" and _matches(s, action, resource, context) for s in statements
    )


def _listed_statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statement = document["Statement"]
    return [statement] if isinstance(statement, dict) else list(statement)
