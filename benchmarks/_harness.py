"""Shared benchmark machinery: interleaved repetitions, statistics, the Markdown table."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata

FAKE_AWS_ENV: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""Credentials and region that keep every client local and every lookup offline."""

_ENV_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_S3",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
)


def use_fake_aws_env() -> None:
    """Point this process (and the subprocesses it starts) at fake credentials."""
    for name in _ENV_TO_CLEAR:
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS_ENV)


def subprocess_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with fake credentials, for child processes."""
    env = {k: v for k, v in os.environ.items() if k not in _ENV_TO_CLEAR}
    env.update(FAKE_AWS_ENV)
    if extra:
        env.update(extra)
    return env


@dataclass(frozen=True)
class Stat:
    """Repeated measurements of one quantity; summarised by median and min-max."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        if not values:
            raise ValueError("a Stat needs at least one measurement")
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def render(self, unit: str, digits: int) -> str:
        median = f"{self.median:,.{digits}f}"
        if len(self.values) == 1:
            return f"{median} {unit} (n=1)"
        low, high = min(self.values), max(self.values)
        return f"{median} {unit} [{low:,.{digits}f}-{high:,.{digits}f}] (n={len(self.values)})"


@dataclass(frozen=True)
class Comparison:
    """One line of the table: ours against one baseline, with the target verdict.

    ``ratio`` is ours / baseline in ``unit``; ``met`` is ``None`` for rows that
    are reported as context only.
    """

    row: int
    case: str
    ours: Stat
    baseline_name: str
    baseline: Stat
    unit: str
    target: str
    met: bool | None
    digits: int = 1
    note: str = ""

    @property
    def ratio(self) -> float:
        return paired_ratio(self.ours, self.baseline)


def paired_ratio(ours: Stat, baseline: Stat) -> float:
    """Median of the per-round ratios when both were measured in the same rounds.

    Interleaved rounds measure ours and the baseline back to back, so a round's
    ratio cancels whatever slowed the machine down during that round; the
    median of those ratios is steadier than the ratio of two medians on a
    shared machine. Unpaired measurements fall back to the ratio of medians.
    """
    if len(ours.values) == len(baseline.values) > 1:
        return statistics.median(o / b for o, b in zip(ours.values, baseline.values, strict=True))
    return ours.median / baseline.median


def at_most(
    row: int,
    case: str,
    ours: Stat,
    name: str,
    baseline: Stat,
    unit: str,
    limit: float,
    *,
    digits: int = 1,
    note: str = "",
    label: str | None = None,
) -> Comparison:
    """A comparison whose target is ``ours / baseline <= limit`` (lower is better)."""
    ratio = paired_ratio(ours, baseline)
    return Comparison(
        row,
        case,
        ours,
        name,
        baseline,
        unit,
        label or f"≤ {limit:g}x",
        ratio <= limit,
        digits,
        note,
    )


def at_least(
    row: int,
    case: str,
    ours: Stat,
    name: str,
    baseline: Stat,
    unit: str,
    limit: float,
    *,
    digits: int = 1,
    note: str = "",
) -> Comparison:
    """A comparison whose target is ``ours / baseline >= limit`` (higher is better)."""
    ratio = paired_ratio(ours, baseline)
    return Comparison(
        row, case, ours, name, baseline, unit, f"≥ {limit:g}x", ratio >= limit, digits, note
    )


def interleaved(variants: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, Stat]:
    """Run every variant once per round, alternating the order, and collect the results.

    Interleaving spreads slow drift (thermal, other load, caches) over all
    variants instead of charging it to whichever ran last.
    """
    names = list(variants)
    results: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        order = names if round_index % 2 == 0 else names[::-1]
        for name in order:
            results[name].append(variants[name]())
    return {name: Stat.of(values) for name, values in results.items()}


def machine_description() -> list[str]:
    """CPU model, cores, Python and boto versions, and today's date."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "unknown"
    return [
        f"- Load average (1, 5, 15 min) when the table was written: {load}",
        f"- CPU: {cpu}, {os.cpu_count()} cores ({platform.machine()}, {platform.system()})",
        f"- Python {platform.python_version()} ({sys.implementation.name}); "
        f"boto3 {metadata.version('boto3')}, botocore {metadata.version('botocore')}, "
        f"s3transfer {metadata.version('s3transfer')}, pydantic {metadata.version('pydantic')}, "
        f"moto {metadata.version('moto')}",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
    ]


def _verdict(met: bool | None) -> str:
    if met is None:
        return "context"
    return "met" if met else "**MISSED**"


def render_table(comparisons: Sequence[Comparison]) -> str:
    header = (
        "| # | Case | Ours | Baseline | Baseline result | Ratio (ours / baseline) "
        "| Target | Result |\n|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for c in comparisons:
        lines.append(
            f"| {c.row} | {c.case} | {c.ours.render(c.unit, c.digits)} | {c.baseline_name} "
            f"| {c.baseline.render(c.unit, c.digits)} | {c.ratio:.3f}x | {c.target} "
            f"| {_verdict(c.met)} |"
        )
    return header + "\n".join(lines) + "\n"


def render_document(
    comparisons: Sequence[Comparison], *, quick: bool, command: str, notes: Sequence[str]
) -> str:
    mode = "quick (tiny sizes, a smoke test: do not read the numbers)" if quick else "full"
    parts = [
        "# Benchmarks",
        "",
        f"Numbers from one `{command}` run ({mode}) on this machine; "
        "each row measured ours and its baseline interleaved in that run.",
        "",
        *machine_description(),
        "",
        "Cells show the median, the [min-max] over repetitions and their count. "
        "The ratio is ours / baseline: the median of the per-round ratios where both were "
        "measured in the same rounds (back to back, so a slow moment of the machine cancels "
        "out), else the ratio of the medians. The target says which way is better. "
        "Targets were set before measuring, and baselines are used as boto3 documents them.",
        "",
        render_table(comparisons),
    ]
    for note in notes:
        parts += [note, ""]
    return "\n".join(parts).rstrip() + "\n"


@dataclass(frozen=True)
class Sizes:
    """How much work each row does; ``FULL`` for the record, ``QUICK`` for the smoke test."""

    marshal_iterations: int
    marshal_rounds: int
    client_iterations: int
    client_rounds: int
    query_page_items: int
    pagination_segments: int
    pagination_rounds: int
    transfer_sizes_mib: tuple[int, ...]
    transfer_repeats: tuple[int, ...]
    """Repetitions per transfer size, in the order of ``transfer_sizes_mib``."""
    cold_starts: int
    consumer_rounds: int
    worker_messages: int
    worker_rounds: int


FULL = Sizes(
    marshal_iterations=5_000,
    marshal_rounds=21,
    client_iterations=500,
    client_rounds=15,
    query_page_items=25,
    pagination_segments=10_000,
    pagination_rounds=5,
    transfer_sizes_mib=(256, 1024),
    transfer_repeats=(5, 1),
    cold_starts=15,
    consumer_rounds=7,
    worker_messages=500,
    worker_rounds=15,
)
QUICK = Sizes(
    marshal_iterations=500,
    marshal_rounds=3,
    client_iterations=20,
    client_rounds=3,
    query_page_items=25,
    pagination_segments=200,
    pagination_rounds=3,
    transfer_sizes_mib=(1,),
    transfer_repeats=(1,),
    cold_starts=3,
    consumer_rounds=2,
    worker_messages=20,
    worker_rounds=3,
)


@dataclass(frozen=True)
class RowResult:
    comparisons: list[Comparison]
    notes: list[str]


def _function_label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":  # a built-in
        return name
    parts = filename.replace("\\", "/").split("/")
    for anchor in ("site-packages", "src", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    return f"{'/'.join(parts[-3:])}:{line} `{name}`"


def _self_times(call: Callable[[], object], calls: int) -> dict[str, float]:
    """Self CPU time per call (µs) of every function ``call`` runs, under cProfile."""
    import cProfile
    import pstats
    import time

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(calls):
        call()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return {_function_label(key): values[2] / calls * 1e6 for key, values in stats.items()}


def profile_note(
    title: str,
    ours: Callable[[], object],
    baseline: Callable[[], object],
    calls: int,
    *,
    top: int = 8,
) -> str:
    """Where ours spends more than the baseline: the functions with the largest extra self time.

    Both run ``calls`` times under cProfile (CPU clock); profiling inflates every
    number, so read the shares, not the absolute values.
    """
    mine = _self_times(ours, calls)
    theirs = _self_times(baseline, calls)
    total_mine, total_theirs = sum(mine.values()), sum(theirs.values())
    extra = sorted(
        ((name, mine.get(name, 0.0), theirs.get(name, 0.0)) for name in {*mine, *theirs}),
        key=lambda entry: entry[2] - entry[1],
    )[:top]
    lines = [
        f"{title} (cProfile, {calls:,} calls each; ours {total_mine:,.1f} µs per call under "
        f"the profiler, baseline {total_theirs:,.1f} µs, {total_mine - total_theirs:+,.1f} µs):",
        "",
        "| Function (self time) | Ours µs/call | Baseline µs/call | Extra |",
        "|---|---|---|---|",
        *(f"| {name} | {o:,.2f} | {b:,.2f} | {o - b:+,.2f} |" for name, o, b in extra if o - b > 0),
    ]
    return "\n".join(lines)
