"""Every route x role: 401 without a valid token, 403 for a role (or another person) that may not,
404 for another school's records, and never a 401/403 for those who may.

The table below is the access policy written out by hand; a route added to the app without a row
here fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import School, auth, issue_token

S, T, P = "scheduler", "teacher", "student"
# (method, path) -> roles allowed; "self" routes let a teacher/student act only as themself.
POLICY: dict[tuple[str, str], set[str]] = {
    ("get", "/api/v1/schools"): {S, T, P},
    ("post", "/api/v1/schools"): {S},
    ("get", "/api/v1/schools/{school}"): {S, T, P},
    ("put", "/api/v1/schools/{school}/problem"): {S},
    ("get", "/api/v1/schools/{school}/weeks/{week}/problem"): {S},
    ("put", "/api/v1/schools/{school}/weeks/{week}/csv"): {S},
    ("get", "/api/v1/schools/{school}/weeks/{week}/csv/{name}.csv"): {S},
    ("post", "/api/v1/schools/{school}/weeks/{week}/solve-jobs"): {S},
    ("get", "/api/v1/schools/{school}/solve-jobs"): {S},
    ("get", "/api/v1/schools/{school}/solve-jobs/{job_id}"): {S},
    ("post", "/api/v1/schools/{school}/solve-jobs/{job_id}/cancel"): {S},
    ("get", "/api/v1/schools/{school}/weeks/{week}/plans"): {S},
    ("get", "/api/v1/schools/{school}/plans/{plan_id}"): {S},
    ("post", "/api/v1/schools/{school}/plans/{plan_id}/publish"): {S},
    ("get", "/api/v1/schools/{school}/plans/{old}/diff/{new}"): {S},
    ("post", "/api/v1/schools/{school}/plans/{plan_id}/moves"): {S},
    ("put", "/api/v1/schools/{school}/weeks/{week}/choice-window"): {S},
    ("get", "/api/v1/schools/{school}/weeks/{week}/choice-window"): {S, T, P},
    ("get", "/api/v1/schools/{school}/weeks/{week}/students/{student}/offerings"): {S, P},
    ("get", "/api/v1/schools/{school}/weeks/{week}/students/{student}/choices"): {S, P},
    ("put", "/api/v1/schools/{school}/weeks/{week}/students/{student}/choices"): {S, P},
    ("get", "/api/v1/schools/{school}/weeks/{week}/students/{student}/schedule"): {S, P},
    ("get", "/api/v1/schools/{school}/weeks/{week}/staff/{staff}/sessions"): {S, T},
    ("get", "/api/v1/schools/{school}/weeks/{week}/requests"): {S, T},
    ("post", "/api/v1/schools/{school}/weeks/{week}/requests"): {S, T},
    ("delete", "/api/v1/schools/{school}/weeks/{week}/requests/{request_id}"): {S, T},
    ("post", "/api/v1/schools/{school}/reservations"): {S, T},
    ("get", "/api/v1/schools/{school}/reservations"): {S, T},
    ("get", "/api/v1/schools/{school}/reservations/{reservation_id}"): {S, T},
    ("post", "/api/v1/schools/{school}/reservations/{reservation_id}/cancel"): {S, T},
    ("post", "/api/v1/schools/{school}/reservations/{reservation_id}/approve"): {S},
    ("post", "/api/v1/schools/{school}/reservations/{reservation_id}/decline"): {S},
    ("get", "/api/v1/schools/{school}/reservation-settings"): {S, T},
    ("put", "/api/v1/schools/{school}/reservation-settings"): {S},
    ("get", "/api/v1/me"): {S, T, P},
    ("post", "/api/v1/schools/{school}/users"): {S},
    ("post", "/api/v1/users/{user_id}/token"): {S, T, P},
    ("delete", "/api/v1/users/{user_id}/token"): {S, T, P},
    # Links to s-1's feed (the body and query name it): s-1 and schedulers; rotate and revoke check
    # the link's owner, and an unknown link is 404 for everyone.
    ("post", "/api/v1/schools/{school}/calendar-links"): {S, P},
    ("get", "/api/v1/schools/{school}/calendar-links"): {S, P},
    ("post", "/api/v1/schools/{school}/calendar-links/{link_id}/rotate"): {S, T, P},
    ("delete", "/api/v1/schools/{school}/calendar-links/{link_id}"): {S, T, P},
}
for kind in ("students", "staff", "spaces", "resources", "offerings"):
    POLICY[("get", f"/api/v1/schools/{{school}}/{kind}")] = {S}
    POLICY[("post", f"/api/v1/schools/{{school}}/{kind}")] = {S}
    for method in ("get", "put", "delete"):
        POLICY[(method, f"/api/v1/schools/{{school}}/{kind}/{{key}}")] = {S}
# The feed itself: its secret token is in the path (tests/service/test_calendar_feeds.py).
PUBLIC = {("get", "/healthz"), ("get", "/livez"), ("get", "/calendar/{token}.ics"), ("head", "/calendar/{token}.ics")}
# Query strings some routes need (a POST to the same path ignores them).
QUERIES = {"/api/v1/schools/{school}/calendar-links": "?kind=students&owner=s-1"}
# Routes where a student or teacher acts only as the subject named in the path.
SELF_PARAM = {"student": P, "staff": T}


def _bodies(school: School) -> dict[tuple[str, str], object]:
    problem = school.problem
    return {
        ("post", "/api/v1/schools"): problem,
        ("put", "/api/v1/schools/{school}/problem"): problem,
        ("post", "/api/v1/schools/{school}/weeks/{week}/solve-jobs"): {"time_limit": 1},
        ("post", "/api/v1/schools/{school}/plans/{plan_id}/moves"): {
            "student": "s-1",
            "block": "mon",
            "session": "x@mon",
        },
        ("put", "/api/v1/schools/{school}/weeks/{week}/choice-window"): {
            "opens_at": "2026-11-01T00:00:00Z",
            "closes_at": "2030-01-01T00:00:00Z",
        },
        ("put", "/api/v1/schools/{school}/weeks/{week}/students/{student}/choices"): {"choices": ["art"]},
        ("post", "/api/v1/schools/{school}/weeks/{week}/requests"): {"student": "s-2", "offering": "robotics"},
        ("post", "/api/v1/schools/{school}/users"): {"role": "student", "subject": "s-3"},
        ("post", "/api/v1/schools/{school}/calendar-links"): {"kind": "students", "owner": "s-1"},
        ("post", "/api/v1/schools/{school}/reservations"): {
            "week": school.week,
            "block": "tue",
            "resources": {school.problem["resources"][0]["id"]: 1},
        },
        ("put", "/api/v1/schools/{school}/reservation-settings"): {"approval": "auto"},
        ("post", "/api/v1/schools/{school}/students"): problem["students"][0] | {"id": "s-new", "choices": []},
        ("put", "/api/v1/schools/{school}/students/{key}"): problem["students"][0] | {"choices": []},
        ("post", "/api/v1/schools/{school}/staff"): {"id": "t-new", "name": "New"},
        ("put", "/api/v1/schools/{school}/staff/{key}"): problem["staff"][0],
        ("post", "/api/v1/schools/{school}/spaces"): {"id": "room-new", "capacity": 5},
        ("put", "/api/v1/schools/{school}/spaces/{key}"): problem["spaces"][0],
        ("post", "/api/v1/schools/{school}/resources"): {"id": "kit-new", "quantity": 5},
        ("put", "/api/v1/schools/{school}/resources/{key}"): problem["resources"][0],
        ("post", "/api/v1/schools/{school}/offerings"): problem["offerings"][0] | {"id": "o-new"},
        ("put", "/api/v1/schools/{school}/offerings/{key}"): problem["offerings"][0],
    }


def _url(path: str, school: School, *, subject: str, user_id: int, kind_key: str) -> str:
    keys = {"students": "s-1", "staff": "t-ruiz", "spaces": school.problem["spaces"][0]["id"]}
    keys |= {"resources": school.problem["resources"][0]["id"], "offerings": "robotics"}
    kind = path.split("/")[5] if path.count("/") >= 5 else ""
    values = {
        "school": school.key,
        "week": school.week,
        "key": keys.get(kind, kind_key),
        "student": subject,
        "staff": subject,
        "job_id": "00000000-0000-0000-0000-000000000000",
        "plan_id": "1",
        "old": "1",
        "new": "1",
        "request_id": "q-1",
        "reservation_id": "rv-0000000000",
        "user_id": str(user_id),
        "name": "students",
        "link_id": "00000000-0000-0000-0000-000000000000",
    }
    return path.format(**values) + QUERIES.get(path, "")


def _routes(client: TestClient) -> set[tuple[str, str]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return {(method, path) for path, ops in spec["paths"].items() for method in ops}


def test_every_route_is_in_the_table(tiny: School) -> None:
    assert _routes(tiny.client) == set(POLICY) | PUBLIC


@pytest.mark.parametrize("token", [None, "fb_not-a-real-token"])
def test_every_route_needs_a_valid_token(tiny: School, token: str | None) -> None:
    headers = auth(token) if token else {}
    bodies = _bodies(tiny)
    for method, path in sorted(POLICY):
        url = _url(path, tiny, subject="s-1", user_id=1, kind_key="x")
        response = tiny.client.request(method, url, json=bodies.get((method, path)), headers=headers)
        assert response.status_code == 401, (method, path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def _tokens(tiny: School, database_url: str) -> dict[str, tuple[dict[str, str], str, int]]:
    """Role -> (headers, the subject they act as, their user id)."""
    out = {}
    for role, subject in ((S, None), (T, tiny.teacher_id), (P, tiny.student_id)):
        headers = auth(issue_token(database_url, role, tiny.key, subject))
        me = tiny.client.get("/api/v1/me", headers=headers).json()
        out[role] = (headers, subject or "s-1", me["user_id"])
    return out


def test_roles_that_may_not_get_403(tiny: School, database_url: str) -> None:
    bodies = _bodies(tiny)
    for (method, path), allowed in sorted(POLICY.items()):
        # Fresh users per route: the token routes rotate and revoke the caller's own token.
        for role, (headers, subject, user_id) in _tokens(tiny, database_url).items():
            url = _url(path, tiny, subject=subject, user_id=user_id, kind_key="x")
            response = tiny.client.request(method, url, json=bodies.get((method, path)), headers=headers)
            if role in allowed:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.status_code, response.text)


def test_teachers_and_students_act_only_as_themselves(tiny: School, database_url: str) -> None:
    bodies = _bodies(tiny)
    tokens = _tokens(tiny, database_url)
    others = {P: "s-2", T: "t-bell"}
    for method, path in sorted(POLICY):
        param = next((name for name in SELF_PARAM if "{" + name + "}" in path), None)
        if param is None:
            continue
        role = SELF_PARAM[param]
        headers, _, user_id = tokens[role]
        url = _url(path, tiny, subject=others[role], user_id=user_id, kind_key="x")
        response = tiny.client.request(method, url, json=bodies.get((method, path)), headers=headers)
        assert response.status_code == 403, (role, method, path, response.status_code)


def test_another_schools_scheduler_sees_nothing(tiny: School, database_url: str) -> None:
    headers = auth(issue_token(database_url, S, "other-school"))
    bodies = _bodies(tiny)
    for (method, path), _allowed in sorted(POLICY.items()):
        if "{school}" not in path:
            continue
        url = _url(path, tiny, subject="s-1", user_id=1, kind_key="x")
        response = tiny.client.request(method, url, json=bodies.get((method, path)), headers=headers)
        assert response.status_code == 404, (method, path, response.status_code)
    assert tiny.client.get("/api/v1/schools", headers=headers).json() == []


def test_a_revoked_token_stops_working(tiny: School) -> None:
    me = tiny.client.get("/api/v1/me", headers=tiny.student).json()
    rotated = tiny.client.post(f"/api/v1/users/{me['user_id']}/token", headers=tiny.student)
    assert rotated.status_code == 201
    assert tiny.client.get("/api/v1/me", headers=tiny.student).status_code == 401
    new = auth(rotated.json()["token"])
    assert tiny.client.get("/api/v1/me", headers=new).status_code == 200
    assert tiny.client.delete(f"/api/v1/users/{me['user_id']}/token", headers=tiny.scheduler).status_code == 204
    assert tiny.client.get("/api/v1/me", headers=new).status_code == 401
