"""Importing a school, exporting it back unchanged, and refusing bad files with every issue named."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scheduler.domain.loading import parse_problem
from tests.service.conftest import School, auth, import_school, issue_token, load_fixture


def test_export_gives_back_the_imported_problem(tiny: School) -> None:
    response = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler)
    assert response.status_code == 200
    assert parse_problem(response.json()) == parse_problem(tiny.problem)


def test_riverside_round_trips(app_client: TestClient, database_url: str) -> None:
    school = import_school(app_client, database_url, "riverside-ms.json")
    exported = app_client.get(f"{school.week_api}/problem", headers=school.scheduler).json()
    assert parse_problem(exported) == parse_problem(school.problem)


def test_a_bad_problem_lists_every_issue_and_stores_nothing(app_client: TestClient, database_url: str) -> None:
    problem = load_fixture("tiny-school.json")
    problem["students"][0]["choices"][1] = "no-such-offering"
    problem["spaces"][0]["capacity"] = 0
    token = auth(issue_token(database_url, "scheduler", "tiny-school"))
    response = app_client.post("/api/v1/schools", json=problem, headers=token)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    paths = {error["path"] for error in response.json()["errors"]}
    assert "spaces[0].capacity" in paths
    assert app_client.get("/api/v1/schools/tiny-school", headers=token).status_code == 404


def test_cross_record_errors_name_the_path_and_value(app_client: TestClient, database_url: str) -> None:
    problem = load_fixture("tiny-school.json")
    problem["students"][0]["choices"][1] = "no-such-offering"
    token = auth(issue_token(database_url, "scheduler", "tiny-school"))
    body = app_client.post("/api/v1/schools", json=problem, headers=token).json()
    assert {"path": "students[0].choices[1]", "message": "unknown offering 'no-such-offering'"} in body["errors"]


def test_importing_a_school_twice_is_a_conflict(tiny: School) -> None:
    response = tiny.client.post("/api/v1/schools", json=tiny.problem, headers=tiny.scheduler)
    assert response.status_code == 409
    assert response.json()["code"] == "school_exists"


def test_a_scheduler_cannot_import_another_school(app_client: TestClient, database_url: str) -> None:
    token = auth(issue_token(database_url, "scheduler", "riverside-ms"))
    response = app_client.post("/api/v1/schools", json=load_fixture("tiny-school.json"), headers=token)
    assert response.status_code == 404


def test_replace_changes_the_data_and_keeps_it_valid(tiny: School) -> None:
    changed = load_fixture("tiny-school.json")
    changed["spaces"][0]["capacity"] = 99
    response = tiny.client.put(f"{tiny.api}/problem", json=changed, headers=tiny.scheduler)
    assert response.status_code == 200, response.text
    exported = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert exported["spaces"][0]["capacity"] == 99


def test_week_must_be_a_monday(tiny: School) -> None:
    response = tiny.client.get(f"{tiny.api}/weeks/2026-12-01/problem", headers=tiny.scheduler)
    assert response.status_code == 422
    assert "Tuesday" in response.json()["detail"]
