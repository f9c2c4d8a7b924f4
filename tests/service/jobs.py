"""Helpers to run a solve job through the API and wait for it."""

from __future__ import annotations

import time

from tests.service.conftest import School

FINAL = {"succeeded", "failed", "cancelled"}


def start_solve(school: School, **body: object) -> dict:
    response = school.client.post(f"{school.week_api}/solve-jobs", json=body, headers=school.scheduler)
    assert response.status_code == 202, response.text
    return response.json()


def wait_for(school: School, job: dict, states: set[str] = FINAL, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = school.client.get(job["url"], headers=school.scheduler).json()
        if current["state"] in states:
            return current
        time.sleep(0.2)
    raise AssertionError(f"job {job['id']} still {current['state']} after {timeout} s")


def solve_and_publish(school: School, time_limit: float = 3.0) -> dict:
    """A finished, published plan version of the school's week."""
    job = wait_for(school, start_solve(school, time_limit=time_limit))
    assert job["state"] == "succeeded", job
    response = school.client.post(f"{school.api}/plans/{job['plan_id']}/publish", headers=school.scheduler)
    assert response.status_code == 200, response.text
    return response.json()
