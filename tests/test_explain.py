"""Infeasibility explanations: each precheck fires on a school made to break it, feasible schools give
nothing, and what the prechecks cannot see is explained by a minimal CP-SAT core.

Every problem here is a tiny hand-made school (four students, five blocks) built as a dict, so each
test states the one fact it breaks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SPEC_EXAMPLES

from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import load_problem, parse_problem
from scheduler.domain.plan import Conflict
from scheduler.domain.rules import Rule
from scheduler.solver.explain import explain_infeasibility, find_core, run_prechecks
from scheduler.solver.explain import prechecks as pc
from scheduler.solver.explain.matching import hall_violation
from scheduler.solver.explain.reach import Reach

EXAMPLES = SPEC_EXAMPLES
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BLOCKS = ("mon", "tue", "wed", "thu", "fri")

Data = dict[str, Any]


def school() -> Data:
    """A feasible school: two choices, a study hall for everyone, an intervention nobody needs yet."""
    return {
        "format": "flexblock/v1",
        "school": {"id": "test-ms", "timezone": "America/Chicago"},
        "blocks": [
            {"id": b, "date": f"2026-12-0{i}" if i else "2026-11-30", "start": "10:00", "end": "10:45"}
            for i, b in enumerate(BLOCKS)
        ],
        "spaces": [
            {"id": "room-a", "capacity": 20},
            {"id": "room-b", "capacity": 20},
            {"id": "hall", "capacity": 30},
            {"id": "small-1", "capacity": 6, "features": ["small-group"]},
        ],
        "resources": [{"id": "cart", "quantity": 10}],
        "staff": [{"id": t} for t in ("t-a", "t-b", "t-ng", "t-study")],
        "offerings": [
            {"id": "art", "staff": ["t-a"], "capacity": 20},
            {"id": "coding", "staff": ["t-b"], "capacity": 20},
            {"id": "study", "kind": "fallback", "staff": ["t-study"], "capacity": 30},
            {
                "id": "reading",
                "kind": "intervention",
                "staff": ["t-ng"],
                "capacity": 6,
                "needs_features": ["small-group"],
            },
        ],
        "students": [{"id": f"s{i}", "grade": 7, "choices": ["art", "coding"]} for i in range(1, 5)],
    }


def offering(data: Data, offering_id: str) -> Data:
    return next(o for o in data["offerings"] if o["id"] == offering_id)


def student(data: Data, student_id: str) -> Data:
    return next(s for s in data["students"] if s["id"] == student_id)


def staff(data: Data, staff_id: str) -> Data:
    return next(t for t in data["staff"] if t["id"] == staff_id)


def reach_of(data: Data) -> Reach:
    return Reach(ProblemIndex(parse_problem(data)))


def only(conflicts: list[Conflict]) -> Conflict:
    assert len(conflicts) == 1, [c.message for c in conflicts]
    return conflicts[0]


def names(found: Conflict, *refs: str) -> None:
    missing = [r for r in refs if r not in found.entities]
    assert not missing, (missing, found)


# ---- feasible schools ----------------------------------------------------------------------------
def test_feasible_school_has_no_conflicts() -> None:
    assert explain_infeasibility(parse_problem(school()), time_limit=10) == []


def test_spec_example_has_no_conflicts() -> None:
    problem = load_problem(EXAMPLES / "small-school.json")
    assert run_prechecks(problem) == []
    assert explain_infeasibility(problem, time_limit=15) == []


# ---- reservations and locks ----------------------------------------------------------------------
def test_reservations_above_quantity() -> None:
    data = school()
    data["reservations"] = [
        {"id": "r-1", "block": "mon", "resources": {"cart": 6}},
        {"id": "r-2", "block": "mon", "resources": {"cart": 6}},
    ]
    found = only(pc.check_reserved_resources(reach_of(data)))
    assert found.kind == Rule.RESOURCES
    names(found, "resources/cart", "blocks/mon")


def test_lock_where_teacher_is_away() -> None:
    data = school()
    staff(data, "t-a")["unavailable"] = ["mon"]
    data["locks"] = [{"student": "s1", "block": "mon", "offering": "art"}]
    found = only(pc.check_locks_can_run(reach_of(data)))
    assert found.kind == Rule.LOCKS_AND_REQUESTS
    assert "t-a is unavailable" in found.message
    names(found, "students/s1", "offerings/art", "blocks/mon", "staff/t-a")


def test_locked_students_who_avoid_each_other() -> None:
    data = school()
    student(data, "s1")["avoid"] = ["s2"]
    data["locks"] = [{"student": s, "block": "mon", "offering": "art"} for s in ("s1", "s2")]
    found = only(pc.check_locks_together(reach_of(data)))
    assert found.kind == Rule.AVOID
    names(found, "students/s1", "students/s2", "offerings/art")


def test_more_locked_students_than_seats() -> None:
    data = school()
    offering(data, "art")["capacity"] = 1
    data["locks"] = [{"student": s, "block": "mon", "offering": "art"} for s in ("s1", "s2")]
    found = only(pc.check_locks_together(reach_of(data)))
    assert found.kind == Rule.SPACE
    names(found, "offerings/art", "students/s1", "students/s2")


def test_locks_make_a_teacher_lead_two_sessions_at_once() -> None:
    data = school()
    data["offerings"].append({"id": "clay", "staff": ["t-a"], "capacity": 10})
    student(data, "s2")["choices"] = ["clay", "coding"]
    data["locks"] = [
        {"student": "s1", "block": "mon", "offering": "art"},
        {"student": "s2", "block": "mon", "offering": "clay"},
    ]
    found = only(pc.check_locks_together(reach_of(data)))
    assert found.kind == Rule.STAFF
    names(found, "staff/t-a", "offerings/art", "offerings/clay", "blocks/mon")


def test_locked_twice_into_a_non_repeatable_offering() -> None:
    data = school()
    data["locks"] = [{"student": "s1", "block": b, "offering": "art"} for b in ("mon", "tue")]
    found = only(pc.check_lock_counts(reach_of(data)))
    assert found.kind == Rule.NOT_REPEATED
    names(found, "students/s1", "offerings/art")


def test_locks_above_runs_max() -> None:
    data = school()
    offering(data, "art")["runs"] = {"max": 1}
    data["locks"] = [
        {"student": "s1", "block": "mon", "offering": "art"},
        {"student": "s2", "block": "tue", "offering": "art"},
    ]
    found = only(pc.check_lock_counts(reach_of(data)))
    assert found.kind == Rule.OFFERING_RUNS
    names(found, "offerings/art")


def test_locked_sessions_need_more_resources_than_the_school_has() -> None:
    data = school()
    data["resources"] = [{"id": "cart", "quantity": 1}]
    offering(data, "art")["resources"] = [{"resource": "cart", "per_student": 1}]
    data["locks"] = [{"student": s, "block": "mon", "offering": "art"} for s in ("s1", "s2")]
    found = only(pc.check_locked_resources(reach_of(data)))
    assert found.kind == Rule.RESOURCES
    names(found, "resources/cart", "blocks/mon", "offerings/art")


# ---- offerings that must run ---------------------------------------------------------------------
def test_runs_min_above_allowed_blocks() -> None:
    data = school()
    offering(data, "art").update(runs={"min": 3}, allowed_blocks=["mon", "tue"])
    found = only(pc.check_runs_min(reach_of(data)))
    assert found.kind == Rule.OFFERING_RUNS
    assert "may only run in 2 blocks" in found.message
    names(found, "offerings/art")


def test_runs_min_needs_more_students_than_may_attend() -> None:
    data = school()
    offering(data, "art").update(runs={"min": 3}, min_students=2)
    found = only(pc.check_runs_min(reach_of(data)))
    assert "only 4 students may attend it, each once" in found.message


def need(data: Data, student_id: str, offering_id: str, sessions: int) -> None:
    student(data, student_id).setdefault("needs", []).append({"offering": offering_id, "sessions": sessions})


def test_need_above_interventionist_availability() -> None:
    data = school()
    need(data, "s1", "reading", 3)
    staff(data, "t-ng")["unavailable"] = ["tue", "wed", "thu"]
    found = only(pc.check_needs_reach(reach_of(data)))
    assert found.kind == Rule.NEEDS_MET
    assert found.message == (
        "s1 needs 3 sessions of reading, but its only interventionist t-ng is available in 2 blocks (mon and fri)"
    )
    names(found, "students/s1", "offerings/reading", "staff/t-ng")


@pytest.mark.parametrize(
    ("change", "words", "ref"),
    [
        ({"needs_features": ["lab"]}, "no room has lab", "offerings/reading"),
        ({"space": "room-a"}, "its room room-a lacks small-group", "spaces/room-a"),
        ({"min_students": 8, "capacity": 10}, "seats 6, below its minimum of 8", "spaces/small-1"),
        ({"resources": [{"resource": "cart", "per_session": 12}]}, "needs 12 cart", "resources/cart"),
    ],
)
def test_need_of_an_offering_that_cannot_run(change: Data, words: str, ref: str) -> None:
    data = school()
    need(data, "s1", "reading", 1)
    offering(data, "reading").update(change)
    found = only(pc.check_needs_reach(reach_of(data)))
    assert words in found.message
    names(found, "students/s1", "offerings/reading", ref)


def test_need_of_an_offering_whose_fixed_room_is_never_free() -> None:
    data = school()
    need(data, "s1", "reading", 1)
    offering(data, "reading")["space"] = "small-1"
    data["spaces"][3]["unavailable"] = list(BLOCKS)
    found = only(pc.check_needs_reach(reach_of(data)))
    assert "its room small-1 is unavailable" in found.message
    names(found, "spaces/small-1")


def test_required_request_of_a_teacher_who_leads_nothing() -> None:
    data = school()
    staff(data, "t-a")["max_sessions"] = 0
    data["requests"] = [{"id": "q-1", "staff": "t-a", "student": "s1", "offering": "art"}]
    found = only(pc.check_requests_reach(reach_of(data)))
    assert found.kind == Rule.LOCKS_AND_REQUESTS
    names(found, "students/s1", "offerings/art", "staff/t-a")


def test_needs_on_one_offering_above_its_seats() -> None:
    data = school()
    offering(data, "reading")["capacity"] = 2
    staff(data, "t-ng")["unavailable"] = ["thu", "fri"]
    for s in ("s1", "s2", "s3"):
        need(data, s, "reading", 3)
    reach = reach_of(data)
    assert pc.check_needs_reach(reach) == []
    found = only(pc.check_offering_seats(reach))
    assert found.kind == Rule.NEEDS_MET
    assert "students must take 9 seats in reading" in found.message
    names(found, "offerings/reading", "staff/t-ng", "students/s1", "students/s3")


def test_interventionist_with_more_sessions_than_blocks() -> None:
    data = school()
    data["offerings"].append(
        {"id": "math", "kind": "intervention", "staff": ["t-ng"], "capacity": 6, "needs_features": ["small-group"]}
    )
    staff(data, "t-ng")["unavailable"] = ["fri"]
    need(data, "s1", "reading", 3)
    need(data, "s2", "math", 3)
    found = only(pc.check_staff_load(reach_of(data)))
    assert found.kind == Rule.STAFF
    assert "t-ng must lead at least 6 sessions" in found.message
    names(found, "staff/t-ng", "offerings/reading", "offerings/math")


# ---- students ----------------------------------------------------------------------------------
def test_student_needs_more_sessions_than_free_blocks() -> None:
    data = school()
    data["offerings"].append({"id": "math", "kind": "intervention", "staff": ["t-b"], "capacity": 6})
    need(data, "s1", "reading", 2)
    need(data, "s1", "math", 2)
    student(data, "s1")["unavailable"] = ["wed", "thu", "fri"]
    reach = reach_of(data)
    assert pc.check_needs_reach(reach) == []
    found = only(pc.check_student_load(reach))
    assert found.kind == Rule.NEEDS_MET
    assert "s1 must attend 4 sessions" in found.message
    names(found, "students/s1", "offerings/reading", "offerings/math")


def test_student_locked_into_a_choice_and_needing_every_block() -> None:
    data = school()
    need(data, "s1", "reading", 5)
    data["locks"] = [{"student": "s1", "block": "mon", "offering": "art"}]
    found = only(run_prechecks(parse_problem(data)))
    assert found.message == "s1 needs 5 sessions of reading, but s1 is locked into art in mon"
    names(found, "students/s1", "offerings/reading", "offerings/art")


def test_students_without_fallback_run_out_of_choices() -> None:
    data = school()
    data["offerings"] = [o for o in data["offerings"] if o["id"] != "study"]
    found = only(pc.check_student_blocks(reach_of(data)))
    assert found.kind == Rule.ONE_SESSION_PER_BLOCK
    assert found.message == (
        "4 students (s1, s2, s3 and s4) must have a session in each of mon, tue and wed, but can attend there only "
        "art (once: not repeatable) and coding (once: not repeatable), and no fallback offering is open to grade 7"
    )
    names(found, "students/s1", "students/s4", "offerings/art", "offerings/coding", "blocks/wed")


def test_students_with_nowhere_to_go_in_a_block() -> None:
    data = school()
    for t in ("t-a", "t-b", "t-study"):
        staff(data, t)["unavailable"] = ["fri"]
    found = only(pc.check_student_blocks(reach_of(data)))
    assert found.message.startswith("4 students (s1, s2, s3 and s4) have nowhere to go in block fri")
    names(found, "blocks/fri", "students/s1", "students/s4")


def test_block_with_fewer_seats_than_students() -> None:
    data = school()
    for o in data["offerings"]:
        o["capacity"] = 1
    found = pc.check_block_seats(reach_of(data))
    assert len(found) == len(BLOCKS)
    assert found[0].kind == Rule.SPACE
    assert "block mon has 4 students to place, but at most 3 seats" in found[0].message
    names(found[0], "blocks/mon")


def test_hall_violation_names_the_crowded_items() -> None:
    found = hall_violation(["a", "b", "c"], {"a": ["x"], "b": ["x"], "c": ["y"]})
    assert found is not None
    assert set(found.items) == {"a", "b"}
    assert found.slots == ("x",)
    assert hall_violation(["a", "b"], {"a": ["x", "y"], "b": ["x"]}) is None


# ---- the CP-SAT core -------------------------------------------------------------------------------
def avoid_school() -> Data:
    """Two students who avoid each other both need the one session reading can ever hold."""
    data = school()
    staff(data, "t-ng")["unavailable"] = ["tue", "wed", "thu", "fri"]
    need(data, "s1", "reading", 1)
    need(data, "s2", "reading", 1)
    student(data, "s1")["avoid"] = ["s2"]
    return data


def test_avoid_pair_sharing_the_only_session_is_explained_by_the_core() -> None:
    problem = parse_problem(avoid_school())
    assert run_prechecks(problem) == []
    found = explain_infeasibility(problem, time_limit=10)
    assert {c.kind for c in found} == {Rule.NEEDS_MET, Rule.AVOID}
    assert len(found) == 3
    entities = {e for c in found for e in c.entities}
    assert {"students/s1", "students/s2", "offerings/reading", "staff/t-ng"} <= entities
    assert any("reading can run only in mon" in c.message for c in found)


def test_core_is_minimal() -> None:
    core = find_core(ProblemIndex(parse_problem(avoid_school())), time_limit=10)
    assert core is not None and core.minimal
    assert sorted(g.group for g in core.guards) == ["avoid", "need", "need"]


def test_lock_and_request_needing_one_teacher_twice_is_explained_by_the_core() -> None:
    data = school()
    data["offerings"].append({"id": "help", "staff": ["t-a"], "capacity": 10})
    data["locks"] = [{"student": "s1", "block": "mon", "offering": "art"}]
    data["requests"] = [{"id": "q-1", "staff": "t-a", "student": "s2", "offering": "help"}]
    student(data, "s2")["unavailable"] = ["tue", "wed", "thu", "fri"]
    problem = parse_problem(data)
    assert run_prechecks(problem) == []
    found = explain_infeasibility(problem, time_limit=10)
    assert {c.kind for c in found} == {Rule.LOCKS_AND_REQUESTS, Rule.STAFF}
    entities = {e for c in found for e in c.entities}
    assert {"students/s1", "students/s2", "offerings/art", "offerings/help", "staff/t-a"} <= entities


def test_feasible_after_removing_the_conflict() -> None:
    data = avoid_school()
    del student(data, "s1")["avoid"]
    assert explain_infeasibility(parse_problem(data), time_limit=10) == []


# ---- fixtures ------------------------------------------------------------------------------------
@pytest.mark.skipif(not (FIXTURES / "infeasible-school.json").exists(), reason="fixture not written yet")
def test_infeasible_fixture_is_explained() -> None:
    problem = load_problem(FIXTURES / "infeasible-school.json")
    found = explain_infeasibility(problem, time_limit=10)
    entities = {e for c in found for e in c.entities}
    assert {"students/s-0001", "offerings/reading-t3", "staff/t-ng"} <= entities
    assert any("t-ng is available in 2 blocks" in c.message for c in found)


def test_conflicts_serialise_like_the_spec() -> None:
    found = explain_infeasibility(parse_problem(avoid_school()), time_limit=10)
    for item in found:
        data = json.loads(item.model_dump_json())
        assert set(data) == {"kind", "message", "entities"}
        assert all("/" in e for e in data["entities"])
