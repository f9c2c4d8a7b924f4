"""Infeasible variants: each breaks its kind of fact, shown on the data alone (no solver run).

For every kind the independent reason is asserted directly on the changed problem, and the same
check is shown *not* to hold on the feasible school it came from, so the change is the cause.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from scheduler.domain.index import ProblemIndex
from scheduler.domain.problem import Problem
from scheduler.generate import GeneratedSchool, build_school, shape_presets
from scheduler.generate.infeasible import Cause, infeasible_kinds, make_infeasible

SHAPES = ("ms-loose", "ms-tight", "interventions-30pct", "dense-avoid")
STUDENTS = 200


@cache
def school(shape: str) -> GeneratedSchool:
    return build_school(STUDENTS, 3, shape=shape_presets()[shape])


# ---- the facts, on the data -------------------------------------------------------------------------
def seats_short(problem: Problem, cause: Cause) -> bool:
    """Fewer seats in the spaces open in the block than students present (rules 1 and 6)."""
    index = ProblemIndex(problem)
    block = cause["block"]
    open_seats = sum(
        s.capacity for s in problem.spaces if block not in s.unavailable and s.id not in index.reserved_spaces[block]
    )
    students = sum(1 for s in problem.students if block not in s.unavailable)
    return open_seats < students


def need_unmeetable(problem: Problem, cause: Cause) -> bool:
    """The student needs more sessions than the intervention has blocks with its staff free (rules 3, 5, 7)."""
    index = ProblemIndex(problem)
    student = index.students[cause["student"]]
    (need,) = [n for n in student.needs if n.offering == cause["offering"]]
    offering = index.offerings[need.offering]
    blocks = [b for b in index.run_blocks(offering) if b not in student.unavailable]
    return len(blocks) < need.sessions


def staff_over_limit(problem: Problem, cause: Cause) -> bool:
    """An offering led by one teacher must run more often than that teacher may lead (rules 5, 7)."""
    index = ProblemIndex(problem)
    offering = index.offerings[cause["offering"]]
    (teacher,) = offering.staff
    limit = index.staff[teacher].max_sessions
    return limit is not None and offering.runs.min > limit


def resource_overbooked(problem: Problem, cause: Cause) -> bool:
    """Reserved units plus a locked student's session use exceed the quantity in the block (rules 8, 10)."""
    index = ProblemIndex(problem)
    block, resource = cause["block"], cause["resource"]
    reserved = index.reserved_units.get((block, resource), 0)
    locked = [lock for lock in problem.locks if lock.block == block]
    least_use = max(
        (index.resource_use(index.offerings[lock.offering], 1).get(resource, 0) for lock in locked), default=0
    )
    return reserved + least_use > index.resources[resource].quantity


def locks_overfill(problem: Problem, cause: Cause) -> bool:
    """More students locked into one session than its capacity or any space it may use seats (rules 6, 10)."""
    index = ProblemIndex(problem)
    offering, block = index.offerings[cause["offering"]], cause["block"]
    locked = sum(1 for lock in problem.locks if (lock.offering, lock.block) == (offering.id, block))
    spaces = index.spaces_for(offering, block)
    seats = min(offering.capacity, max((s.capacity for s in spaces), default=0))
    return locked > seats


FACTS: dict[str, Callable[[Problem, Cause], bool]] = {
    "seats": seats_short,
    "needs": need_unmeetable,
    "staff": staff_over_limit,
    "resources": resource_overbooked,
    "locks": locks_overfill,
}


# ---- tests ------------------------------------------------------------------------------------------
def test_every_kind_has_a_fact() -> None:
    assert set(infeasible_kinds()) == set(FACTS) == {"seats", "needs", "staff", "resources", "locks"}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", infeasible_kinds())
def test_variant_breaks_its_fact(kind: str, shape: str) -> None:
    feasible = school(shape)
    broken = make_infeasible(feasible, kind)
    assert broken.cause["kind"] == kind
    assert broken.problem.school.id == f"{feasible.problem.school.id}-no-{kind}"
    assert FACTS[kind](broken.problem, broken.cause), broken.cause
    assert not FACTS[kind](feasible.problem, broken.cause)  # the change is the cause


def test_seats_cause_reports_the_figures() -> None:
    broken = make_infeasible(school("ms-tight"), "seats")
    index = ProblemIndex(broken.problem)
    block = broken.cause["block"]
    assert broken.cause["students"] == sum(1 for s in broken.problem.students if block not in s.unavailable)
    closed = [s for s in broken.problem.spaces if s.id in broken.cause["closed"]]
    assert closed and all(block in s.unavailable for s in closed)
    assert all("small-group" not in s.features for s in closed)
    assert broken.cause["seats"] == sum(
        s.capacity
        for s in broken.problem.spaces
        if block not in s.unavailable and s.id not in index.reserved_spaces[block]
    )


def test_locked_students_have_no_other_reason_to_fail() -> None:
    """Only the seats are short: no needs, no other lock or request, nobody avoiding another."""
    broken = make_infeasible(school("dense-avoid"), "locks")
    index = ProblemIndex(broken.problem)
    locked = [
        lock.student
        for lock in broken.problem.locks
        if (lock.offering, lock.block) == (broken.cause["offering"], broken.cause["block"])
    ]
    assert len(locked) == broken.cause["locked"]
    assert not any(index.students[s].needs or len(index.locks[s]) > 1 for s in locked)
    assert not any(frozenset((a, b)) in index.avoid_pairs for a in locked for b in locked)
    assert not {r.student for r in broken.problem.requests} & set(locked)


def test_variants_are_deterministic_and_leave_the_school_alone() -> None:
    feasible = school("ms-tight")
    before = feasible.data["locks"][:]
    first, again = make_infeasible(feasible, "locks"), make_infeasible(feasible, "locks")
    assert first.data == again.data and first.cause == again.cause
    assert feasible.data["locks"] == before


def test_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(ValueError, match="valid kinds: seats, needs, staff, resources, locks"):
        make_infeasible(school("ms-loose"), "weather")
