"""The placement start (``solver.start``): a complete plan on a fixed timetable, judged by the
independent checker; and the engine never falling back to the warm start when the exact placement
gets no time."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from test_engine_properties import tiny_schools

from scheduler.domain.checker import check_plan
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.generate import generate_school
from scheduler.solver.baseline import baseline_plan
from scheduler.solver.engine import solve
from scheduler.solver.extract import Guide, PlacementError, Timetable, assign_rooms
from scheduler.solver.instance import Instance, build_instance
from scheduler.solver.placement import lp_guide, placement_model
from scheduler.solver.plan_writer import build_plan
from scheduler.solver.session_flow import Arc, assign
from scheduler.solver.settings import SolveSettings
from scheduler.solver.stages import placement as placement_stage
from scheduler.solver.start import placement_start
from scheduler.solver.timetable import timetable_of_plan
from scheduler.solver.tuning import EngineTuning


def start_plan(inst: Instance, timetable: Timetable, guide: Guide | None = None) -> Plan | None:
    placed = placement_start(inst, timetable, guide)
    if placed is None:
        return None
    return build_plan(inst.index, placed, assign_rooms(inst, timetable), status="feasible")


def test_flow_fills_the_cheapest_seats_and_follows_quotas() -> None:
    arcs = [Arc("a", "x", 0), Arc("a", "y", 10), Arc("b", "x", 0), Arc("b", "y", 10), Arc("c", "y", 0)]
    placed = assign({"a": 1, "b": 1, "c": 1}, arcs, {"x": 1, "y": 2})
    assert sorted(placed.values()) == [["x"], ["y"], ["y"]]
    assert placed["c"] == ["y"]
    # A quota of one for the group on x: the second student pays over_quota, so goes to y instead.
    grouped = [Arc("a", "x", 0, ("g", "x")), Arc("a", "y", 5), Arc("b", "x", 0, ("g", "x")), Arc("b", "y", 5)]
    placed = assign({"a": 1, "b": 1}, grouped, {"x": 2, "y": 2}, {("g", "x"): 1}, over_quota=10)
    assert sorted(s[0] for s in placed.values()) == ["x", "y"]
    # More students than seats: as many as fit, the rest left for the caller.
    assert len(assign({"a": 1, "b": 1}, arcs[:4], {"x": 1})) == 1


@pytest.mark.parametrize(("students", "seed"), [(40, 1), (150, 5), (300, 2)])
def test_start_on_the_warm_timetable_keeps_every_rule_and_beats_the_warm_start(students: int, seed: int) -> None:
    problem = generate_school(students, seed=seed)
    inst = build_instance(problem)
    warm = baseline_plan(problem, seed=seed)
    own = timetable_of_plan(inst, warm)
    assert own is not None
    plan = start_plan(inst, Timetable(own.sessions))
    assert plan is not None
    assert check_plan(problem, plan) == []
    assert plan.objective is not None and warm.objective is not None
    assert plan.objective <= warm.objective


def test_start_follows_a_merged_guide_and_keeps_every_rule() -> None:
    # The guide is the merged search's picture; here the warm start's own placement, read per pair
    # of students, so the flow's quotas are exercised on a real school.
    problem = generate_school(120, seed=3)
    inst = build_instance(problem)
    warm = baseline_plan(problem, seed=3)
    own = timetable_of_plan(inst, warm)
    assert own is not None
    group_of = {s.id: f"g{i // 2}" for i, s in enumerate(problem.students)}
    counts: dict[tuple[str, str, str], float] = {}
    for (student, block), offering in own.suggested.items():
        key = (group_of[student], offering, block)
        counts[key] = counts.get(key, 0.0) + 1.0
    plan = start_plan(inst, Timetable(own.sessions), Guide(group_of, counts))
    assert plan is not None
    assert check_plan(problem, plan) == []


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_schools())
def test_start_is_valid_or_declines(problem: Problem) -> None:
    warm = baseline_plan(problem, seed=0)
    if warm.status != "feasible":
        return
    inst = build_instance(problem)
    own = timetable_of_plan(inst, warm)
    if own is None:
        return
    plan = start_plan(inst, Timetable(own.sessions))
    if plan is not None:
        assert check_plan(problem, plan) == []


def test_engine_returns_the_start_when_neither_placement_lp_nor_mip_finishes(monkeypatch: pytest.MonkeyPatch) -> None:
    # As when the exact placement's LP and MIP outlast their time on a big school: no LP guide (at
    # 150 students, below ``lp_guide_above``, the LP never runs), no MIP solution; the merged
    # search's picture still gives a start, better than the warm start.
    problem = generate_school(150, seed=5)

    def no_solution(*args: object, **kwargs: object) -> dict:
        raise PlacementError("simulated: the MIP ended without a solution")

    monkeypatch.setattr(placement_stage, "read_placements", no_solution)
    plan = solve(problem, SolveSettings(time_limit=8, seed=5))
    assert check_plan(problem, plan) == []
    warm = baseline_plan(problem, seed=5)
    assert plan.engine is not None and plan.engine["returned"] == "optimised"
    assert plan.objective is not None and warm.objective is not None
    assert plan.objective < warm.objective


def test_engine_never_worse_than_the_warm_start_with_almost_no_placement_time() -> None:
    # A placement MIP that could never finish its presolve in the time it has (the overhead it
    # needs is set beyond any limit): the start is the answer, never the warm start.
    problem = generate_school(150, seed=5)
    starved = EngineTuning(mip_overhead_seconds=1e9)
    plan = solve(problem, SolveSettings(time_limit=8, seed=5, tuning=starved))
    assert check_plan(problem, plan) == []
    assert plan.engine is not None
    placements = [stage for stage in plan.engine["stages"] if stage["stage"] == "placement"]
    assert placements and all(stage["objective"] is None for stage in placements)  # no MIP ran
    warm = baseline_plan(problem, seed=5)
    assert plan.objective is not None and warm.objective is not None
    assert plan.objective < warm.objective


def test_lp_guided_start_keeps_every_rule_and_is_close_to_the_lp() -> None:
    # The placement LP is almost integral on these schools: following it seat by seat must give a
    # valid plan within a few per cent of it (the LP bounds every placement on this timetable).
    problem = generate_school(300, seed=2)
    inst = build_instance(problem)
    own = timetable_of_plan(inst, baseline_plan(problem, seed=2))
    assert own is not None
    guide, relaxed = lp_guide(inst, placement_model(inst, own), seconds=30, seed=0)
    assert guide is not None and relaxed is not None
    placed = placement_start(inst, Timetable(own.sessions), guide, passes=0)
    assert placed is not None
    plan = build_plan(inst.index, placed, assign_rooms(inst, own), status="feasible")
    assert check_plan(problem, plan) == []
    assert plan.objective is not None
    assert relaxed - 1e-6 <= plan.objective <= relaxed * 1.03


def test_engine_lp_guided_placement_keeps_every_rule() -> None:
    problem = generate_school(150, seed=5)
    lp_guided = EngineTuning(lp_guide_above=0)
    plan = solve(problem, SolveSettings(time_limit=8, seed=5, tuning=lp_guided))
    assert check_plan(problem, plan) == []
    assert plan.engine is not None and plan.engine["returned"] == "optimised"
    assert any(stage["stage"] == "placement-model" and stage["objective"] for stage in plan.engine["stages"])
