"""The engine end to end: every plan is checked by the independent checker, never trusted."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from scheduler.domain.checker import check_plan
from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import load_problem
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Placement, Problem
from scheduler.generate import generate_school
from scheduler.solver.baseline import baseline_plan
from scheduler.solver.engine import solve
from scheduler.solver.formulation import build_formulation
from scheduler.solver.highs_run import run_highs
from scheduler.solver.instance import build_instance
from scheduler.solver.objective import evaluate
from scheduler.solver.run import Run
from scheduler.solver.settings import SolveSettings
from scheduler.solver.stages.bound import start_bound
from scheduler.solver.stages.timetable_search import search_timetable
from scheduler.solver.stages.warm_start import warm_start
from scheduler.solver.tuning import EngineTuning
from scheduler.solver.units import make_units


def placements_of(plan: Plan) -> dict[tuple[str, str], str]:
    offering_of = {s.id: s.offering for s in plan.sessions}
    return {(a.student, a.block): offering_of[a.session] for a in plan.assignments}


def assert_valid(problem: Problem, plan: Plan) -> None:
    violations = check_plan(problem, plan)
    assert not violations, "\n".join(map(str, violations))
    assert plan.metrics is not None
    assert plan.metrics.need_coverage == 1.0
    assert plan.bound is not None and plan.objective is not None
    assert plan.bound <= plan.objective + 1e-6


@pytest.fixture(scope="module")
def tiny() -> Problem:
    return load_problem(FIXTURES / "tiny-school.json")


def test_tiny_school_reaches_its_hand_checked_optimum(tiny: Problem) -> None:
    plan = solve(tiny, SolveSettings(time_limit=10))
    assert_valid(tiny, plan)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(170)  # fixtures/README.md: the optimum costs exactly 170
    assert plan.gap == pytest.approx(0, abs=1e-6)
    placed = placements_of(plan)
    assert placed[("s-1", "mon")] == "reading-t2" and placed[("s-1", "tue")] == "reading-t2"
    assert placed[("s-1", "wed")] == "art"
    robotics = {s for (s, b), o in placed.items() if o == "robotics"}
    assert robotics == {"s-2", "s-4", "s-6"}


def test_reported_objective_is_the_shared_cost_of_the_plan(tiny: Problem) -> None:
    plan = solve(tiny, SolveSettings(time_limit=10))
    spaces = {(s.offering, s.block): s.space for s in plan.sessions}
    cost = evaluate(ProblemIndex(tiny), placements_of(plan), spaces)
    assert plan.objective == pytest.approx(cost.total)


@pytest.mark.parametrize(("students", "seed"), [(40, 1), (120, 2), (250, 3)])
def test_generated_schools_keep_every_rule_and_beat_the_baseline(students: int, seed: int) -> None:
    problem = generate_school(students, seed=seed)
    plan = solve(problem, SolveSettings(time_limit=8, seed=seed))
    assert_valid(problem, plan)
    assert plan.metrics is not None and plan.metrics.request_coverage >= 0.0
    baseline = baseline_plan(problem, seed=seed)
    assert plan.objective is not None and baseline.objective is not None
    assert plan.objective <= baseline.objective
    assert plan.metrics.students_without_choice <= baseline.metrics.students_without_choice  # type: ignore[union-attr]


def test_locks_requests_and_reservations_are_respected() -> None:
    problem = generate_school(150, seed=5)
    assert problem.locks and problem.requests and problem.reservations
    plan = solve(problem, SolveSettings(time_limit=8))
    assert_valid(problem, plan)
    placed = placements_of(plan)
    for lock in problem.locks:
        assert placed[(lock.student, lock.block)] == lock.offering
    attended = {(s, o) for (s, _), o in placed.items()}
    for request in problem.requests:
        if request.priority == "required":
            assert (request.student, request.offering) in attended
    for reservation in problem.reservations:
        if reservation.space is not None:
            assert all(not (s.block == reservation.block and s.space == reservation.space) for s in plan.sessions)


def test_rooms_fixed_to_the_warm_start_prove_no_bound() -> None:
    # With the warm start's rooms fixed, the first timetable solve only bounds that timetable; its
    # bound must not be reported for the week (it was once, as a gap of 0).
    problem = generate_school(40, seed=1)
    no_session_mip = EngineTuning(session_mip_up_to=0)
    plan = solve(problem, SolveSettings(time_limit=8, seed=1, tuning=no_session_mip))
    assert_valid(problem, plan)
    inst = build_instance(problem)
    relaxation = run_highs(build_formulation(inst, make_units(inst, 1)).model, seconds=30, seed=0)
    assert plan.bound is not None and relaxation.objective is not None
    assert plan.bound <= relaxation.objective + 1e-6


def test_same_seed_with_one_worker_gives_the_same_plan() -> None:
    # Small enough that every stage ends on its work limit or a proof, never on the clock.
    problem = generate_school(30, seed=7)
    settings = SolveSettings(time_limit=60, seed=3, workers=1)
    first, second = solve(problem, settings), solve(problem, settings)
    assert first.engine["repeatable"] is True  # type: ignore[index]
    assert placements_of(first) == placements_of(second)
    assert [(s.id, s.space) for s in first.sessions] == [(s.id, s.space) for s in second.sessions]


def _with_previous(problem: Problem, plan: Plan) -> Problem:
    previous = [Placement(student=s, block=b, offering=o) for (s, b), o in sorted(placements_of(plan).items())]
    return problem.model_copy(update={"previous": previous})


def test_previous_plan_is_kept_when_nothing_changed(tiny: Problem) -> None:
    first = solve(tiny, SolveSettings(time_limit=10))
    again = solve(_with_previous(tiny, first), SolveSettings(time_limit=10))
    assert_valid(tiny, again)
    assert again.metrics is not None and again.metrics.kept_from_previous == 1.0


def test_previous_plan_is_mostly_kept_after_a_teacher_falls_ill() -> None:
    problem = generate_school(120, seed=11)
    first = solve(problem, SolveSettings(time_limit=8))
    # The teacher of the busiest choice session is off sick on that day.
    busiest = max(
        (s for s in first.sessions if problem_kind(problem, s.offering) == "choice"), key=lambda s: len(s.students)
    )
    sick = busiest.staff[0]
    staff = [
        m.model_copy(update={"unavailable": [*m.unavailable, busiest.block]}) if m.id == sick else m
        for m in problem.staff
    ]
    changed = _with_previous(problem.model_copy(update={"staff": staff}), first)
    plan = solve(changed, SolveSettings(time_limit=8))
    assert_valid(changed, plan)
    assert all(sick not in s.staff or s.block != busiest.block for s in plan.sessions)
    assert plan.metrics is not None and plan.metrics.kept_from_previous is not None
    assert plan.metrics.kept_from_previous >= 0.8


def problem_kind(problem: Problem, offering_id: str) -> str:
    return next(o.kind for o in problem.offerings if o.id == offering_id)


def test_a_warm_timetable_the_model_cannot_place_falls_back_to_the_session_mip() -> None:
    # Rooms fixed to a timetable that seats nobody (every session in a room the model does not
    # know, so every room variable fixed to 0) make the first LP infeasible; that proves nothing
    # about the week, so the session MIP must run, and the week is not declared infeasible. The
    # stages run on their own here, from a warm start whose rooms are unknown.
    problem = generate_school(150, seed=4)
    run = Run(problem, SolveSettings(time_limit=8, seed=4))
    job, bound_form = start_bound(run)
    warm = warm_start(run, bound_form).plan
    unknown_rooms = [s.model_copy(update={"space": "nowhere"}) for s in warm.sessions]
    nowhere = warm.model_copy(update={"sessions": unknown_rooms})
    try:
        _, infeasible = search_timetable(run, nowhere, job, bound_form)
    finally:
        job.stop()
    stages = {s["stage"]: s for s in run.tracker.stages}
    assert stages["warm-timetable"]["objective"] is None  # the fixed-rooms LP seated nobody
    assert "session-mip" in stages
    assert not infeasible


@pytest.mark.slow
def test_a_high_school_shaped_unlike_our_generator_s_gets_a_valid_plan() -> None:
    # Issue #13: 1,500 students, intervention groups that need nearly every small-group room,
    # study halls for fewer than half of the students. The engine once returned no plan here.
    problem = load_problem(FIXTURES / "high-school-1500.json")
    plan = solve(problem, SolveSettings(time_limit=60))
    assert_valid(problem, plan)
