"""Every error is an RFC 9457 problem: unknown ids and routes, bad bodies, oversized bodies."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scheduler.api.app import create_app
from scheduler.settings import ServiceSettings
from tests.service.conftest import School


def test_unknown_route_is_a_404_problem(tiny: School) -> None:
    response = tiny.client.get("/api/v1/nowhere", headers=tiny.scheduler)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_unknown_ids_are_404_not_500(tiny: School) -> None:
    for url in (
        f"{tiny.api}/plans/999",
        f"{tiny.api}/solve-jobs/nope",
        f"{tiny.api}/students/nope",
        "/api/v1/schools/nope",
        f"{tiny.api}/weeks/2030-01-07/problem",
    ):
        response = tiny.client.get(url, headers=tiny.scheduler)
        assert response.status_code == 404, (url, response.text)
        assert response.json()["type"].startswith("urn:flexblock:error:")


def test_malformed_json_is_a_422_problem(tiny: School) -> None:
    headers = {**tiny.scheduler, "content-type": "application/json"}
    response = tiny.client.post(f"{tiny.api}/spaces", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_a_body_above_the_limit_is_a_413(settings: ServiceSettings, tiny: School) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048})
    with TestClient(create_app(small)) as client:
        response = client.post("/api/v1/schools", json=tiny.problem, headers=tiny.scheduler)
        assert response.status_code == 413
        assert response.json()["code"] == "body_too_large"
        chunks = (b"x" * 1024 for _ in range(4))  # no Content-Length: counted as it streams
        streamed = client.post(f"{tiny.api}/spaces", content=chunks, headers=tiny.scheduler)
        assert streamed.status_code == 413
