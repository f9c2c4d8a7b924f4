"""Teachers pull students (the spec's requests): file, see their own, withdraw; the solver honours them."""

from __future__ import annotations

from scheduler.domain.loading import parse_plan
from tests.service.conftest import School, auth, issue_token
from tests.service.jobs import start_solve, wait_for


def test_a_teacher_files_a_request_the_solver_honours(tiny: School) -> None:
    body = {"student": "s-7", "offering": "robotics", "priority": "required", "note": "finish the gearbox"}
    response = tiny.client.post(f"{tiny.week_api}/requests", json=body, headers=tiny.teacher)  # t-ruiz leads robotics
    assert response.status_code == 201, response.text
    filed = response.json()
    assert filed["staff"] == tiny.teacher_id and filed["id"].startswith("q-")
    exported = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert filed in exported["requests"]
    job = wait_for(tiny, start_solve(tiny, time_limit=3))
    plan_doc = tiny.client.get(job["plan_url"], headers=tiny.scheduler).json()
    plan_doc.pop("version")
    plan = parse_plan(plan_doc)
    offering_of = {s.id: s.offering for s in plan.sessions}
    assert any(a.student == "s-7" and offering_of[a.session] == "robotics" for a in plan.assignments)


def test_a_request_for_an_offering_the_teacher_does_not_lead_is_refused(tiny: School) -> None:
    body = {"student": "s-7", "offering": "chess"}
    response = tiny.client.post(f"{tiny.week_api}/requests", json=body, headers=tiny.teacher)
    assert response.status_code == 422
    assert any("requests[" in e["path"] and "chess" in e["message"] for e in response.json()["errors"]), response.json()
    assert len(tiny.client.get(f"{tiny.week_api}/requests", headers=tiny.scheduler).json()) == 1  # only the fixture's


def test_teachers_see_and_withdraw_only_their_own_requests(tiny: School, database_url: str) -> None:
    other = auth(issue_token(database_url, "teacher", tiny.key, "t-chen"))  # t-chen filed the fixture's q-1
    mine = tiny.client.post(
        f"{tiny.week_api}/requests", json={"student": "s-6", "offering": "robotics"}, headers=tiny.teacher
    )
    assert [r["id"] for r in tiny.client.get(f"{tiny.week_api}/requests", headers=tiny.teacher).json()] == [
        mine.json()["id"]
    ]
    assert [r["id"] for r in tiny.client.get(f"{tiny.week_api}/requests", headers=other).json()] == ["q-1"]
    assert tiny.client.delete(f"{tiny.week_api}/requests/q-1", headers=tiny.teacher).status_code == 404
    assert tiny.client.delete(f"{tiny.week_api}/requests/q-1", headers=other).status_code == 204
