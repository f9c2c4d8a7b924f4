"""Property tests on tiny random schools: the engine's plan is valid, covers every need, is no worse
than the first-come-first-served baseline and never beats its own proven bound; or the school is
reported infeasible with a reason. The checker accepts every feasible baseline plan.

Schools are valid by construction (``parse_problem`` runs the cross-record checks too), not filtered:
2-3 blocks, 2-6 spaces, 1-4 choice offerings, maybe an intervention group, one roomy fallback (study
hall in a space that seats everyone), 3-12 students with ranked choices, and maybe an avoid pair, a
lock and a blocked-out student. Nothing guarantees feasibility (a lock in an offering whose only
teacher is away, a need for more sessions than the interventionist can give), so both outcomes are
legal; an infeasible answer must then not be contradicted by a valid baseline plan.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from scheduler.domain.checker import check_plan
from scheduler.domain.loading import parse_problem
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.solver.baseline import baseline_plan
from scheduler.solver.engine import solve
from scheduler.solver.settings import SolveSettings

BLOCK_IDS = ("mon", "tue", "wed")
FEATURES = ("lab", "small-group")
GRADES = (6, 7, 8)
FIRST_DAY = dt.date(2026, 11, 30)
ENGINE = SolveSettings(time_limit=5, workers=1)
TOLERANCE = 1e-6

Draw = Any  # hypothesis' draw function inside a composite strategy


def _subset(draw: Draw, items: list[str] | tuple[str, ...], min_size: int = 0, max_size: int | None = None) -> list:
    """A duplicate-free subset of ``items``, kept in their original order."""
    picked = draw(st.lists(st.sampled_from(list(items)), unique=True, min_size=min_size, max_size=max_size))
    return [item for item in items if item in picked]


def _maybe_away(draw: Draw, blocks: list[str]) -> list[str]:
    """Unavailable in no block (most often) or in one."""
    return draw(st.one_of(st.just([]), st.lists(st.sampled_from(blocks), min_size=1, max_size=1)))


def _spaces(draw: Draw, blocks: list[str], hall_seats: int) -> list[dict[str, Any]]:
    """The study hall (always free, seats everyone) and 1-5 rooms, some equipped, some away a block."""
    spaces = [{"id": "hall", "capacity": hall_seats}]
    for i in range(1, draw(st.integers(1, 5)) + 1):
        spaces.append(
            {
                "id": f"room-{i}",
                "capacity": draw(st.integers(2, 8)),
                "features": _subset(draw, FEATURES),
                "unavailable": _maybe_away(draw, blocks),
            }
        )
    return spaces


def _teachers(draw: Draw, blocks: list[str], count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"t-{i}",
            "unavailable": _maybe_away(draw, blocks),
            "max_sessions": draw(st.one_of(st.none(), st.integers(1, len(blocks)))),
        }
        for i in range(1, count + 1)
    ]


def _feature_wish(draw: Draw, features: list[str]) -> list[str]:
    """No feature (most often) or one that some room has (it may still be away when needed)."""
    return draw(st.one_of(st.just([]), st.lists(st.sampled_from(features), min_size=1, max_size=1))) if features else []


def _choice_offering(
    draw: Draw, i: int, blocks: list[str], teachers: list[str], resources: list[str], features: list[str]
) -> dict[str, Any]:
    capacity = draw(st.integers(2, 6))
    offering: dict[str, Any] = {
        "id": f"c-{i}",
        "kind": "choice",
        "staff": [draw(st.sampled_from(teachers))],  # teachers may lead several offerings
        "capacity": capacity,
        "min_students": draw(st.integers(1, min(2, capacity))),
        "runs": {"min": 0, "max": draw(st.integers(1, len(blocks)))},
        "needs_features": _feature_wish(draw, features),
    }
    if draw(st.booleans()):
        offering["allowed_blocks"] = _subset(draw, blocks, min_size=1)
    if draw(st.integers(0, 3)) == 0:
        offering["grades"] = _subset(draw, GRADES, min_size=1)
    if resources and draw(st.booleans()):
        offering["resources"] = [
            {"resource": resources[0], "per_student": draw(st.integers(0, 1)), "per_session": draw(st.integers(0, 1))}
        ]
    return offering


def _open_to(offering: dict[str, Any], grade: int) -> bool:
    return "grades" not in offering or grade in offering["grades"]


def _runs_in(offering: dict[str, Any], block: str) -> bool:
    return "allowed_blocks" not in offering or block in offering["allowed_blocks"]


def _students(draw: Draw, count: int, choices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Students of random grades, each ranking 1+ of the choice offerings open to them (best first)."""
    students = []
    for i in range(1, count + 1):
        grade = draw(st.sampled_from(GRADES))
        open_ids = [o["id"] for o in choices if _open_to(o, grade)]
        ranked = draw(st.permutations(open_ids))[: draw(st.integers(min(1, len(open_ids)), len(open_ids)))]
        students.append(
            {"id": f"s-{i}", "grade": grade, "choices": ranked, "needs": [], "unavailable": [], "avoid": []}
        )
    return students


def _add_intervention(
    draw: Draw, blocks: list[str], students: list[dict[str, Any]], staff: list[dict[str, Any]], features: list[str]
) -> dict[str, Any]:
    """An interventionist (maybe away a block) and a group that seats its 1-3 members, each needing 1+ sessions."""
    staff.append({"id": "i-1", "unavailable": _maybe_away(draw, blocks)})
    members = draw(st.lists(st.sampled_from(students), unique_by=lambda s: s["id"], min_size=1, max_size=3))
    for student in members:
        student["needs"].append({"offering": "group-1", "sessions": draw(st.integers(1, len(blocks)))})
    return {
        "id": "group-1",
        "kind": "intervention",
        "staff": ["i-1"],
        "capacity": draw(st.integers(max(2, len(members)), 4)),
        "needs_features": _feature_wish(draw, features),
    }


def _add_extras(
    draw: Draw, blocks: list[str], students: list[dict[str, Any]], offerings: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Maybe one blocked-out student, one avoid pair and one lock (a ranked choice or the study hall)."""
    if draw(st.booleans()):
        draw(st.sampled_from(students))["unavailable"] = [draw(st.sampled_from(blocks))]
    if draw(st.booleans()):
        a, b = draw(st.lists(st.sampled_from(students), unique_by=lambda s: s["id"], min_size=2, max_size=2))
        a["avoid"].append(b["id"])
    if not draw(st.booleans()):
        return []
    student = draw(st.sampled_from(students))
    candidates = [
        (block, oid)
        for block in blocks
        if block not in student["unavailable"]
        for oid in [*student["choices"], "study-hall"]
        if _runs_in(offerings[oid], block)
    ]
    if not candidates:
        return []
    block, oid = draw(st.sampled_from(candidates))
    return [{"student": student["id"], "block": block, "offering": oid}]


def _school(
    blocks: list[str],
    spaces: list[dict[str, Any]],
    staff: list[dict[str, Any]],
    offerings: list[dict[str, Any]],
    students: list[dict[str, Any]],
    **rest: list[dict[str, Any]],
) -> dict[str, Any]:
    """The problem as JSON data: blocks are consecutive days of one week, 10:00-10:45."""
    days = [
        {"id": b, "date": (FIRST_DAY + dt.timedelta(days=i)).isoformat(), "start": "10:00", "end": "10:45"}
        for i, b in enumerate(blocks)
    ]
    return {
        "format": "flexblock/v1",
        "school": {"id": "hypo-school", "timezone": "America/Chicago"},
        "blocks": days,
        "spaces": spaces,
        "staff": staff,
        "offerings": offerings,
        "students": students,
        **rest,
    }


@st.composite
def tiny_schools(draw: Draw) -> Problem:
    """A small school that passes schema and cross-record validation; feasible or not."""
    blocks = list(BLOCK_IDS[: draw(st.integers(2, 3))])
    n_students = draw(st.integers(3, 12))
    hall_seats = n_students + draw(st.integers(0, 3))
    spaces = _spaces(draw, blocks, hall_seats)
    features = sorted({f for s in spaces for f in s.get("features", [])})
    resources = [{"id": "kits", "quantity": draw(st.integers(1, 4))}] if draw(st.booleans()) else []
    staff = _teachers(draw, blocks, draw(st.integers(1, 4)))
    teacher_ids = [t["id"] for t in staff]
    choices = [
        _choice_offering(draw, i, blocks, teacher_ids, [r["id"] for r in resources], features)
        for i in range(1, draw(st.integers(1, 4)) + 1)
    ]
    students = _students(draw, n_students, choices)
    offerings = list(choices)
    if draw(st.booleans()):
        offerings.append(_add_intervention(draw, blocks, students, staff, features))
    staff.append({"id": "a-1"})
    offerings.append(
        {"id": "study-hall", "kind": "fallback", "staff": ["a-1"], "capacity": hall_seats, "space": "hall"}
    )
    locks = _add_extras(draw, blocks, students, {o["id"]: o for o in offerings})
    data = _school(blocks, spaces, staff, offerings, students, resources=resources, locks=locks)
    note(json.dumps(data))  # the failing school, printed by hypothesis for the shrunk example
    return parse_problem(data)


def _valid_feasible(problem: Problem, plan: Plan) -> bool:
    return plan.status == "feasible" and not check_plan(problem, plan)


def assert_engine_answer_holds(problem: Problem) -> None:
    """A valid plan that covers every need, within its bound, no worse than the baseline; or "infeasible"
    with reasons, never contradicted by a valid baseline plan."""
    plan = solve(problem, ENGINE)
    baseline = baseline_plan(problem, seed=0)
    if plan.status == "infeasible":
        assert plan.conflicts, "an infeasible answer must say why"
        assert not _valid_feasible(problem, baseline), "the baseline found a valid plan for an 'infeasible' school"
        return
    assert plan.status in ("feasible", "optimal")
    assert check_plan(problem, plan) == []
    assert plan.metrics is not None and plan.metrics.need_coverage == 1.0
    assert plan.objective is not None and plan.bound is not None
    assert plan.bound <= plan.objective + TOLERANCE, f"bound {plan.bound} above objective {plan.objective}"
    if baseline.status == "feasible":
        assert baseline.objective is not None
        assert plan.objective <= baseline.objective + TOLERANCE


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_schools())
def test_engine_plan_is_valid_bounded_and_beats_baseline(problem: Problem) -> None:
    assert_engine_answer_holds(problem)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_schools())
def test_feasible_baseline_passes_the_checker(problem: Problem) -> None:
    plan = baseline_plan(problem, seed=0)
    if plan.status == "feasible":
        assert check_plan(problem, plan) == []
        assert plan.metrics is not None and plan.metrics.need_coverage == 1.0


# ---- shrunk counterexamples the property found (longer runs, other seeds) --------------------------
def _avoid_pair_in_the_only_hall() -> dict[str, Any]:
    """s-1 and s-2 avoid each other and there is one study hall. Feasible (cost 1480): mon c-1
    {s-1, s-3}, tue c-2 {s-2}, everyone else in the hall. The placement model pools both partners
    into the hall on mon (the fallback pool ignores avoid pairs), ``seat_fallback`` cannot split them,
    the optimised plan is dropped, the warm start is invalid, and the engine answers "infeasible"
    with no conflict at all."""
    c1 = {"id": "c-1", "staff": ["t-1"], "capacity": 2, "runs": {"max": 1}, "grades": [6]}
    students = [
        {"id": "s-1", "grade": 6, "choices": ["c-1"], "avoid": ["s-2"]},
        {"id": "s-2", "grade": 6, "choices": ["c-1", "c-2"]},
        *({"id": f"s-{i}", "grade": 6, "choices": ["c-1"]} for i in range(3, 7)),
    ]
    return _school(
        ["mon", "tue"],
        [{"id": "hall", "capacity": 6}, {"id": "room-1", "capacity": 2}],
        [{"id": "t-1"}, {"id": "a-1"}],
        [
            c1,
            {**c1, "id": "c-2"},
            {"id": "study-hall", "kind": "fallback", "staff": ["a-1"], "capacity": 6, "space": "hall"},
        ],
        students,
    )


def _lp_bound_above_the_optimum() -> dict[str, Any]:
    """Optimum 1780 (the warm start is optimal), but the reported bound is 1780.00015: the barrier LP
    without crossover overshoots by its tolerance, and the engine reports it unrounded and unclamped."""
    students = [
        {"id": "s-1", "grade": 6, "choices": ["c-1"], "unavailable": ["mon"], "avoid": ["s-2"]},
        {"id": "s-2", "grade": 7, "choices": ["c-2"]},
        *({"id": f"s-{i}", "grade": 6, "choices": [c]} for i, c in enumerate(["c-2", "c-1", "c-2", "c-2"], start=3)),
        *({"id": f"s-{i}", "grade": 6, "choices": ["c-1"]} for i in (7, 8)),
    ]
    return _school(
        ["mon", "tue"],
        [
            {"id": "hall", "capacity": 8},
            {"id": "room-1", "capacity": 2, "features": ["lab"]},
            {"id": "room-2", "capacity": 2},
        ],
        [{"id": "t-1"}, {"id": "a-1"}],
        [
            {
                "id": "c-1",
                "staff": ["t-1"],
                "capacity": 2,
                "runs": {"max": 1},
                "allowed_blocks": ["mon"],
                "grades": [6],
            },
            {
                "id": "c-2",
                "staff": ["t-1"],
                "capacity": 2,
                "runs": {"max": 2},
                "needs_features": ["lab"],
                "grades": [6, 7],
            },
            {"id": "study-hall", "kind": "fallback", "staff": ["a-1"], "capacity": 8, "space": "hall"},
        ],
        students,
    )


@pytest.mark.parametrize(
    "school",
    [
        # Found by the property above: a feasible school answered "infeasible" with no conflicts
        # (the fallback pool ignored avoid pairs, so seating failed with one study hall).
        pytest.param(_avoid_pair_in_the_only_hall, id="avoid-pair-in-the-only-hall"),
        # Found by the property above: the LP bound came out a hair above the optimal objective.
        pytest.param(_lp_bound_above_the_optimum, id="lp-bound-above-the-optimum"),
    ],
)
def test_engine_on_shrunk_counterexamples(school: Callable[[], dict[str, Any]]) -> None:
    assert_engine_answer_holds(parse_problem(school()))
