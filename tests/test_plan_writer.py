"""The plan writer on a tiny hand-made school: reasons, rosters, resources, ordering, cost and gap."""

from __future__ import annotations

import pytest

from scheduler.domain.checker import check_plan
from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Problem
from scheduler.solver.objective import evaluate
from scheduler.solver.plan_writer import build_plan, infeasible_plan, relative_gap


def tiny_problem() -> Problem:
    """Two blocks, one of each kind of offering, and a student for every reason a placement can have."""
    return Problem.model_validate(
        {
            "format": "flexblock/v1",
            "school": {"id": "tiny", "timezone": "America/Chicago"},
            "blocks": [
                {"id": "b2", "date": "2026-12-01", "start": "10:00", "end": "10:45"},
                {"id": "b1", "date": "2026-11-30", "start": "10:00", "end": "10:45"},
            ],
            "spaces": [
                {"id": "r1", "capacity": 20},
                {"id": "r2", "capacity": 20},
                {"id": "r3", "capacity": 20},
            ],
            "resources": [{"id": "laptops", "quantity": 10}],
            "staff": [{"id": f"t{i}"} for i in range(1, 6)],
            "offerings": [
                {
                    "id": "art",
                    "staff": ["t1"],
                    "capacity": 10,
                    "resources": [{"resource": "laptops", "per_student": 1, "per_session": 2}],
                },
                {"id": "band", "staff": ["t2"], "capacity": 10},
                {"id": "coding", "staff": ["t3"], "capacity": 10},
                {"id": "reading", "kind": "intervention", "staff": ["t4"], "capacity": 4},
                {"id": "study", "kind": "fallback", "staff": ["t5"], "capacity": 20},
            ],
            "students": [
                {"id": "s1", "grade": 7, "choices": ["art", "band"]},
                {"id": "s2", "grade": 7, "choices": ["band", "art"], "needs": [{"offering": "reading", "sessions": 1}]},
                {"id": "s3", "grade": 7, "choices": ["art"]},
                {"id": "s4", "grade": 7, "choices": ["band"]},
            ],
            "requests": [
                {"id": "q1", "staff": "t1", "student": "s2", "offering": "art"},
                {"id": "q2", "staff": "t3", "student": "s3", "offering": "coding", "priority": "preferred"},
            ],
            "locks": [{"student": "s1", "block": "b2", "offering": "band"}],
        }
    )


PLACEMENTS = {
    ("s4", "b2"): "band",
    ("s4", "b1"): "study",
    ("s3", "b2"): "coding",
    ("s3", "b1"): "art",
    ("s2", "b2"): "art",
    ("s2", "b1"): "reading",
    ("s1", "b2"): "band",
    ("s1", "b1"): "art",
}
SPACES = {
    ("art", "b1"): "r1",
    ("reading", "b1"): "r2",
    ("study", "b1"): "r3",
    ("art", "b2"): "r1",
    ("band", "b2"): "r2",
    ("coding", "b2"): "r3",
    ("band", "b1"): "r2",  # planned but nobody came: it does not run
}


@pytest.fixture
def index() -> ProblemIndex:
    return ProblemIndex(tiny_problem())


def test_reasons_follow_lock_need_request_choice_fallback(index: ProblemIndex) -> None:
    plan = build_plan(index, PLACEMENTS, SPACES, status="feasible")
    reasons = {(a.student, a.block): a.reason for a in plan.assignments}
    assert reasons == {
        ("s1", "b1"): "choice 1",
        ("s1", "b2"): "lock",  # locked, although band is also s1's second choice
        ("s2", "b1"): "need",
        ("s2", "b2"): "choice 2",  # a request on one of the student's choices reads as that choice
        ("s3", "b1"): "choice 1",
        ("s3", "b2"): "request",
        ("s4", "b1"): "fallback",
        ("s4", "b2"): "choice 1",
    }


def test_assignments_in_student_then_time_order(index: ProblemIndex) -> None:
    plan = build_plan(index, PLACEMENTS, SPACES, status="feasible")
    # Blocks are listed b2 first in the problem, but b1 is earlier in the week.
    assert [(a.student, a.block) for a in plan.assignments] == [
        (s, b) for s in ("s1", "s2", "s3", "s4") for b in ("b1", "b2")
    ]
    assert all(a.session == f"{PLACEMENTS[(a.student, a.block)]}@{a.block}" for a in plan.assignments)


def test_sessions_rosters_staff_and_resources(index: ProblemIndex) -> None:
    plan = build_plan(index, PLACEMENTS, SPACES, status="feasible")
    assert [s.id for s in plan.sessions] == [
        "art@b1",
        "reading@b1",
        "study@b1",
        "art@b2",
        "band@b2",
        "coding@b2",
    ]
    sessions = {s.id: s for s in plan.sessions}
    assert sessions["art@b1"].students == ["s1", "s3"]
    assert sessions["art@b1"].resources == {"laptops": 2 + 1 * 2}
    assert sessions["art@b2"].resources == {"laptops": 2 + 1 * 1}
    assert sessions["band@b2"].resources == {}
    assert sessions["band@b2"].students == ["s1", "s4"]
    assert sessions["coding@b2"].staff == ["t3"]
    assert sessions["reading@b1"].space == "r2"


def test_written_plan_keeps_every_rule(index: ProblemIndex) -> None:
    plan = build_plan(index, PLACEMENTS, SPACES, status="feasible")
    assert check_plan(index.problem, plan) == []
    assert plan.metrics is not None
    assert plan.metrics.need_coverage == 1.0
    assert plan.metrics.request_coverage == 1.0
    assert plan.metrics.fallback_slots == 1


def test_objective_is_the_shared_cost(index: ProblemIndex) -> None:
    plan = build_plan(index, PLACEMENTS, SPACES, status="feasible", solve_seconds=1.23456, engine={"name": "t"})
    cost = evaluate(index, PLACEMENTS, SPACES)
    assert plan.objective == cost.total
    assert plan.objective_breakdown == cost.breakdown()
    assert sum(plan.objective_breakdown.values()) == pytest.approx(plan.objective)
    assert plan.objective > 0  # s4 sits in study hall once
    assert plan.solve_seconds == 1.235
    assert plan.engine == {"name": "t"}
    assert plan.bound is None and plan.gap is None


def test_gap_from_bound(index: ProblemIndex) -> None:
    objective = evaluate(index, PLACEMENTS, SPACES).total
    plan = build_plan(index, PLACEMENTS, SPACES, status="optimal", bound=objective / 2)
    assert plan.bound == objective / 2
    assert plan.gap == pytest.approx(0.5)
    assert build_plan(index, PLACEMENTS, SPACES, status="optimal", bound=objective).gap == 0.0
    assert build_plan(index, PLACEMENTS, SPACES, status="optimal", bound=objective + 5).gap == 0.0


@pytest.mark.parametrize(
    ("objective", "bound", "gap"),
    [(200.0, 150.0, 0.25), (0.5, 0.0, 0.5), (0.0, 0.0, 0.0), (100.0, 120.0, 0.0), (10.0, None, None)],
)
def test_relative_gap(objective: float, bound: float | None, gap: float | None) -> None:
    assert relative_gap(objective, bound) == (gap if gap is None else pytest.approx(gap))


def test_deterministic_whatever_the_input_order(index: ProblemIndex) -> None:
    shuffled = dict(reversed(list(PLACEMENTS.items())))
    first = build_plan(index, PLACEMENTS, SPACES, status="feasible")
    second = build_plan(index, shuffled, dict(reversed(list(SPACES.items()))), status="feasible")
    assert first.model_dump() == second.model_dump()


def test_infeasible_plan_is_empty_with_conflicts(index: ProblemIndex) -> None:
    conflict = Conflict(kind="staff", message="t4 is away all week", entities=["staff/t4"])
    plan = infeasible_plan(index, [conflict], solve_seconds=0.5, engine={"name": "t"})
    assert plan.status == "infeasible"
    assert plan.school == "tiny"
    assert plan.sessions == [] and plan.assignments == []
    assert plan.conflicts == [conflict]
    assert plan.solve_seconds == 0.5
    assert check_plan(index.problem, plan) == []
