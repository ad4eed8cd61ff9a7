"""The one "resend the leftovers with backoff" loop behind SQS and DynamoDB batches."""

from __future__ import annotations

import pytest

from stereo_spot_aws_adapters._retry import BatchRetry, retry_leftovers


class RefusedError(Exception):
    """Stands in for a whole request refused by the service."""


def _recording_retry(attempts: int, sleeps: list[float]) -> BatchRetry:
    return BatchRetry(attempts=attempts, base_delay=0.1, max_delay=0.25, sleep=sleeps.append)


def test_sends_once_when_everything_is_accepted() -> None:
    calls: list[list[str]] = []
    described: list[int] = []
    sleeps: list[float] = []

    def send_once(pending: list[str]) -> list[str]:
        calls.append(pending)
        return []

    pending, error = retry_leftovers(
        ["a", "b"],
        send_once,
        _recording_retry(5, sleeps),
        lambda _, n: described.append(n),
        (RefusedError,),
    )

    assert pending == [] and error is None
    assert calls == [["a", "b"]]
    assert described == [] and sleeps == []


def test_resends_only_the_leftovers_with_growing_bounded_delays() -> None:
    calls: list[list[str]] = []
    described: list[tuple[list[str], int]] = []
    sleeps: list[float] = []
    answers = iter([["b", "c"], ["c"], []])

    def send_once(pending: list[str]) -> list[str]:
        calls.append(pending)
        return next(answers)

    pending, error = retry_leftovers(
        ["a", "b", "c"],
        send_once,
        _recording_retry(5, sleeps),
        lambda pending, attempt: described.append((pending, attempt)),
        (RefusedError,),
    )

    assert pending == [] and error is None
    assert calls == [["a", "b", "c"], ["b", "c"], ["c"]]
    assert described == [(["b", "c"], 2), (["c"], 3)]
    # Full jitter: before retry n at most min(max_delay, base_delay * 2**(n-1)).
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.1 and 0 <= sleeps[1] <= 0.2


def test_gives_up_after_the_attempts_and_returns_what_is_left() -> None:
    calls: list[list[str]] = []
    sleeps: list[float] = []

    def send_once(pending: list[str]) -> list[str]:
        calls.append(pending)
        return pending[1:] or pending

    pending, error = retry_leftovers(
        ["a", "b", "c", "d"],
        send_once,
        _recording_retry(3, sleeps),
        lambda *_: None,
        (RefusedError,),
    )

    assert calls == [["a", "b", "c", "d"], ["b", "c", "d"], ["c", "d"]]
    assert pending == ["d"] and error is None
    assert len(sleeps) == 2 and all(0 <= delay <= 0.25 for delay in sleeps)


def test_a_refused_request_stops_at_once_with_what_it_did_not_deliver() -> None:
    calls: list[dict[str, int]] = []
    sleeps: list[float] = []
    refusal = RefusedError("throttled for good")

    def send_once(pending: dict[str, int]) -> dict[str, int]:
        calls.append(pending)
        if len(calls) == 2:
            raise refusal
        return {"y": 2}

    pending, error = retry_leftovers(
        {"x": 1, "y": 2}, send_once, _recording_retry(5, sleeps), lambda *_: None, (RefusedError,)
    )

    assert error is refusal
    assert pending == {"y": 2}
    assert len(calls) == 2 and len(sleeps) == 1


def test_an_error_it_was_not_told_to_stop_on_propagates() -> None:
    def send_once(pending: list[str]) -> list[str]:
        raise KeyError("a bug, not a refusal")

    with pytest.raises(KeyError):
        retry_leftovers(["a"], send_once, _recording_retry(3, []), lambda *_: None, (RefusedError,))


def test_one_attempt_means_no_retry_and_no_sleep() -> None:
    sleeps: list[float] = []
    pending, error = retry_leftovers(
        ["a"],
        lambda pending: pending,
        _recording_retry(1, sleeps),
        lambda *_: None,
        (RefusedError,),
    )
    assert pending == ["a"] and error is None and sleeps == []
