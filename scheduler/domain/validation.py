"""Cross-record checks a scheduler wants at load time, reported all at once with their paths.

The schema (types, ranges, unknown keys) is enforced by the pydantic models; this module checks what
needs the whole problem: ids that must exist and be unique, dates inside the week, references of the
right kind. Whether the data *can* be scheduled is a different question, answered by the solver's
explanations (``scheduler.solver.explain``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from scheduler.domain.errors import InputIssue
from scheduler.domain.problem import Offering, Problem


class _Checker:
    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.issues: list[InputIssue] = []
        self.blocks = {b.id for b in problem.blocks}
        self.spaces = {s.id for s in problem.spaces}
        self.resources = {r.id: r for r in problem.resources}
        self.staff = {s.id for s in problem.staff}
        self.offerings = {o.id: o for o in problem.offerings}
        self.students = {s.id: s for s in problem.students}

    def add(self, path: str, message: str) -> None:
        self.issues.append(InputIssue(path, message))

    def unique(self, kind: str, ids: Sequence[str]) -> None:
        first: dict[str, int] = {}
        for index, item in enumerate(ids):
            if item in first:
                self.add(f"{kind}[{index}].id", f"duplicate id {item!r} (also {kind}[{first[item]}])")
            else:
                first[item] = index

    def known(self, path: str, value: str | None, known: Iterable[str], what: str) -> bool:
        if value is None or value in known:
            return True
        self.add(path, f"unknown {what} {value!r}")
        return False

    def known_all(self, path: str, values: Sequence[str], known: Iterable[str], what: str) -> None:
        known_set = set(known)
        for index, value in enumerate(values):
            self.known(f"{path}[{index}]", value, known_set, what)

    def repeated(self, path: str, values: Sequence[str], what: str) -> None:
        seen: set[str] = set()
        for index, value in enumerate(values):
            if value in seen:
                self.add(f"{path}[{index}]", f"{what} {value!r} is listed twice")
            seen.add(value)


def _week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def _check_blocks(c: _Checker) -> None:
    blocks = c.p.blocks
    c.unique("blocks", [b.id for b in blocks])
    first_day = min(b.date for b in blocks)
    week_start, week_end = _week_of(first_day)
    for i, b in enumerate(blocks):
        if b.end <= b.start:
            c.add(f"blocks[{i}].end", f"end {b.end:%H:%M} is not after start {b.start:%H:%M}")
        if not week_start <= b.date <= week_end:
            c.add(
                f"blocks[{i}].date",
                f"date {b.date.isoformat()} is outside the week of the horizon "
                f"({week_start.isoformat()} to {week_end.isoformat()})",
            )
    for i, a in enumerate(blocks):
        for j in range(i + 1, len(blocks)):
            b = blocks[j]
            if a.date == b.date and a.start < b.end and b.start < a.end and a.end > a.start:
                c.add(f"blocks[{j}]", f"block {b.id!r} overlaps block {a.id!r} on {b.date.isoformat()}")


def _check_resources_spaces_staff(c: _Checker) -> None:
    c.unique("spaces", [s.id for s in c.p.spaces])
    c.unique("resources", [r.id for r in c.p.resources])
    c.unique("staff", [s.id for s in c.p.staff])
    for i, s in enumerate(c.p.spaces):
        c.known_all(f"spaces[{i}].unavailable", s.unavailable, c.blocks, "block")
    for i, s in enumerate(c.p.staff):
        c.known_all(f"staff[{i}].unavailable", s.unavailable, c.blocks, "block")


def _check_offering(c: _Checker, i: int, o: Offering) -> None:
    path = f"offerings[{i}]"
    c.known_all(f"{path}.staff", o.staff, c.staff, "staff member")
    c.repeated(f"{path}.staff", o.staff, "staff member")
    if o.allowed_blocks is not None:
        c.known_all(f"{path}.allowed_blocks", o.allowed_blocks, c.blocks, "block")
    c.known(f"{path}.space", o.space, c.spaces, "space")
    for j, use in enumerate(o.resources):
        c.known(f"{path}.resources[{j}].resource", use.resource, c.resources, "resource")
    if o.runs.max is not None and o.runs.min > o.runs.max:
        c.add(f"{path}.runs", f"runs.min {o.runs.min} is above runs.max {o.runs.max}")
    if o.min_students > o.capacity:
        c.add(f"{path}.min_students", f"min_students {o.min_students} is above capacity {o.capacity}")


def _check_students(c: _Checker) -> None:
    c.unique("students", [s.id for s in c.p.students])
    max_choices = c.p.policy.max_choices
    for i, s in enumerate(c.p.students):
        path = f"students[{i}]"
        if len(s.choices) > max_choices:
            c.add(f"{path}.choices", f"{len(s.choices)} choices, more than the school's maximum of {max_choices}")
        c.repeated(f"{path}.choices", s.choices, "choice")
        for j, choice in enumerate(s.choices):
            offering = c.offerings.get(choice)
            if offering is None:
                c.add(f"{path}.choices[{j}]", f"unknown offering {choice!r}")
            elif offering.kind != "choice":
                c.add(f"{path}.choices[{j}]", f"offering {choice!r} is a {offering.kind} offering, not a choice")
            elif not offering.open_to(s.grade):
                c.add(f"{path}.choices[{j}]", f"offering {choice!r} is not open to grade {s.grade}")
        c.repeated(f"{path}.needs", [n.offering for n in s.needs], "need offering")
        for j, need in enumerate(s.needs):
            offering = c.offerings.get(need.offering)
            if offering is None:
                c.add(f"{path}.needs[{j}].offering", f"unknown offering {need.offering!r}")
            elif offering.kind != "intervention":
                c.add(
                    f"{path}.needs[{j}].offering",
                    f"offering {need.offering!r} is a {offering.kind} offering; needs name interventions",
                )
            elif not offering.open_to(s.grade):
                c.add(f"{path}.needs[{j}].offering", f"offering {need.offering!r} is not open to grade {s.grade}")
        c.known_all(f"{path}.unavailable", s.unavailable, c.blocks, "block")
        c.known_all(f"{path}.avoid", s.avoid, c.students, "student")
        if s.id in s.avoid:
            c.add(f"{path}.avoid", f"student {s.id!r} cannot avoid themself")


def _check_reservations(c: _Checker) -> None:
    c.unique("reservations", [r.id for r in c.p.reservations])
    for i, r in enumerate(c.p.reservations):
        path = f"reservations[{i}]"
        c.known(f"{path}.staff", r.staff, c.staff, "staff member")
        c.known(f"{path}.block", r.block, c.blocks, "block")
        c.known(f"{path}.space", r.space, c.spaces, "space")
        for resource_id, quantity in r.resources.items():
            resource = c.resources.get(resource_id)
            if resource is None:
                c.add(f"{path}.resources.{resource_id}", f"unknown resource {resource_id!r}")
            elif quantity > resource.quantity:
                c.add(
                    f"{path}.resources.{resource_id}",
                    f"{quantity} reserved but the school has only {resource.quantity}",
                )


def _check_requests(c: _Checker) -> None:
    c.unique("requests", [r.id for r in c.p.requests])
    for i, r in enumerate(c.p.requests):
        path = f"requests[{i}]"
        c.known(f"{path}.staff", r.staff, c.staff, "staff member")
        student = c.students.get(r.student)
        c.known(f"{path}.student", r.student, c.students, "student")
        offering = c.offerings.get(r.offering)
        if offering is None:
            c.add(f"{path}.offering", f"unknown offering {r.offering!r}")
            continue
        if r.staff not in offering.staff:
            c.add(f"{path}.offering", f"offering {r.offering!r} is not led by {r.staff!r}")
        if offering.kind == "fallback":
            c.add(f"{path}.offering", f"offering {r.offering!r} is a fallback; requests name a teacher's session")
        if student is not None and not offering.open_to(student.grade):
            c.add(f"{path}.offering", f"offering {r.offering!r} is not open to grade {student.grade}")


def _check_placements(c: _Checker, kind: str) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, lock in enumerate(getattr(c.p, kind)):
        path = f"{kind}[{i}]"
        student = c.students.get(lock.student)
        offering = c.offerings.get(lock.offering)
        ok = c.known(f"{path}.student", lock.student, c.students, "student")
        ok &= c.known(f"{path}.block", lock.block, c.blocks, "block")
        ok &= c.known(f"{path}.offering", lock.offering, c.offerings, "offering")
        if not ok or kind != "locks":
            continue
        assert student is not None and offering is not None
        key = (lock.student, lock.block)
        if key in seen:
            c.add(path, f"student {lock.student!r} is locked twice in block {lock.block!r} (also locks[{seen[key]}])")
        seen[key] = i
        if offering.allowed_blocks is not None and lock.block not in offering.allowed_blocks:
            c.add(f"{path}.block", f"offering {lock.offering!r} cannot run in block {lock.block!r}")
        if lock.block in student.unavailable:
            c.add(f"{path}.block", f"student {lock.student!r} is unavailable in block {lock.block!r}")
        if not offering.open_to(student.grade):
            c.add(f"{path}.offering", f"offering {lock.offering!r} is not open to grade {student.grade}")


def find_problem_issues(problem: Problem) -> list[InputIssue]:
    """Every cross-record problem in ``problem``; empty when it can be handed to the solver."""
    c = _Checker(problem)
    _check_blocks(c)
    _check_resources_spaces_staff(c)
    c.unique("offerings", [o.id for o in problem.offerings])
    for i, o in enumerate(problem.offerings):
        _check_offering(c, i, o)
    _check_students(c)
    _check_reservations(c)
    _check_requests(c)
    _check_placements(c, "locks")
    _check_placements(c, "previous")
    return c.issues
