"""A school's week through the API, as its people live it: import Riverside, open the choice
window, students submit choices, solve, publish, and read the plan as a student, a teacher and a
scheduler. Every answer is checked against the data (checker, submitted choices, rosters)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from scheduler.domain.checker import check_plan
from scheduler.domain.loading import parse_plan, parse_problem
from scheduler.domain.problem import Problem
from tests.feed_privacy import others_named, student_mentions, support_leak
from tests.feed_text import readable_text
from tests.service.conftest import auth, import_school
from tests.service.jobs import start_solve, wait_for

STUDENTS_ON_THE_API = 25


def test_a_week_from_import_to_published_plan(app_client: TestClient, database_url: str) -> None:
    school = import_school(app_client, database_url, "riverside-ms.json")
    client, api, week_api = app_client, school.api, school.week_api
    now = dt.datetime.now(dt.UTC)
    window = {
        "opens_at": (now - dt.timedelta(hours=1)).isoformat(),
        "closes_at": (now + dt.timedelta(days=2)).isoformat(),
    }
    assert client.put(f"{week_api}/choice-window", json=window, headers=school.scheduler).status_code == 200

    # Students sign in with tokens their scheduler issued and rank what is open to them, in reverse.
    submitted: dict[str, list[str]] = {}
    for record in school.problem["students"][:STUDENTS_ON_THE_API]:
        issued = client.post(
            f"{api}/users", json={"role": "student", "subject": record["id"]}, headers=school.scheduler
        )
        headers = auth(issued.json()["token"])
        offerings = client.get(f"{week_api}/students/{record['id']}/offerings", headers=headers).json()
        ranked = [o["id"] for o in reversed(offerings)][:5]
        response = client.put(f"{week_api}/students/{record['id']}/choices", json={"choices": ranked}, headers=headers)
        assert response.status_code == 200, response.text
        submitted[record["id"]] = ranked

    job = wait_for(school, start_solve(school, time_limit=8, publish=True), timeout=120)
    assert job["state"] == "succeeded", job
    versions = client.get(f"{week_api}/plans", headers=school.scheduler).json()
    assert [v["state"] for v in versions] == ["published"]

    # The scheduler's view: a valid plan for the data as the students left it.
    problem = parse_problem(client.get(f"{week_api}/problem", headers=school.scheduler).json())
    assert {s.id: s.choices for s in problem.students if s.id in submitted} == submitted
    plan_doc = client.get(f"{api}/plans/{job['plan_id']}", headers=school.scheduler).json()
    plan_doc.pop("version")
    plan = parse_plan(plan_doc)
    assert check_plan(problem, plan) == []
    assert plan.metrics is not None and plan.metrics.need_coverage == 1.0

    # A student's view: their own week, one slot per block, reasons matching the plan.
    student = school.problem["students"][0]["id"]
    headers = auth(
        client.post(f"{api}/users", json={"role": "student", "subject": student}, headers=school.scheduler).json()[
            "token"
        ]
    )
    week = client.get(f"{week_api}/students/{student}/schedule", headers=headers).json()
    mine = {(a.block, a.session, a.reason) for a in plan.assignments if a.student == student}
    assert {(slot["block"], slot["session"], slot["reason"]) for slot in week} == mine
    for slot in week:
        if slot["reason"].startswith("choice "):
            rank = int(slot["reason"].split()[1])
            assert submitted[student][rank - 1] == slot["offering"]

    # A teacher's view: the sessions they lead, rosters equal to the plan's.
    teacher = school.teacher_id
    sessions = client.get(f"{week_api}/staff/{teacher}/sessions", headers=school.teacher).json()
    expected = {s.id: s.students for s in plan.sessions if teacher in s.staff}
    assert {s["session"]: sorted(r["id"] for r in s["roster"]) for s in sessions} == expected

    # Calendar feeds of the published week, each through its own secret link: the privacy scan.
    _scan_every_feed(client, school.scheduler, api, problem)


def _scan_every_feed(client: TestClient, scheduler: dict[str, str], api: str, problem: Problem) -> None:
    """Every staff, space and resource feed and every fifth student's: no feed other than a student's
    own names support or tiers, and none names another student."""
    owners = {
        "students": [s.id for s in problem.students[::5]],
        "staff": [s.id for s in problem.staff],
        "spaces": [s.id for s in problem.spaces],
        "resources": [r.id for r in problem.resources],
    }
    pattern = student_mentions(problem)
    events = 0
    for kind, ids in owners.items():
        for owner in ids:
            link = client.post(f"{api}/calendar-links", json={"kind": kind, "owner": owner}, headers=scheduler)
            feed = client.get(urlsplit(link.json()["url"]).path)
            assert feed.status_code == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
            text = readable_text(feed.content)
            events += text.count("BEGIN:VEVENT")
            if kind != "students":
                assert support_leak(text, problem) is None, (kind, owner)
            assert not others_named(text, problem, kind, owner, pattern), (kind, owner)
    assert events > len(owners["students"]) * 3  # the scan read real calendars
