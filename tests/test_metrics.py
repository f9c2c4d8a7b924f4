"""Metrics recomputed from plans: the spec's example, and tiny hand-made plans for each definition."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SPEC_EXAMPLES

from scheduler.domain.loading import load_plan, load_problem, parse_problem
from scheduler.domain.metrics import compute_metrics
from scheduler.domain.plan import Assignment, Metrics, Plan, Session, session_id
from scheduler.domain.problem import Problem

EXAMPLES = SPEC_EXAMPLES
BLOCKS = ("mon", "tue", "wed")

Data = dict[str, Any]


def test_example_plan_metrics_match_the_reported_ones() -> None:
    problem = load_problem(EXAMPLES / "small-school.json")
    plan = load_plan(EXAMPLES / "small-school.plan.json")
    assert compute_metrics(problem, plan) == plan.metrics


# ---- a tiny school -----------------------------------------------------------------------------
def tiny_problem(students: list[Data], **extra: Any) -> Problem:
    """Three blocks; choices a, b, c (r is repeatable), intervention i, fallback f; one teacher t."""
    offerings: list[Data] = [{"id": o, "staff": ["t"], "capacity": 30} for o in ("a", "b", "c")]
    offerings += [
        {"id": "r", "staff": ["t"], "capacity": 30, "repeatable": True},
        {"id": "i", "kind": "intervention", "staff": ["t"], "capacity": 30},
        {"id": "f", "kind": "fallback", "staff": ["t"], "capacity": 30},
    ]
    data = {
        "format": "flexblock/v1",
        "school": {"id": "tiny", "timezone": "America/Chicago"},
        "blocks": [
            {"id": b, "date": day, "start": "10:00", "end": "10:45"}
            for b, day in zip(BLOCKS, ("2026-11-30", "2026-12-01", "2026-12-02"), strict=True)
        ],
        "spaces": [{"id": "room", "capacity": 30}],
        "staff": [{"id": "t"}],
        "offerings": offerings,
        "students": [{"grade": 7, **s} for s in students],
        **extra,
    }
    return parse_problem(data)


def tiny_plan(placed: dict[str, dict[str, str]], status: str = "feasible") -> Plan:
    """A plan from student -> block -> offering; metrics read only the session rosters."""
    rosters: dict[tuple[str, str], list[str]] = {}
    for student, blocks in placed.items():
        for block, offering in blocks.items():
            rosters.setdefault((offering, block), []).append(student)
    sessions = [
        Session(id=session_id(o, b), offering=o, block=b, space="room", staff=["t"], students=students)
        for (o, b), students in rosters.items()
    ]
    assignments = [
        Assignment(student=s, block=b, session=session_id(o, b), reason="?")
        for s, blocks in placed.items()
        for b, o in blocks.items()
    ]
    return Plan(school="tiny", status=status, sessions=sessions, assignments=assignments)  # type: ignore[arg-type]


def week(mon: str, tue: str, wed: str) -> dict[str, str]:
    return {"mon": mon, "tue": tue, "wed": wed}


# ---- choices -----------------------------------------------------------------------------------
def test_first_choice_fill_and_fallback() -> None:
    problem = tiny_problem([{"id": "s1", "choices": ["a", "b"]}, {"id": "s2", "choices": ["a", "b"]}])
    plan = tiny_plan({"s1": week("a", "b", "f"), "s2": week("b", "f", "f")})
    m = compute_metrics(problem, plan)
    assert m.students == 2
    assert m.first_choice_rate == 0.5
    assert m.choice_fill_rate == pytest.approx(3 / 6)
    assert m.fallback_slots == 3
    assert m.students_without_choice == 0
    assert m.min_choice_share == pytest.approx(1 / 3)


def test_student_without_any_choice() -> None:
    problem = tiny_problem([{"id": "s1", "choices": ["a"]}, {"id": "s2", "choices": ["a", "b"]}])
    plan = tiny_plan({"s1": week("f", "f", "f"), "s2": week("a", "f", "f")})
    m = compute_metrics(problem, plan)
    assert m.students_without_choice == 1
    assert m.min_choice_share == 0.0
    assert m.fallback_slots == 5


def test_lock_on_first_choice_counts_as_that_choice() -> None:
    problem = tiny_problem(
        [{"id": "s1", "choices": ["a", "b"]}], locks=[{"student": "s1", "block": "mon", "offering": "a"}]
    )
    m = compute_metrics(problem, tiny_plan({"s1": week("a", "b", "f")}))
    assert m.first_choice_rate == 1.0
    assert m.choice_fill_rate == pytest.approx(2 / 3)  # the locked slot is still a free slot, filled by choice 1


def test_lock_on_another_offering_takes_the_slot() -> None:
    problem = tiny_problem(
        [{"id": "s1", "choices": ["a", "b"]}], locks=[{"student": "s1", "block": "mon", "offering": "c"}]
    )
    m = compute_metrics(problem, tiny_plan({"s1": week("c", "a", "b")}))
    assert m.choice_fill_rate == 1.0
    assert m.min_choice_share == 1.0


def test_request_off_the_choices_takes_a_slot_only_when_met() -> None:
    requests = [{"id": "q", "staff": "t", "student": "s1", "offering": "c", "priority": "preferred"}]
    problem = tiny_problem([{"id": "s1", "choices": ["a", "b"]}], requests=requests)
    met = compute_metrics(problem, tiny_plan({"s1": week("c", "a", "b")}))
    assert (met.choice_fill_rate, met.request_coverage) == (1.0, 1.0)
    unmet = compute_metrics(problem, tiny_plan({"s1": week("f", "a", "b")}))
    assert unmet.choice_fill_rate == pytest.approx(2 / 3)
    assert unmet.request_coverage == 0.0


def test_request_on_first_choice_counts_as_first_choice() -> None:
    requests = [{"id": "q", "staff": "t", "student": "s1", "offering": "a"}]
    problem = tiny_problem([{"id": "s1", "choices": ["a", "b"]}], requests=requests)
    m = compute_metrics(problem, tiny_plan({"s1": week("a", "f", "f")}))
    assert m.first_choice_rate == 1.0
    assert m.choice_fill_rate == pytest.approx(1 / 3)
    assert m.request_coverage == 1.0


def test_non_repeatable_choice_counts_once_repeatable_each_time() -> None:
    problem = tiny_problem([{"id": "s1", "choices": ["a"]}, {"id": "s2", "choices": ["r"]}])
    m = compute_metrics(problem, tiny_plan({"s1": week("a", "a", "f"), "s2": week("r", "r", "f")}))
    assert m.choice_fill_rate == pytest.approx(3 / 6)
    assert m.min_choice_share == pytest.approx(1 / 3)


def test_chosen_sessions_capped_at_free_slots() -> None:
    # The need takes two slots; the plan (wrongly) gives the choice in all three blocks.
    problem = tiny_problem([{"id": "s1", "choices": ["r"], "needs": [{"offering": "i", "sessions": 2}]}])
    m = compute_metrics(problem, tiny_plan({"s1": week("r", "r", "r")}))
    assert m.choice_fill_rate == 1.0
    assert m.min_choice_share == 1.0
    assert m.need_coverage == 0.0


def test_unavailable_blocks_are_not_free_slots() -> None:
    problem = tiny_problem([{"id": "s1", "choices": ["a", "b"], "unavailable": ["wed"]}])
    m = compute_metrics(problem, tiny_plan({"s1": week("a", "f", "b")}))  # wed is ignored: s1 is away
    assert m.choice_fill_rate == pytest.approx(1 / 2)


def test_students_without_choices_are_left_out_of_choice_figures() -> None:
    problem = tiny_problem([{"id": "s1"}, {"id": "s2", "choices": ["a"]}])
    m = compute_metrics(problem, tiny_plan({"s1": week("f", "f", "f"), "s2": week("a", "f", "f")}))
    assert m.first_choice_rate == 1.0
    assert m.students_without_choice == 0
    assert m.choice_fill_rate == pytest.approx(1 / 3)
    assert m.fallback_slots == 5


# ---- needs, requests, previous -----------------------------------------------------------------
def test_need_coverage_is_capped_per_need() -> None:
    students = [
        {"id": "s1", "needs": [{"offering": "i", "sessions": 1}]},
        {"id": "s2", "needs": [{"offering": "i", "sessions": 2}]},
    ]
    m = compute_metrics(tiny_problem(students), tiny_plan({"s1": week("i", "i", "f"), "s2": week("i", "f", "f")}))
    assert m.need_coverage == pytest.approx(2 / 3)


def test_kept_from_previous() -> None:
    previous = [
        {"student": "s1", "block": "mon", "offering": "a"},
        {"student": "s1", "block": "tue", "offering": "b"},
    ]
    problem = tiny_problem([{"id": "s1", "choices": ["a", "b"]}], previous=previous)
    assert compute_metrics(problem, tiny_plan({"s1": week("a", "f", "b")})).kept_from_previous == 0.5
    no_previous = tiny_problem([{"id": "s1", "choices": ["a", "b"]}])
    assert compute_metrics(no_previous, tiny_plan({"s1": week("a", "f", "b")})).kept_from_previous is None


def test_empty_denominators_give_one() -> None:
    m = compute_metrics(tiny_problem([]), tiny_plan({}))
    assert m == Metrics(
        students=0,
        first_choice_rate=1.0,
        choice_fill_rate=1.0,
        fallback_slots=0,
        students_without_choice=0,
        min_choice_share=1.0,
        need_coverage=1.0,
        request_coverage=1.0,
        kept_from_previous=None,
    )


def test_student_whose_needs_fill_the_week_has_no_free_slot() -> None:
    problem = tiny_problem([{"id": "s1", "choices": ["a"], "needs": [{"offering": "i", "sessions": 3}]}])
    m = compute_metrics(problem, tiny_plan({"s1": week("i", "i", "i")}))
    assert (m.first_choice_rate, m.choice_fill_rate, m.min_choice_share, m.need_coverage) == (1.0, 1.0, 1.0, 1.0)


def test_session_without_students_counts_nowhere() -> None:
    problem = tiny_problem([{"id": "s1", "choices": ["a"]}])
    plan = tiny_plan({"s1": week("a", "b", "f")})
    plan.sessions.append(Session(id="f@mon", offering="f", block="mon", space="room", staff=["t"], students=[]))
    assert compute_metrics(problem, plan).fallback_slots == 1


def test_infeasible_plan_metrics_are_those_of_an_empty_schedule() -> None:
    problem = tiny_problem(
        [{"id": "s1", "choices": ["a"], "needs": [{"offering": "i", "sessions": 1}]}],
        requests=[{"id": "q", "staff": "t", "student": "s1", "offering": "b"}],
    )
    m = compute_metrics(problem, tiny_plan({}, status="infeasible"))
    assert (m.first_choice_rate, m.choice_fill_rate, m.min_choice_share) == (0.0, 0.0, 0.0)
    assert (m.need_coverage, m.request_coverage, m.students_without_choice) == (0.0, 0.0, 1)
