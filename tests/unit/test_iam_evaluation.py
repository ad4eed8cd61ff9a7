"""The enforcement tests' IAM evaluator against AWS's documented semantics (IAM User Guide)."""

from __future__ import annotations

import pytest

from tests.integration.iam_evaluation import UnsupportedConditionError, allowed

BUCKET = "arn:aws:s3:::media"


def listing(*prefixes: str, operator: str = "StringLike") -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [BUCKET],
                "Condition": {operator: {"s3:prefix": list(prefixes)}},
            }
        ],
    }


def test_string_like_matches_the_prefix_with_wildcards() -> None:
    document = listing("input/*")
    assert allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "input/job-1/"})
    assert allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "input/"})
    assert not allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "segments/job-1/"})
    assert not allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "input"})


def test_a_key_missing_from_the_request_makes_the_condition_false() -> None:
    # "If the key that you specify in a policy condition is not present in the request
    # context, the values do not match" -- a HeadBucket has no s3:prefix at all.
    assert not allowed(listing("input/*"), "s3:ListBucket", BUCKET, {})
    assert allowed(listing("input/*", operator="StringLikeIfExists"), "s3:ListBucket", BUCKET, {})


def test_values_of_one_key_are_or_and_string_equals_is_exact() -> None:
    document = listing("input/", "jobs/", operator="StringEquals")
    assert allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "jobs/"})
    assert not allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "jobs/x"})


def test_every_operator_and_key_must_hold() -> None:
    document = listing("input/*")
    statement = document["Statement"][0]  # type: ignore[index]
    statement["Condition"]["StringEquals"] = {"s3:delimiter": ["/"]}
    assert allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "input/", "s3:delimiter": "/"})
    assert not allowed(document, "s3:ListBucket", BUCKET, {"s3:prefix": "input/"})


def test_actions_ignore_case_and_resources_do_not() -> None:
    document = {
        "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/in/*"}
    }
    assert allowed(document, "s3:getobject", f"{BUCKET}/in/a.mp4")
    assert not allowed(document, "s3:GetObject", f"{BUCKET}/IN/a.mp4")


def test_escaped_wildcards_match_only_themselves() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{BUCKET}/a${{*}}b/*"]}
        ]
    }
    assert allowed(document, "s3:GetObject", f"{BUCKET}/a*b/x")
    assert not allowed(document, "s3:GetObject", f"{BUCKET}/aXb/x")


def test_an_explicit_deny_wins_and_nothing_matching_is_denied() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        ]
    }
    assert allowed(document, "s3:GetObject", f"{BUCKET}/x")
    assert not allowed(document, "s3:DeleteObject", f"{BUCKET}/x")
    assert not allowed(document, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")


def test_an_operator_it_does_not_implement_is_refused() -> None:
    with pytest.raises(UnsupportedConditionError):
        allowed(
            listing("1", operator="NumericLessThan"), "s3:ListBucket", BUCKET, {"s3:prefix": "1"}
        )
