"""Re-plans after a small change start from the previous plan repaired, and say what moved and why."""

from __future__ import annotations

import pytest

from scheduler.domain.checker import check_plan
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Placement, Problem
from scheduler.domain.stability import previous_changes
from scheduler.generate import generate_school
from scheduler.scenarios import SCENARIOS, apply_scenario, teacher_away
from scheduler.solver.engine import solve
from scheduler.solver.instance import build_instance
from scheduler.solver.repair import repair_previous
from scheduler.solver.settings import SolveSettings


@pytest.fixture(scope="module")
def planned() -> tuple[Problem, Plan]:
    problem = generate_school(200, seed=5)
    return problem, solve(problem, SolveSettings(time_limit=8, seed=5))


def _assert_valid(problem: Problem, plan: Plan) -> None:
    violations = check_plan(problem, plan)
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_repair_moves_only_what_the_change_forces(planned: tuple[Problem, Plan], scenario: str) -> None:
    problem, first = planned
    changed = apply_scenario(scenario, problem, first, seed=2)
    found = repair_previous(build_instance(changed), seconds=20, seed=0)
    assert found.plan is not None, found.reason
    _assert_valid(changed, found.plan)
    report = found.plan.previous_changes
    assert report is not None and report.previous == len(changed.previous)
    # Everything no change touched is kept; whatever moved, moved for a reason the change gives,
    # but for students of the sessions the displaced left (a club below its minimum).
    assert report.unaffected_kept >= 0.99
    assert report.reasons.get("moved", 0) <= 0.01 * report.previous
    assert found.level in ("displaced students", "touched sessions")
    if scenario == "teacher-away":
        assert report.reasons.get("session cannot run", 0) > 0


def test_a_re_plan_keeps_what_a_teacher_s_absence_does_not_touch(planned: tuple[Problem, Plan]) -> None:
    problem, first = planned
    changed = teacher_away(problem, first, seed=1)
    plan = solve(changed, SolveSettings(time_limit=8, seed=1))
    _assert_valid(changed, plan)
    stages = {s["stage"]: s for s in plan.engine["stages"]}  # type: ignore[index, union-attr]
    assert stages["repair"]["reason"] == "repaired"
    report = plan.previous_changes
    assert report is not None
    assert report.unaffected_kept >= 0.95
    assert report.moved == report.previous - report.kept


def test_previous_changes_give_each_moved_placement_its_reason() -> None:
    problem = generate_school(40, seed=3)
    first = solve(problem, SolveSettings(time_limit=5, seed=3))
    student = problem.students[0]
    block = problem.blocks[0].id
    offering_of = {s.id: s.offering for s in first.sessions}
    kept = [Placement(student=a.student, block=a.block, offering=offering_of[a.session]) for a in first.assignments]
    away = student.model_copy(update={"unavailable": [block]})
    changed = problem.model_copy(
        update={"students": [away, *problem.students[1:]], "previous": kept},
    )
    # The plan of the changed week no longer seats the student there.
    replanned = first.model_copy(
        update={"assignments": [a for a in first.assignments if (a.student, a.block) != (student.id, block)]}
    )
    report = previous_changes(changed, replanned)
    assert report is not None
    assert report.reasons == {"student away": 1}
    assert report.kept == len(kept) - 1 and report.unaffected_kept == 1.0
    assert previous_changes(problem, first) is None


def test_a_greedy_plan_that_leaves_students_without_a_seat_is_repaired_where_it_broke() -> None:
    # Study halls for 40% of the students: first come first served leaves late students with no
    # seat in the last block. The warm start repairs those blocks and pins the rest.
    from scheduler.generate import shape_presets
    from scheduler.solver.baseline import baseline_plan
    from scheduler.solver.run import Run
    from scheduler.solver.stages.bound import start_bound
    from scheduler.solver.stages.warm_start import warm_start

    problem = generate_school(200, seed=0, shape=shape_presets()["ms-tight"])
    greedy = baseline_plan(problem)
    assert greedy.status == "unknown" and check_plan(problem, greedy)
    run = Run(problem, SolveSettings(time_limit=20))
    job, exact = start_bound(run)
    try:
        start = warm_start(run, exact)
        warm, infeasible = start.plan, start.infeasible
    finally:
        job.stop()
    _assert_valid(problem, warm)
    assert not infeasible
    stages = {s["stage"]: s for s in run.tracker.stages}
    assert stages["greedy-repair"]["reason"] == "repaired"
    # Only the blocks where the greedy broke a rule, and the weeks of the students it left without
    # a seat, changed; every other placement is pinned.
    touched = set(stages["greedy-repair"]["blocks"])  # type: ignore[arg-type]
    assert "thu" in touched and len(touched) <= 2
    seatless = {ref.split("/", 1)[1] for v in check_plan(problem, greedy) for ref in v.entities if "students/" in ref}
    elsewhere = {
        (a.student, a.block, a.session)
        for a in greedy.assignments
        if a.block not in touched and a.student not in seatless
    }
    assert elsewhere <= {(a.student, a.block, a.session) for a in warm.assignments}
