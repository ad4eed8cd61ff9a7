"""The one "resend the leftovers with backoff" loop behind SQS and DynamoDB batches."""

from __future__ import annotations

import dataclasses
import time

import pytest

from stereo_spot_aws_adapters import _retry
from stereo_spot_aws_adapters._retry import BatchRetry, retry_leftovers
from stereo_spot_shared.errors import InvalidArgumentError


class RefusedError(Exception):
    """Stands in for a whole request refused by the service."""


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """``random.uniform`` pinned to the top of its range; each draw's range is recorded."""
    recorded: list[tuple[float, float]] = []

    def top(low: float, high: float) -> float:
        recorded.append((low, high))
        return high

    monkeypatch.setattr(_retry.random, "uniform", top)
    return recorded


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


def test_resends_only_the_leftovers_with_growing_bounded_delays(
    draws: list[tuple[float, float]],
) -> None:
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
    # Full jitter: before retry n a draw in [0, min(max_delay, base_delay * 2**(n-1))];
    # with the draw pinned to its top, the delays double.
    assert sleeps == [0.1, 0.2]
    assert draws == [(0, 0.1), (0, 0.2)]


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


def test_the_defaults_are_five_attempts_from_50_ms_up_to_2_s(
    draws: list[tuple[float, float]],
) -> None:
    retry = BatchRetry()
    assert (retry.attempts, retry.base_delay, retry.max_delay) == (5, 0.05, 2.0)
    assert retry.sleep is time.sleep
    assert [retry.delay_before(n) for n in range(1, 9)] == [
        0.05,
        0.1,
        0.2,
        0.4,
        0.8,
        1.6,
        2.0,  # capped at max_delay from here on
        2.0,
    ]
    assert all(low == 0 for low, _ in draws)


def test_a_delay_is_a_random_draw_from_zero_to_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry.random, "uniform", lambda low, high: (low + high) / 2)
    retry = BatchRetry(base_delay=1.0, max_delay=3.0)
    assert [retry.delay_before(n) for n in (1, 2, 3)] == [0.5, 1.0, 1.5]


def test_zero_delays_retry_without_waiting(draws: list[tuple[float, float]]) -> None:
    sleeps: list[float] = []
    retry = BatchRetry(attempts=3, base_delay=0, max_delay=0, sleep=sleeps.append)
    pending, error = retry_leftovers(["a"], lambda p: p, retry, lambda *_: None, (RefusedError,))
    assert pending == ["a"] and error is None
    assert sleeps == [0, 0]


def test_settings_are_immutable_and_compared_without_the_sleep() -> None:
    retry = BatchRetry(attempts=2, base_delay=0.5, max_delay=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        retry.attempts = 3  # type: ignore[misc]
    assert retry == BatchRetry(attempts=2, base_delay=0.5, max_delay=1.0, sleep=lambda _: None)
    assert retry != BatchRetry(attempts=3, base_delay=0.5, max_delay=1.0)
    assert BatchRetry() == BatchRetry(attempts=5, base_delay=0.05, max_delay=2.0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"attempts": 0}, "attempts must be at least 1, got 0"),
        ({"base_delay": -0.001}, "base_delay and max_delay must not be negative"),
        ({"max_delay": -0.001}, "base_delay and max_delay must not be negative"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        BatchRetry(**settings)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_the_smallest_settings_are_accepted() -> None:
    retry = BatchRetry(attempts=1, base_delay=0, max_delay=0)
    assert (retry.attempts, retry.base_delay, retry.max_delay) == (1, 0, 0)
