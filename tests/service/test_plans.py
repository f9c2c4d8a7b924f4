"""Plan versions: publish, what students and teachers read, hand moves, diffs, re-solves."""

from __future__ import annotations

from scheduler.domain.checker import check_plan
from scheduler.domain.loading import parse_plan, parse_problem
from tests.service.conftest import School
from tests.service.jobs import solve_and_publish, start_solve, wait_for


def _plan(school: School, plan_id: int) -> dict:
    plan = school.client.get(f"{school.api}/plans/{plan_id}", headers=school.scheduler).json()
    plan.pop("version")
    return plan


def _versions(school: School) -> list[dict]:
    return school.client.get(f"{school.week_api}/plans", headers=school.scheduler).json()


def test_a_student_reads_their_published_week_with_reasons(tiny: School) -> None:
    solve_and_publish(tiny)
    response = tiny.client.get(f"{tiny.week_api}/students/{tiny.student_id}/schedule", headers=tiny.student)
    assert response.status_code == 200
    week = response.json()
    assert [slot["block"] for slot in week] == ["mon", "tue", "wed"]
    reasons = [slot["reason"] for slot in week]
    assert reasons.count("need") == 2  # s-1 needs two reading sessions
    assert all(slot["reason_text"] and slot["title"] and slot["space_name"] for slot in week)


def test_a_teacher_reads_their_sessions_with_rosters_only(tiny: School) -> None:
    published = solve_and_publish(tiny)
    plan = _plan(tiny, published["id"])
    response = tiny.client.get(f"{tiny.week_api}/staff/{tiny.teacher_id}/sessions", headers=tiny.teacher)
    assert response.status_code == 200
    sessions = response.json()
    expected = {s["id"]: s["students"] for s in plan["sessions"] if tiny.teacher_id in s["staff"]}
    assert {s["session"]: sorted(r["id"] for r in s["roster"]) for s in sessions} == expected
    for s in sessions:
        assert s["students"] == len(s["roster"])
        assert all(set(entry) == {"id", "name", "grade"} for entry in s["roster"])


def test_nothing_is_shown_before_a_plan_is_published(tiny: School) -> None:
    response = tiny.client.get(f"{tiny.week_api}/students/{tiny.student_id}/schedule", headers=tiny.student)
    assert response.status_code == 404 and response.json()["code"] == "plan_not_published"


def test_a_move_that_breaks_a_rule_is_refused_and_nothing_changes(tiny: School) -> None:
    published = solve_and_publish(tiny)
    plan = _plan(tiny, published["id"])
    need = next(a for a in plan["assignments"] if a["student"] == "s-1" and a["reason"] == "need")
    other = next(s for s in plan["sessions"] if s["block"] == need["block"] and s["id"] != need["session"])
    move = {"student": "s-1", "block": need["block"], "session": other["id"]}
    response = tiny.client.post(f"{tiny.api}/plans/{published['id']}/moves", json=move, headers=tiny.scheduler)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "move_breaks_rules"
    assert any(error["path"] == "needs_met" for error in body["errors"]), body["errors"]
    assert len(_versions(tiny)) == 1


def test_a_valid_move_makes_a_new_version_and_the_diff_shows_it(tiny: School) -> None:
    published = solve_and_publish(tiny)
    plan = _plan(tiny, published["id"])
    created = None
    for a in plan["assignments"]:
        for s in plan["sessions"]:
            if s["block"] == a["block"] and s["id"] != a["session"] and created is None:
                move = {"student": a["student"], "block": a["block"], "session": s["id"]}
                response = tiny.client.post(
                    f"{tiny.api}/plans/{published['id']}/moves", json=move, headers=tiny.scheduler
                )
                if response.status_code == 201:
                    created = (move, response.json())
    assert created is not None, "no single move keeps every rule in this plan"
    move, version = created
    assert version["source"] == "manual" and version["parent_id"] == published["id"]
    assert version["changed_from_published"] == 1
    assert check_plan(parse_problem(tiny.problem), parse_plan(_plan(tiny, version["id"]))) == []
    diff = tiny.client.get(f"{tiny.api}/plans/{published['id']}/diff/{version['id']}", headers=tiny.scheduler).json()
    assert diff["moved"] == 1
    assert diff["moves"][0]["student"] == move["student"] and diff["moves"][0]["after"] == move["session"]


def test_a_resolve_after_a_teacher_falls_ill_keeps_the_published_plan_as_previous(tiny: School) -> None:
    published = solve_and_publish(tiny)
    plan = _plan(tiny, published["id"])
    chess_blocks = [s["block"] for s in plan["sessions"] if s["offering"] == "chess"]
    staff = tiny.client.get(f"{tiny.api}/staff/t-chen", headers=tiny.scheduler).json()
    staff["unavailable"] = [chess_blocks[0]]
    assert tiny.client.put(f"{tiny.api}/staff/t-chen", json=staff, headers=tiny.scheduler).status_code == 200
    # The published plan no longer fits the data: republishing it is refused with the rule.
    again = tiny.client.post(f"{tiny.api}/plans/{published['id']}/publish", headers=tiny.scheduler)
    assert again.status_code == 200  # already published: publishing is idempotent
    job = wait_for(tiny, start_solve(tiny, time_limit=3))
    assert job["state"] == "succeeded"
    versions = _versions(tiny)
    new = versions[-1]
    assert new["changed_from_published"] is not None and new["changed_from_published"] >= 1
    assert new["metrics"]["kept_from_previous"] is not None
    assert new["metrics"]["kept_from_previous"] > 0.5  # most of the week stays as published
    problem = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert check_plan(parse_problem(problem), parse_plan(_plan(tiny, new["id"]))) == []


def test_a_plan_that_breaks_todays_data_cannot_be_published(tiny: School) -> None:
    job = wait_for(tiny, start_solve(tiny, time_limit=3))
    plan = _plan(tiny, job["plan_id"])
    block = next(s["block"] for s in plan["sessions"] if s["offering"] == "chess")
    staff = tiny.client.get(f"{tiny.api}/staff/t-chen", headers=tiny.scheduler).json()
    staff["unavailable"] = [block]
    tiny.client.put(f"{tiny.api}/staff/t-chen", json=staff, headers=tiny.scheduler)
    response = tiny.client.post(f"{tiny.api}/plans/{job['plan_id']}/publish", headers=tiny.scheduler)
    assert response.status_code == 409 and response.json()["code"] == "plan_breaks_rules"
    assert _versions(tiny)[0]["state"] == "draft"
