"""Heartbeat, HeldLease and held messages with a fake clock and fake locks/receivers: no waiting."""

from __future__ import annotations

import logging
import threading

import pytest

from stereo_spot_shared import (
    ArgumentTypeError,
    InvalidArgumentError,
    InvalidConfigurationError,
    LeaseLostError,
)
from stereo_spot_shared.heartbeat import Heartbeat, beat_interval
from stereo_spot_shared.interfaces import QueueMessage
from stereo_spot_shared.leases import Fence, HeldLease, LeaseTiming, check_lease_seconds, fencing
from stereo_spot_shared.processing import MessageWork, check_holdable, default_margin


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_deadline_counts_from_the_send_time_less_the_margin() -> None:
    clock = Clock()
    answers = [True]
    beat = Heartbeat(lambda: answers[0], 1, lifetime=10, margin=2, clock=clock, name="b")
    assert beat.deadline is None and not beat.lost, "nothing confirmed yet: not lost either"
    beat.confirm(100.0)
    assert beat.deadline == 110.0
    clock.now = 107.999
    assert not beat.lost
    clock.now = 105.0
    assert beat.beat_once() is True
    assert beat.deadline == 115.0, "from the renewal's send time"
    beat.confirm(101.0)
    assert beat.deadline == 115.0, "an older confirmation never shortens it"
    clock.now = 113.0
    assert beat.lost, "the margin before the deadline"
    beat.confirm(113.0)
    assert beat.lost and beat.deadline == 115.0, "a late confirmation does not bring it back"


def test_a_refusal_is_lost_at_once_and_a_failure_is_not() -> None:
    clock = Clock()
    answers: list[object] = [ConnectionError("reset"), False]

    def beat() -> bool:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return bool(answer)

    heartbeat = Heartbeat(beat, 1, lifetime=10, margin=1, clock=clock, name="b")
    heartbeat.confirm(100.0)
    assert heartbeat.beat_once() is True and not heartbeat.lost
    assert heartbeat.deadline == 110.0, "a failed beat confirms nothing"
    assert heartbeat.beat_once() is False and heartbeat.lost


def test_a_beat_after_the_deadline_sends_nothing() -> None:
    clock = Clock()
    calls: list[int] = []
    heartbeat = Heartbeat(
        lambda: bool(calls.append(1)) or True, 1, lifetime=10, margin=1, clock=clock, name="b"
    )
    heartbeat.confirm(100.0)
    clock.now = 109.0
    assert heartbeat.beat_once() is False
    assert calls == []


def test_stop_freezes_lost_and_the_next_beat_comes_sooner_near_the_deadline() -> None:
    clock = Clock()
    heartbeat = Heartbeat(lambda: True, 3, lifetime=10, margin=2, clock=clock, name="b")
    assert heartbeat.next_wait() == 3
    heartbeat.confirm(100.0)
    assert heartbeat.next_wait() == 3
    clock.now = 106.0
    assert heartbeat.next_wait() == 1.0, "half the time left before deadline less margin"
    heartbeat.stop()
    clock.now = 200.0
    assert heartbeat.lost is False
    assert beat_interval(9) == 3 and beat_interval(0) == 0.001


class FakeLock:
    """The lease methods ``HeldLease`` calls, recorded; tokens count up like the store's."""

    table_name = "locks"

    def __init__(self, *, timing: LeaseTiming | None = None) -> None:
        self.lease_timing = timing or LeaseTiming(1, 0)
        self.token = 0
        self.holder: str | None = None
        self.calls: list[tuple[str, object]] = []
        self.requests: list[tuple[str, object, dict[str, object]]] = []  # name, key, keywords
        self.renewals_answer: bool | None = True
        self.release_error: Exception | None = None

    def acquire_token(
        self, key: str, /, *, lease_seconds: int = 60, owner: str | None = None
    ) -> int | None:
        self.calls.append(("acquire", lease_seconds))
        self.requests.append(("acquire", key, {"lease_seconds": lease_seconds, "owner": owner}))
        if self.holder is not None:
            return None
        self.holder, self.token = owner, self.token + 1
        return self.token

    def renew_token(
        self, key: str, /, *, lease_seconds: int = 60, owner: str | None = None
    ) -> int | None:
        self.calls.append(("renew", owner))
        self.requests.append(("renew", key, {"lease_seconds": lease_seconds, "owner": owner}))
        if self.renewals_answer is None:
            raise ConnectionError("silent")
        if not self.renewals_answer or owner != self.holder:
            return None
        self.token += 1
        return self.token

    def complete(self, key: str, /, *, owner: str | None = None, token: int | None = None) -> bool:
        self.calls.append(("complete", token))
        self.requests.append(("complete", key, {"owner": owner, "token": token}))
        return owner == self.holder and token == self.token

    def release(self, key: str, /, *, owner: str | None = None, token: int | None = None) -> bool:
        self.calls.append(("release", token))
        self.requests.append(("release", key, {"owner": owner, "token": token}))
        if self.release_error is not None:
            raise self.release_error
        return owner == self.holder and token == self.token

    def fence(self, key: str, /, *, owner: str, token: int) -> Fence:
        return Fence(self.table_name, {"job_id": key}, "t", token, "o", owner, "e")


def held(lock: FakeLock, clock: Clock, seconds: int = 30) -> HeldLease[str]:
    return HeldLease(lock, "job", lease_seconds=seconds, owner="me", clock=clock, background=False)


def test_a_held_lease_tracks_its_token_and_completes_with_it() -> None:
    lock, clock = FakeLock(), Clock()
    with held(lock, clock) as lease:
        assert lease.acquired and lease.token == 1 and lease.owner.startswith("me/")
        assert lease.deadline == 130.0
        clock.now = 110.0
        assert lease.beat() is True and lease.token == 2 and lease.deadline == 140.0
        with lease.fencing() as fence:
            assert (fence.token, fence.owner) == (2, lease.owner)
    assert lease.completed
    assert lock.calls[-1] == ("complete", 2)


def test_a_lease_lost_by_deadline_is_not_settled_and_refuses_to_fence() -> None:
    lock, clock = FakeLock(), Clock()
    with held(lock, clock) as lease:
        lock.renewals_answer = None  # the endpoint goes silent
        clock.now = 110.0
        assert lease.beat() is True, "a failed renewal is tried again"
        clock.now = 129.0  # deadline 130, margin 1
        assert lease.lost
        with pytest.raises(LeaseLostError), lease.fencing():
            pass
    assert not lease.completed
    assert [name for name, _ in lock.calls] == ["acquire", "renew"]


def test_a_block_that_raises_releases_with_its_token_and_one_not_acquired_does_nothing() -> None:
    lock, clock = FakeLock(), Clock()
    with pytest.raises(RuntimeError), held(lock, clock):
        raise RuntimeError("work failed")
    assert lock.calls[-1] == ("release", 1)
    lock.holder = "someone"
    with held(lock, clock) as other:
        assert not other.acquired and not other.lost and other.token is None
        assert other.beat() is False
        with pytest.raises(LeaseLostError):
            other.fencing().__enter__()
    assert lock.calls[-1][0] == "acquire"


def test_lease_lengths_are_checked_against_the_range_and_the_margin() -> None:
    assert check_lease_seconds(1) == 1 and check_lease_seconds(604_800) == 604_800
    for bad in (0, 604_801, 10**11):
        with pytest.raises(InvalidArgumentError, match="from 1 to 604800"):
            check_lease_seconds(bad)
    assert check_lease_seconds(30, margin_seconds=10) == 30
    with pytest.raises(InvalidArgumentError, match="three times the lease margin"):
        check_lease_seconds(29, margin_seconds=10)
    with pytest.raises(TypeError):
        check_lease_seconds(True)
    with pytest.raises(InvalidArgumentError, match="three times"):
        HeldLease(FakeLock(timing=LeaseTiming(20, 0)), "job", lease_seconds=59, owner="me")


def test_lease_timing_is_validated_and_gives_the_takeover_cutoff() -> None:
    assert LeaseTiming(1, 60).takeover_cutoff(1000) == 939
    assert LeaseTiming(1, 0.5).takeover_cutoff(1000) == 998
    for margin, skew in ((0, 0), (-1, 0), (1, -1), (float("nan"), 0), (1, float("inf"))):
        with pytest.raises(InvalidArgumentError):
            LeaseTiming(margin, skew)


class FakeReceiver:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.fail = False

    def change_visibility(self, receipt_handle: str, seconds: int) -> None:
        self.calls.append(("change", seconds))
        if self.fail:
            raise ConnectionError("silent")

    def delete_batch(self, receipt_handles: object) -> None:
        self.calls.append(("delete", list(receipt_handles)))  # type: ignore[call-overload]

    def delete(self, receipt_handle: str) -> None:
        # processing() settles a single message with one DeleteMessage.
        self.calls.append(("delete", [receipt_handle]))


def work(receiver: FakeReceiver, clock: Clock, *, received_at: float | None = 100.0) -> MessageWork:
    message = QueueMessage("handle", "body", received_at=received_at)
    return MessageWork(
        receiver,
        message,
        visibility_timeout_seconds=30,
        handle_gone=lambda error: False,
        margin_seconds=3,
        clock=clock,
    )


def test_a_message_is_lost_by_its_deadline_from_the_receive_and_never_deleted() -> None:
    receiver, clock = FakeReceiver(), Clock()
    holding = work(receiver, clock)
    holding._heartbeat.start = lambda: None  # type: ignore[method-assign]  # beats by hand
    with holding as w:
        receiver.fail = True
        clock.now = 110.0
        assert w._heartbeat.beat_once() is True
        clock.now = 126.999
        assert not w.lost
        clock.now = 127.0
        assert w.lost
    assert receiver.calls == [("change", 30)], "no delete with a handle that may be stale"


def test_a_confirmed_extension_moves_the_message_deadline() -> None:
    receiver, clock = FakeReceiver(), Clock()
    holding = work(receiver, clock, received_at=None)
    holding._heartbeat.start = lambda: None  # type: ignore[method-assign]
    clock.now = 105.0
    with holding as w:
        assert w._heartbeat.deadline == 135.0, "a hand-built message counts from entry"
        clock.now = 120.0
        assert w._heartbeat.beat_once() is True and w._heartbeat.deadline == 150.0
        clock.now = 140.0
        assert not w.lost
    assert receiver.calls[-1] == ("delete", ["handle"])


def test_visibility_timeouts_that_cannot_hold_a_message_are_refused() -> None:
    assert default_margin(30) == 3.0 and default_margin(3600) == 30.0
    check_holdable(3, 1)
    for timeout, margin in ((0, 1), (3, 1.5), (30, 0)):
        with pytest.raises(InvalidConfigurationError):
            check_holdable(timeout, margin)


def test_every_lease_request_names_the_key_the_length_and_this_holders_owner_and_token() -> None:
    lock, clock = FakeLock(), Clock()
    with held(lock, clock, seconds=30) as lease:
        assert lease.beat() is True
    mine = {"owner": lease.owner}
    assert lock.requests == [
        ("acquire", "job", {"lease_seconds": 30, **mine}),
        ("renew", "job", {"lease_seconds": 30, **mine}),
        ("complete", "job", {**mine, "token": 2}),
    ]
    lock = FakeLock()
    with pytest.raises(RuntimeError), held(lock, clock, seconds=45) as failed:
        raise RuntimeError("work failed")
    assert lock.requests[-1] == ("release", "job", {"owner": failed.owner, "token": 1})


def test_a_release_that_fails_never_hides_the_blocks_own_error() -> None:
    lock, clock = FakeLock(), Clock()
    lock.release_error = ConnectionError("silent")
    with pytest.raises(RuntimeError, match="work failed"), held(lock, clock):
        raise RuntimeError("work failed")
    assert lock.calls[-1] == ("release", 1)


def test_a_refused_renewal_loses_the_lease_and_names_it_in_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock, clock = FakeLock(), Clock()
    with caplog.at_level(logging.WARNING, logger="stereo_spot_shared.heartbeat"):
        with held(lock, clock) as lease:
            lock.renewals_answer = False  # another owner has it
            assert lease.beat() is False and lease.lost
            assert lease.beat() is False
        assert not lease.completed and lease.completed is False
    assert [name for name, _ in lock.calls] == ["acquire", "renew"], "a lost lease is not settled"
    (record,) = [r for r in caplog.records if r.name == "stereo_spot_shared.heartbeat"]
    assert record.getMessage() == (
        f"lease-renewal:'job' (table_name='locks', lease_key='job', owner={lease.owner!r}): "
        "the claim is lost (another worker may have it); stop the work"
    )
    assert (record.table_name, record.lease_key, record.owner) == ("locks", "job", lease.owner)  # type: ignore[attr-defined]


def test_by_default_a_held_lease_renews_in_the_background() -> None:
    lock = FakeLock(timing=LeaseTiming(0.1, 0))
    renewed = threading.Event()
    renew = lock.renew_token

    def counted(key: str, /, *, lease_seconds: int = 60, owner: str | None = None) -> int | None:
        token = renew(key, lease_seconds=lease_seconds, owner=owner)
        renewed.set()
        return token

    lock.renew_token = counted  # type: ignore[method-assign]
    with HeldLease(lock, "job", lease_seconds=1, owner="me") as lease:  # renews every 1/3 s
        assert renewed.wait(timeout=10)
        assert lease.token == 2
    assert lease.completed


def test_lease_lengths_and_timings_that_are_not_numbers_say_so() -> None:
    with pytest.raises(ArgumentTypeError) as wrong:
        check_lease_seconds(1.5)
    assert str(wrong.value) == "lease_seconds must be an int, got float"
    for value, kind in (("1", "str"), (True, "bool")):
        with pytest.raises(ArgumentTypeError) as raised:
            LeaseTiming(value, 0)  # type: ignore[arg-type]
        assert str(raised.value) == f"margin_seconds must be a number, got {kind}"
    with pytest.raises(InvalidArgumentError) as infinite:
        LeaseTiming(1, float("inf"))
    assert str(infinite.value) == "tolerated_skew_seconds must be a finite number >= 0, got inf"
    with pytest.raises(InvalidArgumentError) as zero:
        LeaseTiming(0, 0)
    assert str(zero.value) == "margin_seconds must be above 0, got 0"


def test_a_fence_source_gives_the_fence_a_write_checks() -> None:
    fence = FakeLock().fence("job", owner="me", token=3)
    with fencing(fence) as given:
        assert given is fence
    with fencing(None) as nothing:
        assert nothing is None, "an unfenced write"
    lock, clock = FakeLock(), Clock()
    with held(lock, clock) as lease, fencing(lease) as from_lease:
        assert from_lease is not None and (from_lease.token, from_lease.owner) == (1, lease.owner)


def test_a_held_lease_says_what_state_it_is_in() -> None:
    lock, clock = FakeLock(), Clock()
    lease = held(lock, clock)
    assert repr(lease) == "HeldLease('job', not acquired, token=None)"
    with lease:
        assert repr(lease) == "HeldLease('job', held, token=1)"
        clock.now = 129.0  # the deadline less the margin
        assert repr(lease) == "HeldLease('job', lost, token=1)"
