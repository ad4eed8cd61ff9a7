"""A table's ``[lifecycle]``: the status enum, its allowed moves, the in-progress marker.

Three kinds of move: ``transitions`` (forward; a status with none is final, and each
source may also move to the failure status), ``retries`` (back to an earlier status)
and ``removals`` (out of a final status into a tombstone: a final status that only
removals reach, e.g. ``completed = ["deleted"]``).
"""

from __future__ import annotations

from typing import TypedDict, cast

from pydantic import BaseModel

from ..schema import Problem
from ..schema import sections as s
from . import types as m
from .build_attributes import AttributeLookup
from .pytypes import enum_values


class LifecycleFields(TypedDict, total=False):
    """``[tables.<name>.lifecycle]``'s values from stage 1: each key present is valid."""

    attribute: str
    failure_status: str
    in_progress_attribute: str


def build_lifecycle(
    section: s.Lifecycle,
    model_cls: type[BaseModel] | None,
    attribute: AttributeLookup,
    problems: list[Problem],
) -> m.LifecycleSpec | None:
    path, data = section.fields.path, cast(LifecycleFields, section.fields.values)
    before = len(problems)
    if "attribute" not in data or "failure_status" not in data:
        return None  # a missing key: reported by stage 1
    if model_cls is None:
        problems.append(Problem(path, "a lifecycle needs the table to name a model"))
        return None
    status = attribute(data["attribute"], f"{path}.attribute", ("S",))
    if status is None:
        return None
    if status.python_kind != "enum" or status.optional:
        problems.append(
            Problem(
                f"{path}.attribute", f"{status.name!r} must be a required enum field of the model"
            )
        )
        return None
    statuses = _Statuses(status, enum_values(model_cls, status.name), problems)
    failure = data["failure_status"]
    statuses.known(failure, f"{path}.failure_status")
    moves = _moves(section, failure, statuses, problems)
    retries = _retries(section.moves["retries"], failure, moves, statuses, problems)
    removals = _removals(section.moves["removals"], failure, moves, statuses, problems)
    marker = None
    if "in_progress_attribute" in data:
        marker = attribute(data["in_progress_attribute"], f"{path}.in_progress_attribute", ("S",))
    if len(problems) > before:
        return None
    order = {value: i for i, value in enumerate(statuses.values)}
    return m.LifecycleSpec(
        attribute=status,
        statuses=statuses.values,
        transitions=tuple(sorted(set(moves), key=lambda move: (order[move[0]], order[move[1]]))),
        failure_status=failure,
        in_progress_attribute=marker,
        schema_path=path,
        retries=tuple(sorted(retries, key=lambda move: (order[move[0]], order[move[1]]))),
        removals=tuple(sorted(removals, key=lambda move: (order[move[0]], order[move[1]]))),
    )


class _Statuses:
    """The status enum's values; a value outside them is reported where it is written."""

    def __init__(
        self, status: m.AttributeSpec, values: tuple[str, ...], problems: list[Problem]
    ) -> None:
        self.status = status
        self.values = values
        self.problems = problems

    def known(self, value: object, where: str) -> bool:
        if value in self.values:
            return True
        self.problems.append(
            Problem(
                where,
                f"{value!r} is not a {self.status.python_type} (one of {', '.join(self.values)})",
            )
        )
        return False


def _moves(
    section: s.Lifecycle, failure: str, statuses: _Statuses, problems: list[Problem]
) -> list[tuple[str, str]]:
    """Every (from, to) the transitions declare, plus a move to the failure status from each source."""
    moves: list[tuple[str, str]] = []
    transitions = section.moves["transitions"]
    problems += transitions.problems
    for transition in transitions.entries:
        source, where = transition.source, transition.path
        statuses.known(source, where)
        problems += transition.problems
        if transition.targets is None:
            continue
        for i, target in enumerate(transition.targets):
            if statuses.known(target, f"{where}[{i}]") and target == source:
                problems.append(Problem(f"{where}[{i}]", "re-setting a status needs no transition"))
            moves.append((source, str(target)))
    if failure in transitions.sources:
        problems.append(
            Problem(
                f"{transitions.path}.{failure}",
                "the failure status is final: no moves from it",
            )
        )
    sources = {source for source, _ in moves}
    for source in statuses.values:
        if source in sources and (source, failure) not in moves:
            moves.append((source, failure))
    return moves


def _retries(
    section: s.Moves,
    failure: str,
    moves: list[tuple[str, str]],
    statuses: _Statuses,
    problems: list[Problem],
) -> list[tuple[str, str]]:
    """Every (from, to) the retries declare: each goes back to a status the source is reached from."""
    retries: list[tuple[str, str]] = []
    problems += section.problems
    for retry in section.entries:
        source, where, targets = retry.source, retry.path, retry.targets
        known_source = statuses.known(source, where)
        if source == failure:
            problems.append(Problem(where, "the failure status is final: no moves from it"))
        elif known_source and source not in {src for src, _ in moves}:
            problems.append(Problem(where, f"{source!r} is final: no moves from it, not even back"))
        problems += retry.problems
        if targets is None:
            continue
        for i, target in enumerate(targets):
            if not statuses.known(target, f"{where}[{i}]") or not known_source:
                continue
            if target == source:
                problems.append(Problem(f"{where}[{i}]", "re-setting a status needs no retry"))
            elif (source, target) in moves:
                problems.append(Problem(f"{where}[{i}]", "already a transition"))
            elif source not in _reached_from(str(target), moves):  # a known status: a str
                problems.append(
                    Problem(
                        f"{where}[{i}]",
                        f"a retry moves back: {source!r} is not reached from {target!r} "
                        "through the transitions",
                    )
                )
            else:
                retries.append((source, str(target)))
    return retries


def _removals(
    section: s.Moves,
    failure: str,
    moves: list[tuple[str, str]],
    statuses: _Statuses,
    problems: list[Problem],
) -> list[tuple[str, str]]:
    """Every (from, to) the removals declare: from a final status into a tombstone.

    The tombstone is final, is not the failure status, and no transition reaches
    it, so a move into it never starts or resumes work: it stays out of progress.
    """
    removals: list[tuple[str, str]] = []
    problems += section.problems
    sources = {src for src, _ in moves}
    reached = {target for _, target in moves}
    for removal in section.entries:
        source, where, targets = removal.source, removal.path, removal.targets
        known_source = statuses.known(source, where)
        if known_source and source in sources:
            problems.append(
                Problem(where, f"{source!r} is not final: a removal moves out of a final status")
            )
        problems += removal.problems
        if targets is None:
            continue
        for i, target in enumerate(targets):
            if not statuses.known(target, f"{where}[{i}]") or not known_source:
                continue
            if target == source:
                problems.append(Problem(f"{where}[{i}]", "a removal moves to another status"))
            elif target == failure:
                problems.append(
                    Problem(
                        f"{where}[{i}]",
                        "the failure status is not a tombstone: every status that is "
                        "not final already moves to it",
                    )
                )
            elif target in sources:
                problems.append(
                    Problem(
                        f"{where}[{i}]",
                        f"{target!r} is not final: a removal ends in a final status",
                    )
                )
            elif target in reached:
                problems.append(
                    Problem(
                        f"{where}[{i}]",
                        f"{target!r} is reached through the transitions: a removal's target "
                        "is a tombstone only removals reach",
                    )
                )
            else:
                removals.append((source, str(target)))
    return removals


def _reached_from(start: str, moves: list[tuple[str, str]]) -> set[str]:
    """Every status the transitions lead to from ``start``."""
    reached: set[str] = set()
    frontier = [start]
    while frontier:
        status = frontier.pop()
        for source, target in moves:
            if source == status and target not in reached:
                reached.add(target)
                frontier.append(target)
    return reached
