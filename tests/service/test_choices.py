"""Choice windows and students submitting ranked choices through the API."""

from __future__ import annotations

import datetime as dt

from tests.service.conftest import School

NOW = dt.datetime.now(dt.UTC)


def _open_window(school: School, **extra: object) -> None:
    window = {
        "opens_at": (NOW - dt.timedelta(days=1)).isoformat(),
        "closes_at": (NOW + dt.timedelta(days=1)).isoformat(),
    }
    response = school.client.put(f"{school.week_api}/choice-window", json=window | extra, headers=school.scheduler)
    assert response.status_code == 200, response.text


def test_a_student_submits_and_changes_choices_while_the_window_is_open(tiny: School) -> None:
    _open_window(tiny, max_choices=3)
    url = f"{tiny.week_api}/students/{tiny.student_id}/choices"
    assert tiny.client.put(url, json={"choices": ["chess", "art"]}, headers=tiny.student).status_code == 200
    assert tiny.client.get(url, headers=tiny.student).json() == {"choices": ["chess", "art"]}
    exported = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert exported["students"][0]["choices"] == ["chess", "art"]


def test_bad_choices_are_refused_with_each_problem_named(tiny: School) -> None:
    _open_window(tiny, max_choices=2)
    url = f"{tiny.week_api}/students/{tiny.student_id}/choices"
    response = tiny.client.put(url, json={"choices": ["chess", "chess", "reading-t2"]}, headers=tiny.student)
    assert response.status_code == 422
    paths = [e["path"] for e in response.json()["errors"]]
    assert paths == ["choices[1]", "choices[2]", "choices"]
    assert tiny.client.get(url, headers=tiny.student).json()["choices"] == ["robotics", "art", "chess"]


def test_the_window_limits_offerings_by_grade(tiny: School) -> None:
    _open_window(tiny, open_offerings={"art": [7, 8], "chess": []})
    offerings = tiny.client.get(f"{tiny.week_api}/students/s-1/offerings", headers=tiny.student).json()
    assert [o["id"] for o in offerings] == ["chess"]  # s-1 is in grade 6


def test_a_closed_window_refuses_students_but_not_schedulers(tiny: School) -> None:
    window = {"opens_at": "2026-01-01T00:00:00Z", "closes_at": "2026-01-02T00:00:00Z"}
    tiny.client.put(f"{tiny.week_api}/choice-window", json=window, headers=tiny.scheduler)
    url = f"{tiny.week_api}/students/{tiny.student_id}/choices"
    refused = tiny.client.put(url, json={"choices": ["chess"]}, headers=tiny.student)
    assert refused.status_code == 409 and refused.json()["code"] == "window_closed"
    assert tiny.client.put(url, json={"choices": ["chess"]}, headers=tiny.scheduler).status_code == 200


def test_a_window_must_close_after_it_opens(tiny: School) -> None:
    window = {"opens_at": "2026-02-01T00:00:00Z", "closes_at": "2026-01-01T00:00:00Z"}
    response = tiny.client.put(f"{tiny.week_api}/choice-window", json=window, headers=tiny.scheduler)
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "closes_at"


def test_a_naive_timestamp_is_refused(tiny: School) -> None:
    window = {"opens_at": "2026-02-01T00:00:00", "closes_at": "2026-03-01T00:00:00Z"}
    response = tiny.client.put(f"{tiny.week_api}/choice-window", json=window, headers=tiny.scheduler)
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "body.opens_at"
