"""A table's ``[lifecycle]``: the status enum, its allowed moves, the in-progress marker."""

from __future__ import annotations

from typing import TypedDict

from pydantic import BaseModel

from ..schema import Problem, check_value, spec
from . import types as m
from .build_attributes import AttributeLookup
from .pytypes import enum_values


class LifecycleFields(TypedDict, total=False):
    """``[tables.<name>.lifecycle]`` after ``check_fields``: each key present is valid."""

    attribute: str
    failure_status: str
    in_progress_attribute: str
    transitions: object  # a section: its shape is checked here
    retries: object  # a section: its shape is checked here


def build_lifecycle(
    data: LifecycleFields,
    path: str,
    model_cls: type[BaseModel] | None,
    attribute: AttributeLookup,
    problems: list[Problem],
) -> m.LifecycleSpec | None:
    before = len(problems)
    if "attribute" not in data or "failure_status" not in data:
        return None  # reported by check_fields
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
    moves = _moves(data.get("transitions", {}), failure, statuses, f"{path}.transitions", problems)
    retries = _retries(
        data.get("retries", {}), failure, moves, statuses, f"{path}.retries", problems
    )
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
    raw: object, failure: str, statuses: _Statuses, path: str, problems: list[Problem]
) -> list[tuple[str, str]]:
    """Every (from, to) the transitions declare, plus a move to the failure status from each source."""
    moves: list[tuple[str, str]] = []
    if not isinstance(raw, dict):
        problems.append(Problem(path, "expected a table of status = [statuses]"))
        raw = {}
    for source, targets in raw.items():
        where = f"{path}.{source}"
        statuses.known(source, where)
        check_value(targets, spec.Field("string_list", ""), where, problems)
        if not isinstance(targets, list):
            continue
        for i, target in enumerate(targets):
            if statuses.known(target, f"{where}[{i}]") and target == source:
                problems.append(Problem(f"{where}[{i}]", "re-setting a status needs no transition"))
            moves.append((source, str(target)))
    if failure in raw:
        problems.append(
            Problem(f"{path}.{failure}", "the failure status is final: no moves from it")
        )
    sources = {source for source, _ in moves}
    for source in statuses.values:
        if source in sources and (source, failure) not in moves:
            moves.append((source, failure))
    return moves


def _retries(
    raw: object,
    failure: str,
    moves: list[tuple[str, str]],
    statuses: _Statuses,
    path: str,
    problems: list[Problem],
) -> list[tuple[str, str]]:
    """Every (from, to) the retries declare: each goes back to a status the source is reached from."""
    retries: list[tuple[str, str]] = []
    if not isinstance(raw, dict):
        problems.append(Problem(path, "expected a table of status = [earlier statuses]"))
        return retries
    for source, targets in raw.items():
        where = f"{path}.{source}"
        known_source = statuses.known(source, where)
        if source == failure:
            problems.append(Problem(where, "the failure status is final: no moves from it"))
        elif known_source and source not in {s for s, _ in moves}:
            problems.append(Problem(where, f"{source!r} is final: no moves from it, not even back"))
        check_value(targets, spec.Field("string_list", ""), where, problems)
        if not isinstance(targets, list):
            continue
        for i, target in enumerate(targets):
            if not statuses.known(target, f"{where}[{i}]") or not known_source:
                continue
            if target == source:
                problems.append(Problem(f"{where}[{i}]", "re-setting a status needs no retry"))
            elif (source, target) in moves:
                problems.append(Problem(f"{where}[{i}]", "already a transition"))
            elif source not in _reached_from(target, moves):
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
