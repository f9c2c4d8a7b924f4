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

from scheduler.domain.checker import check_plan
from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import load_problem, parse_problem
from scheduler.domain.plan import Conflict
from scheduler.domain.rules import Rule
from scheduler.solver.explain import explain, explain_infeasibility, find_core, run_prechecks
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


def test_feasible_is_said_only_with_a_plan_the_checker_accepts() -> None:
    problem = parse_problem(school())
    found = explain(problem, time_limit=10)
    assert (found.status, found.source, found.conflicts) == ("feasible", "plan", [])
    assert found.plan is not None and found.plan.assignments
    assert check_plan(problem, found.plan) == []


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
    assert found.kind == Rule.ALLOWED_OFFERING  # what they may attend falls short, not the rooms or staff
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
    assert found.kind == Rule.ONE_SESSION_PER_BLOCK
    assert found.message.startswith("4 students (s1, s2, s3 and s4) have nowhere to go in block fri")
    names(found, "blocks/fri", "students/s1", "students/s4")


def test_block_with_fewer_seats_than_students() -> None:
    """Every offering seats one, so a block seats at most three (reading has nobody who may attend)."""
    data = school()
    for o in data["offerings"]:
        o["capacity"] = 1
    found = pc.check_block_seats(reach_of(data))
    assert len(found) == len(BLOCKS)
    assert found[0].kind == Rule.SPACE
    assert "block mon has 4 students to place, but its 4 free rooms can seat at most 3 of them" in found[0].message
    names(found[0], "blocks/mon")


def test_block_whose_free_rooms_seat_fewer_than_its_students() -> None:
    """Closing rooms: the room capacities left in tue add up to fewer seats than students present."""
    data = school()
    data["spaces"][0]["unavailable"] = ["tue"]  # room-a
    data["reservations"] = [{"id": "r-1", "block": "tue", "space": "room-b"}]
    data["spaces"][2]["capacity"] = 2  # hall
    data["spaces"][3]["capacity"] = 1  # small-1
    found = only(pc.check_block_seats(reach_of(data)))
    assert found.kind == Rule.SPACE
    assert found.message == (
        "block tue has 4 students to place, but its 2 free rooms seat 3 in all; "
        "closed there: room-a unavailable and room-b reserved"
    )
    names(found, "blocks/tue", "spaces/room-a", "spaces/room-b")


def test_block_whose_rooms_are_big_but_sessions_few() -> None:
    """Rooms seat 80, but only two offerings of 2 seats each and a 3-seat study hall can run: 7 < 8.

    The seats bound is the best assignment of sessions to rooms (each offering once, each room once,
    seats = the smaller capacity), not the rooms' total.
    """
    data = school()
    data["students"] += [{"id": f"x{i}", "grade": 7, "choices": ["art", "coding"]} for i in range(4)]
    for o in data["offerings"]:
        o["capacity"] = {"art": 2, "coding": 2, "study": 3}.get(o["id"], o["capacity"])
    reach = reach_of(data)
    found = pc.check_block_seats(reach)
    assert len(found) == len(BLOCKS)
    assert found[0].kind == Rule.SPACE
    assert found[0].message.startswith("block mon has 8 students to place, but its 4 free rooms can seat at most 7")


def test_block_with_too_few_free_staff() -> None:
    """Art and coding are led by one teacher, who leads one session a block: 2 + 3 = 5 seats for 6 students."""
    data = school()
    data["students"] += [{"id": f"x{i}", "grade": 7, "choices": ["art", "coding"]} for i in range(2)]
    offering(data, "coding")["staff"] = ["t-a"]
    for o in data["offerings"]:
        o["capacity"] = {"art": 2, "coding": 2, "study": 3}.get(o["id"], o["capacity"])
    found = pc.check_block_seats(reach_of(data))
    assert len(found) == len(BLOCKS)
    assert found[0].kind == Rule.STAFF
    assert found[0].message.startswith("block mon has 6 students to place, but at most 5 seats")
    names(found[0], "blocks/mon")


def test_block_whose_absent_teachers_leave_too_few_seats() -> None:
    """With t-a away on wed, only coding (2) and the study hall (3) can run: 5 seats for 6 students."""
    data = school()
    data["students"] += [{"id": f"x{i}", "grade": 7, "choices": ["art", "coding"]} for i in range(2)]
    staff(data, "t-a")["unavailable"] = ["wed"]
    for o in data["offerings"]:
        o["capacity"] = {"art": 2, "coding": 2, "study": 3}.get(o["id"], o["capacity"])
    found = only(pc.check_block_seats(reach_of(data)))
    assert found.kind == Rule.STAFF
    assert "away or holding a reservation there: t-a" in found.message
    names(found, "blocks/wed", "staff/t-a")


def test_grade_with_fewer_seats_than_its_students() -> None:
    """Grade 6 may only attend the study hall (art and coding are for grade 7): 2 seats for 3 students."""
    data = school()
    data["students"] += [{"id": f"g6-{i}", "grade": 6} for i in range(3)]
    offering(data, "study")["capacity"] = 2
    for o in ("art", "coding"):
        offering(data, o)["grades"] = [7]
    found = pc.check_block_seats(reach_of(data))
    assert len(found) == len(BLOCKS)
    assert found[0].kind == Rule.SPACE
    assert found[0].message.startswith("block mon has 3 grade-6 students to place, but its 4 free rooms")
    assert "open to grade 6" in found[0].message


def test_locked_sessions_need_more_rooms_than_fit() -> None:
    """Two offerings that need the one small-group room are both locked into mon."""
    data = school()
    data["offerings"].append(
        {"id": "math", "kind": "intervention", "staff": ["t-b"], "capacity": 6, "needs_features": ["small-group"]}
    )
    need(data, "s1", "reading", 1)
    need(data, "s2", "math", 1)
    data["locks"] = [
        {"student": "s1", "block": "mon", "offering": "reading"},
        {"student": "s2", "block": "mon", "offering": "math"},
    ]
    found = only(pc.check_locks_together(reach_of(data)))
    assert found.kind == Rule.SPACE
    assert found.message == (
        "locks in block mon need 2 sessions (math for s2 and reading for s1), each in its own room, "
        "but only 1 free room there fits them (small-1)"
    )
    names(found, "blocks/mon", "offerings/math", "offerings/reading", "spaces/small-1", "students/s1")


def test_needs_use_more_of_a_resource_than_the_week_has() -> None:
    """Reading uses a VR kit per student; 3 students need 3 sessions each (9 kits), 1 kit a block x 5."""
    data = school()
    data["resources"].append({"id": "vr", "quantity": 1})
    offering(data, "reading")["resources"] = [{"resource": "vr", "per_student": 1}]
    for s in ("s1", "s2", "s3"):
        need(data, s, "reading", 3)
    found = only(run_prechecks(parse_problem(data)))
    assert found.kind == Rule.RESOURCES
    assert found.message.startswith("students must attend sessions of reading that use at least 9 vr this week")
    names(found, "resources/vr", "offerings/reading", "students/s1", "students/s3")


def test_students_who_can_only_attend_sessions_using_a_resource() -> None:
    """Without a study hall, everything open to the four students uses a cart each; tue has 3 free."""
    data = school()
    data["offerings"] = [o for o in data["offerings"] if o["id"] != "study"]
    data["offerings"].append({"id": "lab", "staff": ["t-study"], "capacity": 20})
    for o in ("art", "coding", "lab"):
        offering(data, o)["resources"] = [{"resource": "cart", "per_student": 1}]
    for s in data["students"]:
        s["choices"] = ["art", "coding", "lab"]
    data["students"] = data["students"][:4]
    data["blocks"] = data["blocks"][:3]
    data["reservations"] = [{"id": "r-1", "block": "tue", "resources": {"cart": 7}}]
    found = only(pc.check_block_resource_students(reach_of(data)))
    assert found.kind == Rule.RESOURCES
    assert found.message == (
        "in block tue, 4 students (s1, s2, s3 and s4) can only attend sessions that use cart "
        "(art, coding and lab), 4 cart in all, but only 3 of 10 are free there"
    )
    names(found, "resources/cart", "blocks/tue", "offerings/lab", "students/s4")


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


def test_a_confirmed_core_is_told_as_infeasible_and_minimal() -> None:
    found = explain(parse_problem(avoid_school()), time_limit=10)
    assert (found.status, found.source, found.minimal) == ("infeasible", "core", True)
    assert found.plan is None and len(found.conflicts) == 3


def test_core_is_minimal() -> None:
    core = find_core(ProblemIndex(parse_problem(avoid_school())), time_limit=10)
    assert core is not None and core.minimal
    assert sorted(g.group for g in core.guards) == ["avoid", "needs_met", "needs_met"]
    assert {g.rule for g in core.guards} == {Rule.AVOID, Rule.NEEDS_MET}


def test_lock_and_request_needing_one_teacher_twice_is_caught_by_the_staff_precheck() -> None:
    """s1 is locked into art on mon; s2, free only on mon, is required in help: t-a leads both."""
    data = school()
    data["offerings"].append({"id": "help", "staff": ["t-a"], "capacity": 10})
    data["locks"] = [{"student": "s1", "block": "mon", "offering": "art"}]
    data["requests"] = [{"id": "q-1", "staff": "t-a", "student": "s2", "offering": "help"}]
    student(data, "s2")["unavailable"] = ["tue", "wed", "thu", "fri"]
    found = only(run_prechecks(parse_problem(data)))
    assert found.kind == Rule.STAFF
    assert found.message == (
        "t-a must lead at least 2 sessions this week (art 1 and help 1), one per block, but these can be held in "
        "only 1 block (mon): locks put art in mon; help: no student who may attend it is free (tue, wed, thu and fri)"
    )
    names(found, "staff/t-a", "students/s1", "students/s2", "offerings/art", "offerings/help", "blocks/mon")


def test_staff_whose_forced_sessions_exceed_max_sessions() -> None:
    data = school()
    data["offerings"].append(
        {"id": "math", "kind": "intervention", "staff": ["t-ng"], "capacity": 6, "needs_features": ["small-group"]}
    )
    staff(data, "t-ng")["max_sessions"] = 4
    need(data, "s1", "reading", 2)
    need(data, "s2", "math", 3)
    found = only(pc.check_staff_load(reach_of(data)))
    assert found.message == (
        "t-ng must lead at least 5 sessions this week (reading 2 and math 3), but they lead at most 4 sessions a week"
    )
    names(found, "staff/t-ng", "offerings/reading", "offerings/math", "students/s1", "students/s2")


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
