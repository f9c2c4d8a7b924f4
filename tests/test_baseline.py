"""The first-come-first-served baseline: valid on feasible schools, deterministic per seed, solver-free."""

from __future__ import annotations

import sys

import pytest
from conftest import FIXTURES, SPEC_EXAMPLES

from scheduler.domain.checker import check_plan, format_violations
from scheduler.domain.loading import load_problem, parse_problem
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.generate import generate_school
from scheduler.solver.baseline import baseline_plan

EXAMPLE = SPEC_EXAMPLES / "small-school.json"


@pytest.fixture(scope="module")
def example() -> Problem:
    return load_problem(EXAMPLE)


def comparable(plan: Plan) -> dict:
    """The plan without its run time, which is the one thing allowed to differ between runs."""
    return plan.model_dump(exclude={"solve_seconds"})


def assert_valid(problem: Problem, plan: Plan) -> None:
    violations = check_plan(problem, plan)
    assert not violations, format_violations(violations)
    assert plan.status == "feasible"
    assert plan.metrics is not None
    assert plan.metrics.need_coverage == 1.0
    assert plan.metrics.request_coverage == 1.0
    assert plan.metrics.students == len(problem.students)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_example_school_is_valid(example: Problem, seed: int) -> None:
    plan = baseline_plan(example, seed)
    assert_valid(example, plan)
    assert plan.engine is not None and plan.engine["seed"] == seed
    assert "shortfalls" not in plan.engine
    assert plan.objective is not None and plan.objective > 0  # first come, first served is not optimal
    assert plan.bound is None and plan.gap is None


def test_example_school_honours_locks_and_fixed_rooms(example: Problem) -> None:
    plan = baseline_plan(example)
    where = {(a.student, a.block): a for a in plan.assignments}
    for lock in example.locks:
        assert where[(lock.student, lock.block)].session == f"{lock.offering}@{lock.block}"
        assert where[(lock.student, lock.block)].reason == "lock"
    fixed = {o.id: o.space for o in example.offerings if o.space}
    assert all(s.space == fixed[s.offering] for s in plan.sessions if s.offering in fixed)


def test_deterministic_per_seed(example: Problem) -> None:
    assert comparable(baseline_plan(example, 7)) == comparable(baseline_plan(example, 7))


def test_seed_is_the_sign_up_order(example: Problem) -> None:
    plans = [comparable(baseline_plan(example, seed)) for seed in range(4)]
    assert any(plan["assignments"] != plans[0]["assignments"] for plan in plans[1:])


def test_needs_no_solver(example: Problem, monkeypatch: pytest.MonkeyPatch) -> None:
    """The yardstick must not lean on the engine: it works with OR-Tools made unimportable (only a
    school whose interventions cannot be planned one interventionist at a time uses CP-SAT)."""
    monkeypatch.setitem(sys.modules, "ortools", None)
    assert_valid(example, baseline_plan(example))


@pytest.mark.parametrize("students", [100, 300])
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_schools_are_valid(students: int, seed: int) -> None:
    problem = generate_school(students, seed)
    first = baseline_plan(problem, seed)
    assert_valid(problem, first)
    assert comparable(first) == comparable(baseline_plan(problem, seed))


def tiny_school(chess_seats: int = 2) -> Problem:
    """One block: a small chess club, an opera club that needs three, two study halls; s2 avoids s3."""
    return parse_problem(
        {
            "format": "flexblock/v1",
            "school": {"id": "tiny", "timezone": "America/Chicago"},
            "blocks": [{"id": "mon", "date": "2026-11-30", "start": "10:00", "end": "10:45"}],
            "spaces": [{"id": f"r{i}", "capacity": 10} for i in range(1, 5)],
            "staff": [{"id": f"t{i}"} for i in range(1, 5)],
            "offerings": [
                {"id": "chess", "staff": ["t1"], "capacity": chess_seats},
                {"id": "opera", "staff": ["t2"], "capacity": 10, "min_students": 3},
                {"id": "hall-a", "kind": "fallback", "staff": ["t3"], "capacity": 10},
                {"id": "hall-b", "kind": "fallback", "staff": ["t4"], "capacity": 10},
            ],
            "students": [
                {"id": "s1", "grade": 7, "choices": ["chess", "opera"]},
                {"id": "s2", "grade": 7, "choices": ["chess", "opera"], "avoid": ["s3"]},
                {"id": "s3", "grade": 7, "choices": ["chess"]},
                {"id": "s4", "grade": 7, "choices": ["chess"]},
            ],
        }
    )


def test_session_below_min_students_is_cancelled() -> None:
    """Two students want opera but it needs three: it does not run, whatever the sign-up order."""
    problem = tiny_school()
    for seed in range(6):
        plan = baseline_plan(problem, seed)
        assert_valid(problem, plan)
        assert {s.offering for s in plan.sessions} <= {"chess", "hall-a", "hall-b"}
        assert len(next(s for s in plan.sessions if s.offering == "chess").students) == 2


def test_avoid_pair_never_shares_a_session() -> None:
    """Chess has room for everyone, but s2 and s3 never sit in it (or anywhere) together."""
    problem = tiny_school(chess_seats=10)
    for seed in range(6):
        plan = baseline_plan(problem, seed)
        assert_valid(problem, plan)
        assert not [s for s in plan.sessions if {"s2", "s3"} <= set(s.students)]
        chess = next(s for s in plan.sessions if s.offering == "chess")
        assert len(chess.students) == 3


def test_interventions_are_planned_together_when_one_at_a_time_leaves_a_member_short() -> None:
    # One small-group room. Planned first (its staff sorts first), group A takes Monday, the first
    # block its member can come to; s-2 of group B can only come on Monday, so B is left short.
    # Planned together, A moves to Tuesday and both members get their session.
    block = {"start": "10:00", "end": "10:45"}
    data = {
        "format": "flexblock/v1",
        "school": {"id": "one-room", "name": "One Room", "timezone": "America/Chicago"},
        "blocks": [{"id": "mon", "date": "2026-11-30", **block}, {"id": "tue", "date": "2026-12-01", **block}],
        "spaces": [
            {"id": "sg", "name": "Small group", "capacity": 4, "features": ["small-group"]},
            {"id": "hall", "name": "Hall", "capacity": 10},
        ],
        "staff": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}, {"id": "h", "name": "H"}],
        "offerings": [
            {
                "id": "group-a",
                "title": "A",
                "kind": "intervention",
                "staff": ["a"],
                "capacity": 4,
                "needs_features": ["small-group"],
            },
            {
                "id": "group-b",
                "title": "B",
                "kind": "intervention",
                "staff": ["b"],
                "capacity": 4,
                "needs_features": ["small-group"],
            },
            {"id": "study", "title": "Study hall", "kind": "fallback", "staff": ["h"], "capacity": 10, "space": "hall"},
        ],
        "students": [
            {"id": "s-1", "name": "One", "grade": 7, "needs": [{"offering": "group-a", "sessions": 1}]},
            {
                "id": "s-2",
                "name": "Two",
                "grade": 7,
                "needs": [{"offering": "group-b", "sessions": 1}],
                "unavailable": ["tue"],
            },
        ],
    }
    problem = parse_problem(data)
    plan = baseline_plan(problem)
    assert_valid(problem, plan)
    where = {(a.student, a.block): a.session for a in plan.assignments}
    assert where[("s-1", "tue")] == "group-a@tue" and where[("s-2", "mon")] == "group-b@mon"


def test_the_high_school_fixture_gets_a_valid_baseline() -> None:
    # Planned one interventionist at a time, four tier-3 students were left short here.
    problem = load_problem(FIXTURES / "high-school-1500.json")
    assert_valid(problem, baseline_plan(problem))
