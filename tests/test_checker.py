"""The plan checker accepts the spec's example plan and catches hand-broken copies, rule by rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import SPEC_EXAMPLES

from scheduler.domain.checker import Violation, check_plan, format_violations
from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import parse_plan, parse_problem
from scheduler.domain.problem import Problem
from scheduler.domain.rules import Rule

EXAMPLES = SPEC_EXAMPLES

Data = dict[str, Any]


@pytest.fixture(scope="module")
def example_problem_data() -> Data:
    return json.loads((EXAMPLES / "small-school.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_plan_data() -> Data:
    return json.loads((EXAMPLES / "small-school.plan.json").read_text(encoding="utf-8"))


@pytest.fixture
def problem_data(example_problem_data: Data) -> Data:
    return copy.deepcopy(example_problem_data)


@pytest.fixture
def plan_data(example_plan_data: Data) -> Data:
    return copy.deepcopy(example_plan_data)


def check(problem_data: Data, plan_data: Data) -> list[Violation]:
    return check_plan(parse_problem(problem_data), parse_plan(plan_data))


def rules_of(violations: list[Violation]) -> set[Rule]:
    return {v.rule for v in violations}


def session(plan: Data, session_id: str) -> Data:
    return next(s for s in plan["sessions"] if s["id"] == session_id)


def assignment(plan: Data, student: str, block: str) -> Data:
    return next(a for a in plan["assignments"] if a["student"] == student and a["block"] == block)


def resync_resources(problem: Problem, plan: Data) -> None:
    """Recompute every session's resources from its roster, as a correct plan writer would."""
    index = ProblemIndex(problem)
    for s in plan["sessions"]:
        use = index.resource_use(index.offerings[s["offering"]], len(s["students"])) if s["students"] else {}
        s["resources"] = {k: v for k, v in use.items() if v}


def move(problem_data: Data, plan: Data, student: str, block: str, to: str, reason: str | None = None) -> None:
    """Move a student to session ``to`` in ``block``, keeping rosters, assignment and resources consistent."""
    for s in plan["sessions"]:
        if s["block"] == block and student in s["students"]:
            s["students"].remove(student)
    session(plan, to)["students"].append(student)
    a = assignment(plan, student, block)
    a["session"] = to
    if reason is not None:
        a["reason"] = reason
    resync_resources(parse_problem(problem_data), plan)


def add_to(plan: Data, student: str, block: str, to: str, reason: str = "fallback") -> None:
    """Place a student in one more session (and its assignment), leaving their other placements alone."""
    session(plan, to)["students"].append(student)
    plan["assignments"].append({"student": student, "block": block, "session": to, "reason": reason})


def assert_only(violations: list[Violation], rule: Rule) -> None:
    assert violations, "the broken plan passed the checker"
    assert rules_of(violations) == {rule}, format_violations(violations)


# ---- the example plan --------------------------------------------------------------------------
def test_example_plan_keeps_every_rule(problem_data: Data, plan_data: Data) -> None:
    violations = check(problem_data, plan_data)
    assert violations == [], format_violations(violations)


def test_unmet_preferred_request_is_not_a_violation(problem_data: Data, plan_data: Data) -> None:
    # q-2 (preferred) pulls s-0002 into school-ambassadors, which s-0002 attends on mon.
    move(problem_data, plan_data, "s-0002", "mon", "study-hall-gym@mon", reason="fallback")
    assert check(problem_data, plan_data) == []


# ---- rule 1 ------------------------------------------------------------------------------------
def test_two_sessions_in_one_block(problem_data: Data, plan_data: Data) -> None:
    add_to(plan_data, "s-0044", "tue", "study-hall-gym@tue")
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ONE_SESSION_PER_BLOCK)
    doubled = [v for v in violations if "s-0044 is in journalism@tue and study-hall-gym@tue" in v.message]
    assert len(doubled) == 1
    assert {"students/s-0044", "blocks/tue"} <= set(doubled[0].entities)


def test_student_missing_from_a_block(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "study-hall-gym@fri")["students"].remove("s-0034")
    plan_data["assignments"].remove(assignment(plan_data, "s-0034", "fri"))
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ONE_SESSION_PER_BLOCK)
    assert violations[0].message == "s-0034 has no session in block fri"


def test_student_placed_while_unavailable(problem_data: Data, plan_data: Data) -> None:
    add_to(plan_data, "s-0038", "mon", "study-hall-gym@mon")  # s-0038 is away on mon
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ONE_SESSION_PER_BLOCK)
    assert "unavailable in block mon" in violations[0].message


def test_assignment_without_roster_entry(problem_data: Data, plan_data: Data) -> None:
    plan_data["assignments"].remove(assignment(plan_data, "s-0034", "fri"))
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ONE_SESSION_PER_BLOCK)
    assert "no assignment" in violations[0].message


def test_assignment_to_unknown_session(problem_data: Data, plan_data: Data) -> None:
    assignment(plan_data, "s-0034", "fri")["session"] = "drama-club@fri"
    violations = check(problem_data, plan_data)
    assert Rule.ONE_SESSION_PER_BLOCK in rules_of(violations)
    assert any("no such session" in v.message for v in violations)


def test_duplicate_assignment(problem_data: Data, plan_data: Data) -> None:
    plan_data["assignments"].append(dict(assignment(plan_data, "s-0034", "fri")))
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ONE_SESSION_PER_BLOCK)
    assert violations[0].message == "s-0034 has 2 assignments in block fri"


# ---- rule 2 ------------------------------------------------------------------------------------
def test_offering_not_chosen(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0006", "tue", "school-ambassadors@tue")
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ALLOWED_OFFERING)
    assert any("not one of their choices" in v.message for v in violations)


def test_offering_outside_grades(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0041", "tue", "journalism@tue")  # grade 8; journalism is grade 7 only
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ALLOWED_OFFERING)
    assert any("not open to grade 8" in v.message for v in violations)


def test_untrue_reason(problem_data: Data, plan_data: Data) -> None:
    assignment(plan_data, "s-0034", "thu")["reason"] = "choice 1"  # choir is s-0034's second choice
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.ALLOWED_OFFERING)
    assert "'choice 1'" in violations[0].message


# ---- rule 3 ------------------------------------------------------------------------------------
def test_need_session_dropped(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0046", "mon", "study-hall-gym@mon", reason="fallback")
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.NEEDS_MET)
    assert violations[0].message == "s-0046 needs 3 sessions of reading-t3-1 but is placed in 2"


def test_need_met_too_often(problem_data: Data, plan_data: Data) -> None:
    s_0044 = next(s for s in problem_data["students"] if s["id"] == "s-0044")
    s_0044["needs"] = [{"offering": "math-t2-1", "sessions": 1}]  # the plan gives two (mon, thu)
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.NEEDS_MET)
    assert violations[0].message == "s-0044 needs 1 session of math-t2-1 but is placed in 2"


# ---- rule 4 ------------------------------------------------------------------------------------
def test_non_repeatable_offering_twice(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0008", "tue", "school-ambassadors@tue", reason="choice 3")
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.NOT_REPEATED)
    assert "s-0008 attends school-ambassadors 2 times (mon, tue)" in violations[0].message


def test_repeatable_offering_may_repeat(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0008", "tue", "school-ambassadors@tue", reason="choice 3")
    next(o for o in problem_data["offerings"] if o["id"] == "school-ambassadors")["repeatable"] = True
    assert check(problem_data, plan_data) == []


# ---- rule 5 ------------------------------------------------------------------------------------
def offering(problem_data: Data, offering_id: str) -> Data:
    return next(o for o in problem_data["offerings"] if o["id"] == offering_id)


def test_session_in_disallowed_block(problem_data: Data, plan_data: Data) -> None:
    offering(problem_data, "choir")["allowed_blocks"] = ["mon", "tue", "wed", "fri"]
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.OFFERING_RUNS)
    assert "choir runs in block thu" in violations[0].message


def test_runs_above_max(problem_data: Data, plan_data: Data) -> None:
    offering(problem_data, "choir")["runs"]["max"] = 1
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.OFFERING_RUNS)
    assert violations[0].message == "choir runs 2 times, but must run between 0 and 1 times"


def test_runs_below_min(problem_data: Data, plan_data: Data) -> None:
    offering(problem_data, "drama-club")["runs"]["min"] = 1
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.OFFERING_RUNS)
    assert "drama-club runs 0 times" in violations[0].message


def test_two_sessions_of_one_offering_in_a_block(problem_data: Data, plan_data: Data) -> None:
    extra = copy.deepcopy(session(plan_data, "study-hall-gym@fri"))
    extra.update(id="study-hall-gym@fri-2", space="library", students=["s-0034"])
    session(plan_data, "study-hall-gym@fri")["students"].remove("s-0034")
    assignment(plan_data, "s-0034", "fri")["session"] = "study-hall-gym@fri-2"
    plan_data["sessions"].append(extra)
    violations = check(problem_data, plan_data)
    assert Rule.OFFERING_RUNS in rules_of(violations)
    assert any("study-hall-gym has 2 sessions in block fri" in v.message for v in violations)


def test_empty_session_does_not_run(problem_data: Data, plan_data: Data) -> None:
    # A session without students uses nothing: not even a space, staff time or a run.
    plan_data["sessions"].append(
        {
            "id": "choir@mon",
            "offering": "choir",
            "block": "mon",
            "space": "gym",
            "staff": ["t-young"],
            "resources": {},
            "students": [],
        }
    )
    assert check(problem_data, plan_data) == []


# ---- rule 6 ------------------------------------------------------------------------------------
def test_two_sessions_in_one_space(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "school-ambassadors@tue")["space"] = "room-103"
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.SPACE)
    assert "room-103 hosts journalism@tue and school-ambassadors@tue" in violations[0].message


def test_session_in_reserved_space(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "health-careers@thu")["space"] = "lab-1"  # r-1 reserves lab-1 on thu
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.SPACE)
    assert violations[0].message == "health-careers@thu is in lab-1, which is reserved in block thu"


def test_session_in_unavailable_space(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "journalism@tue")["space"] = "room-104"  # room-104 is closed on tue
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.SPACE)
    assert "unavailable in block tue" in violations[0].message


def test_space_lacks_feature(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "robotics-studio@mon")["space"] = "room-102"
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.SPACE)
    assert "lacks makerspace" in violations[0].message


def test_fixed_space_ignored(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "study-hall-gym@mon")["space"] = "room-102"
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.SPACE)
    assert "must meet in gym" in violations[0].message


def test_session_without_space(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "study-hall-gym@mon")["space"] = None
    assert_only(check(problem_data, plan_data), Rule.SPACE)


def test_over_space_capacity(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "school-ambassadors@mon")["space"] = "sg-3"  # 20 students, 8 seats
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.SPACE)
    assert any("20 students, above its limit of 8" in v.message for v in violations)


def test_below_min_students(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0044", "tue", "study-hall-gym@tue", reason="fallback")  # journalism@tue: 4 -> 3
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.SPACE)
    assert "journalism@tue has 3 students, below journalism's minimum of 4" in violations[0].message


# ---- rule 7 ------------------------------------------------------------------------------------
def staff(problem_data: Data, staff_id: str) -> Data:
    return next(t for t in problem_data["staff"] if t["id"] == staff_id)


def test_staff_in_two_sessions_in_one_block(problem_data: Data, plan_data: Data) -> None:
    offering(problem_data, "journalism")["staff"] = ["t-young"]
    staff(problem_data, "t-young")["max_sessions"] = None
    for block in ("mon", "tue"):
        session(plan_data, f"journalism@{block}")["staff"] = ["t-young"]
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.STAFF)
    assert any("t-young leads journalism@mon and school-ambassadors@mon" in v.message for v in violations)


def test_staff_unavailable(problem_data: Data, plan_data: Data) -> None:
    staff(problem_data, "t-howard")["unavailable"] = ["mon"]
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.STAFF)
    assert violations[0].message == "t-howard leads study-hall-gym@mon but is unavailable in block mon"


def test_staff_holding_a_reservation(problem_data: Data, plan_data: Data) -> None:
    problem_data["reservations"].append({"id": "r-3", "staff": "t-young", "block": "thu"})
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.STAFF)
    assert "holds a reservation in block thu" in violations[0].message


def test_staff_over_max_sessions(problem_data: Data, plan_data: Data) -> None:
    staff(problem_data, "t-howard")["max_sessions"] = 4
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.STAFF)
    assert "t-howard leads 5 sessions this week, above their maximum of 4" in violations[0].message


def test_session_staff_differ_from_offering(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "robotics-studio@mon")["staff"] = ["t-nelson"]
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.STAFF)
    assert "robotics-studio is led by t-nelson, t-lewis" in violations[0].message


# ---- rule 8 ------------------------------------------------------------------------------------
def test_resource_exceeded_with_reservation(problem_data: Data, plan_data: Data) -> None:
    problem_data["reservations"].append({"id": "r-3", "block": "mon", "resources": {"3d-printers": 3}})
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.RESOURCES)
    assert violations[0].message == "block mon uses 4 3d-printers (3 of them reserved), but the school has 3"
    assert set(violations[0].entities) == {"resources/3d-printers", "blocks/mon"}


def test_resource_exceeded_by_sessions(problem_data: Data, plan_data: Data) -> None:
    next(r for r in problem_data["resources"] if r["id"] == "chromebooks")["quantity"] = 20
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.RESOURCES)
    assert "block wed uses 21 chromebooks" in violations[0].message


def test_session_resources_misreported(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "journalism@mon")["resources"] = {"chromebooks": 7}
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.RESOURCES)
    assert violations[0].message == "journalism@mon lists chromebooks 7 but uses chromebooks 8"


# ---- rule 9 ------------------------------------------------------------------------------------
def test_avoiding_students_together(problem_data: Data, plan_data: Data) -> None:
    # Only one side lists the other: that is enough.
    gym_fri = session(plan_data, "study-hall-gym@fri")["students"]
    first, second = gym_fri[0], gym_fri[1]
    next(s for s in problem_data["students"] if s["id"] == second)["avoid"] = [first]
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.AVOID)
    assert any(v.message.endswith("are both in study-hall-gym@fri") for v in violations)  # and every other one
    assert all({f"students/{first}", f"students/{second}"} <= set(v.entities) for v in violations)


def test_avoid_pair_from_example_is_kept_apart(problem_data: Data, plan_data: Data) -> None:
    # s-0005 avoids s-0041; put them together in robotics-studio@mon.
    move(problem_data, plan_data, "s-0005", "mon", "robotics-studio@mon", reason="choice 6")
    violations = check(problem_data, plan_data)
    assert Rule.AVOID in rules_of(violations)


# ---- rule 10 -----------------------------------------------------------------------------------
def test_lock_broken(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0039", "mon", "study-hall-gym@mon", reason="fallback")
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.LOCKS_AND_REQUESTS)
    assert violations[0].message == (
        "s-0039 is locked into robotics-studio in block mon but is in study-hall-gym there"
    )


def test_required_request_unmet(problem_data: Data, plan_data: Data) -> None:
    move(problem_data, plan_data, "s-0055", "tue", "study-hall-gym@tue", reason="fallback")
    violations = check(problem_data, plan_data)
    assert_only(violations, Rule.LOCKS_AND_REQUESTS)
    assert "t-young requires s-0055 in school-ambassadors (request q-1)" in violations[0].message


# ---- plan shape --------------------------------------------------------------------------------
def test_infeasible_plan_must_be_empty(problem_data: Data, plan_data: Data) -> None:
    plan_data["status"] = "infeasible"
    assert len(check(problem_data, plan_data)) == 1
    plan_data.update(sessions=[], assignments=[], metrics=None)
    assert check(problem_data, plan_data) == []


def test_unknown_offering_and_student(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "study-hall-gym@fri")["students"].append("s-9999")
    session(plan_data, "choir@fri")["offering"] = "orchestra"
    violations = check(problem_data, plan_data)
    messages = " | ".join(v.message for v in violations)
    assert "unknown student s-9999" in messages
    assert "unknown offering orchestra" in messages


def test_every_violation_is_reported(problem_data: Data, plan_data: Data) -> None:
    session(plan_data, "school-ambassadors@tue")["space"] = "room-103"
    staff(problem_data, "t-howard")["max_sessions"] = 4
    move(problem_data, plan_data, "s-0039", "mon", "study-hall-gym@mon", reason="fallback")
    assert rules_of(check(problem_data, plan_data)) == {Rule.SPACE, Rule.STAFF, Rule.LOCKS_AND_REQUESTS}


def test_format_violations(problem_data: Data, plan_data: Data) -> None:
    assert format_violations([]) == "The plan keeps every hard rule."
    staff(problem_data, "t-howard")["max_sessions"] = 4
    text = format_violations(check(problem_data, plan_data))
    assert text.splitlines() == [
        "1 violation of the hard rules:",
        "  7. staff: t-howard leads 5 sessions this week, above their maximum of 4",
    ]
