"""Seeded schedules on the in-memory backend with a fake clock (``simulation.Simulation``).

Hundreds of schedules in a few seconds: pauses longer than the lease followed
by a zombie write, crashes mid-hold, an endpoint silent for three leases, and
wall clocks skewed inside and outside the tolerance. ``FAULTS_SCHEDULES=N``
runs N of them.
"""

from __future__ import annotations

import logging

import pytest

from tests.faults.conftest import schedules
from tests.faults.history import check
from tests.faults.simulation import FAULTS, Simulation


@pytest.mark.parametrize("fault", FAULTS)
def test_seeded_schedules_keep_one_holder_and_refuse_stale_writes(
    fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Silent-endpoint schedules log a renewal warning per failed beat: quiet here only.
    monkeypatch.setattr(logging.getLogger("stereo_spot_shared.heartbeat"), "disabled", True)
    runs = max(1, schedules() // len(FAULTS))
    refused = accepted = 0
    for seed in range(runs):
        simulation = Simulation(seed, fault)
        problems = check(simulation.run(), skew_tolerated=simulation.skew_tolerated)
        assert problems == [], f"FAULTS seed {seed} ({fault}):\n" + "\n".join(problems)
        refused += simulation.writes_refused
        accepted += simulation.writes_accepted
    assert accepted > 0, "the schedules did some work"
    if fault in ("pause", "skew_outside"):
        assert refused > 0, "zombie writes happened and were refused"
