"""Solve jobs through the API: progress, the stored plan, idempotency, cancel, restart recovery."""

from __future__ import annotations

from scheduler.domain.checker import check_plan
from scheduler.domain.loading import parse_plan, parse_problem
from tests.service.conftest import School
from tests.service.jobs import start_solve, wait_for


def test_a_solve_stores_a_valid_plan_version(tiny: School) -> None:
    job = wait_for(tiny, start_solve(tiny, time_limit=3))
    assert job["state"] == "succeeded", job
    assert job["progress"]["objective"] is not None and job["progress"]["bound"] is not None
    plan = tiny.client.get(job["plan_url"], headers=tiny.scheduler).json()
    assert plan["version"]["state"] == "draft" and plan["version"]["job_id"] == job["id"]
    plan.pop("version")
    assert check_plan(parse_problem(tiny.problem), parse_plan(plan)) == []


def test_the_same_idempotency_key_gives_the_same_job(tiny: School) -> None:
    headers = {**tiny.scheduler, "Idempotency-Key": "solve-1"}
    first = tiny.client.post(f"{tiny.week_api}/solve-jobs", json={"time_limit": 2}, headers=headers)
    second = tiny.client.post(f"{tiny.week_api}/solve-jobs", json={"time_limit": 2}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    other = tiny.client.post(f"{tiny.week_api}/solve-jobs", json={"time_limit": 3}, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    wait_for(tiny, first.json())


def test_a_second_solve_of_the_same_week_waits_for_the_first(tiny: School) -> None:
    job = start_solve(tiny, time_limit=2)
    response = tiny.client.post(f"{tiny.week_api}/solve-jobs", json={}, headers=tiny.scheduler)
    assert response.status_code == 409 and response.json()["code"] == "job_active"
    wait_for(tiny, job)


def test_cancel_stops_a_running_solve_and_stores_nothing(tiny: School) -> None:
    job = wait_for(tiny, start_solve(tiny, time_limit=30), states={"running"})
    response = tiny.client.post(f"{job['url']}/cancel", headers=tiny.scheduler)
    assert response.status_code == 202
    final = wait_for(tiny, job, timeout=15)
    assert final["state"] == "cancelled" and final["plan_id"] is None
    assert tiny.client.get(f"{tiny.week_api}/plans", headers=tiny.scheduler).json() == []


def test_time_limit_above_the_maximum_is_refused(tiny: School) -> None:
    response = tiny.client.post(f"{tiny.week_api}/solve-jobs", json={"time_limit": 10_000}, headers=tiny.scheduler)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "time_limit"
