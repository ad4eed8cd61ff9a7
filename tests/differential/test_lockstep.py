"""The lockstep differential run: memory against moto (and against an endpoint when set).

``make test`` runs it bounded and derandomized (the ``ci`` profile);
``HYPOTHESIS_PROFILE=explore`` runs thousands of fresh steps. See ``machine.py``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.differential import backends
from tests.differential.machine import COUNTS, LockstepMachine

EXPLORING = os.environ.get("HYPOTHESIS_PROFILE") == "explore"
RUNS = settings(
    max_examples=int(os.environ.get("LOCKSTEP_EXAMPLES", 200 if EXPLORING else 6)),
    stateful_step_count=50 if EXPLORING else 25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # LOCKSTEP_NO_SHRINK=1 reports the first failing run as found (each example
    # provisions moto afresh, so shrinking a long run takes minutes).
    phases=[p for p in Phase if not (os.environ.get("LOCKSTEP_NO_SHRINK") and p is Phase.shrink)],
)

TARGETS = ["moto"] + (["endpoint"] if backends.endpoint() else [])


@pytest.mark.parametrize("target", TARGETS)
def test_memory_and_aws_agree_step_by_step(target: str) -> None:
    LockstepMachine.endpoint = backends.endpoint() if target == "endpoint" else None
    LockstepMachine.TestCase.settings = RUNS
    try:
        LockstepMachine.TestCase().runTest()
    finally:
        LockstepMachine.close()
        print(f"lockstep {target}: {COUNTS.steps} steps, allow-listed: {COUNTS.allow_listed}")


def test_a_stale_receipt_handle_takes_the_allow_listed_path() -> None:
    """The machine driven by hand through the one departure moto has for queues."""
    LockstepMachine.endpoint = None
    machine = LockstepMachine()
    try:
        before = COUNTS.allow_listed.get("delete: stale receipt handle", 0)
        machine.send(queue="chunking", kind="str", size=0, attributes=None)
        (first,) = machine.receive(queue="chunking", dead_letters=False, max_messages=1).values
        machine.change_visibility(first, 0)
        (second,) = machine.receive(queue="chunking", dead_letters=False, max_messages=1).values
        assert first.stale and not second.stale
        machine.delete(first)  # memory: accepted, deletes nothing; moto is not asked
        machine.stored_state_is_the_same()
        assert COUNTS.allow_listed["delete: stale receipt handle"] == before + 1
        machine.delete(second)
        machine.stored_state_is_the_same()
    finally:
        machine.teardown()
        LockstepMachine.close()
