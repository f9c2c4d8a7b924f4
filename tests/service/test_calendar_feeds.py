"""Calendar feeds through the HTTP API: secret links, the feed bytes, ETag/304, re-publishing,
rotation and revocation, and the privacy scan over every feed of a published week."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from fastapi.testclient import TestClient

from scheduler.domain.loading import parse_problem
from tests.feed_privacy import others_named, student_mentions, support_leak
from tests.feed_text import readable_text
from tests.service.conftest import School
from tests.service.jobs import solve_and_publish, start_solve, wait_for

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _link(school: School, headers: dict[str, str], kind: str, owner: str, **extra: object) -> dict:
    response = school.client.post(
        f"{school.api}/calendar-links", json={"kind": kind, "owner": owner, **extra}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def _path(link: dict) -> str:
    return urlsplit(link["url"]).path


def _fetch(client: TestClient, link: dict, **headers: str):
    return client.get(_path(link), headers=headers)


def _events(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def _version_with_one_move(school: School, plan_id: int) -> tuple[dict, dict]:
    """A hand-made version of the plan with one student moved (the first move that keeps every rule)."""
    plan = school.client.get(f"{school.api}/plans/{plan_id}", headers=school.scheduler).json()
    for a in plan["assignments"]:
        for s in plan["sessions"]:
            if s["block"] == a["block"] and s["id"] != a["session"]:
                move = {"student": a["student"], "block": a["block"], "session": s["id"]}
                response = school.client.post(
                    f"{school.api}/plans/{plan_id}/moves", json=move, headers=school.scheduler
                )
                if response.status_code == 201:
                    return move, response.json()
    raise AssertionError("no single move keeps every rule in this plan")


def test_a_student_subscribes_and_sees_their_published_week(tiny: School) -> None:
    solve_and_publish(tiny)
    link = _link(tiny, tiny.student, "students", tiny.student_id, label="phone")
    assert link["webcal_url"] == "webcal://" + link["url"].split("://", 1)[1]
    token = _path(link).removeprefix("/calendar/").removesuffix(".ics")
    assert token.startswith("fbc_") and len(token) >= 4 + 32  # 192 random bits, url-safe base64
    response = _fetch(tiny.client, link)  # no Accept header, no bearer token
    assert response.status_code == 200
    assert response.headers["content-type"] == CALENDAR_TYPE
    week = tiny.client.get(f"{tiny.week_api}/students/{tiny.student_id}/schedule", headers=tiny.student).json()
    problem = parse_problem(tiny.problem)
    zone = ZoneInfo(problem.school.timezone)
    blocks = {b.id: b for b in problem.blocks}
    calendar = icalendar.Calendar.from_ical(response.content)
    occurrences = recurring_ical_events.of(calendar).between(dt.date(2026, 11, 1), dt.date(2027, 1, 1))
    seen = sorted((e.decoded("DTSTART"), str(e["SUMMARY"])) for e in occurrences)
    expected = sorted(
        (dt.datetime.combine(blocks[s["block"]].date, blocks[s["block"]].start, tzinfo=zone), s["title"]) for s in week
    )
    assert seen == expected
    assert all(start.utcoffset() == start.astimezone(zone).utcoffset() for start, _ in seen)


def test_etag_304_and_head(tiny: School) -> None:
    solve_and_publish(tiny)
    link = _link(tiny, tiny.scheduler, "spaces", "library")
    first = _fetch(tiny.client, link)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert _fetch(tiny.client, link).content == first.content  # stored parts: byte-identical
    again = _fetch(tiny.client, link, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert _fetch(tiny.client, link, **{"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert _fetch(tiny.client, link, **{"If-None-Match": '"other"'}).status_code == 200
    assert _fetch(tiny.client, link, **{"If-Modified-Since": modified}).status_code == 304
    head = tiny.client.head(_path(link))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag and int(head.headers["content-length"]) == len(first.content)


def test_republishing_updates_events_in_place(tiny: School) -> None:
    published = solve_and_publish(tiny)
    move, version = _version_with_one_move(tiny, published["id"])
    link = _link(tiny, tiny.scheduler, "students", move["student"])
    before = _fetch(tiny.client, link)
    response = tiny.client.post(f"{tiny.api}/plans/{version['id']}/publish", headers=tiny.scheduler)
    assert response.status_code == 200, response.text
    after = _fetch(tiny.client, link, **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    old, new = _events(before.content), _events(after.content)
    assert set(old) == set(new)  # same UIDs: the calendar app updates, never duplicates
    moved = [uid for uid, event in new.items() if event["SEQUENCE"] == 1]
    assert len(moved) == 1
    assert all(new[uid]["SEQUENCE"] == 0 and new[uid].to_ical() == old[uid].to_ical() for uid in set(new) - set(moved))
    (uid,) = moved
    assert str(new[uid]["STATUS"]) == "CONFIRMED"
    assert (new[uid]["SUMMARY"], new[uid].get("LOCATION")) != (old[uid]["SUMMARY"], old[uid].get("LOCATION"))


def test_a_session_that_goes_is_published_cancelled(tiny: School) -> None:
    """t-chen falls ill on their chess block; after a re-solve their feed keeps the event, cancelled."""
    published = solve_and_publish(tiny)
    plan = tiny.client.get(f"{tiny.api}/plans/{published['id']}", headers=tiny.scheduler).json()
    block = next(s["block"] for s in plan["sessions"] if s["offering"] == "chess" and "t-chen" in s["staff"])
    link = _link(tiny, tiny.scheduler, "staff", "t-chen")
    before = _events(_fetch(tiny.client, link).content)
    staff = tiny.client.get(f"{tiny.api}/staff/t-chen", headers=tiny.scheduler).json()
    staff["unavailable"] = [block]
    assert tiny.client.put(f"{tiny.api}/staff/t-chen", json=staff, headers=tiny.scheduler).status_code == 200
    job = wait_for(tiny, start_solve(tiny, time_limit=3))
    assert tiny.client.post(f"{tiny.api}/plans/{job['plan_id']}/publish", headers=tiny.scheduler).status_code == 200
    after = _events(_fetch(tiny.client, link).content)
    assert set(before) <= set(after)  # nothing silently dropped
    date = next(b["date"] for b in tiny.problem["blocks"] if b["id"] == block)
    (gone,) = [e for e in after.values() if e.decoded("DTSTART").date().isoformat() == date]
    assert str(gone["STATUS"]) == "CANCELLED" and str(gone["TRANSP"]) == "TRANSPARENT"
    assert gone["SEQUENCE"] == before[str(gone["UID"])]["SEQUENCE"] + 1


def test_links_rotate_and_revoke(tiny: School) -> None:
    solve_and_publish(tiny)
    first = _link(tiny, tiny.student, "students", tiny.student_id, label="phone")
    second = _link(tiny, tiny.student, "students", tiny.student_id, label="laptop")
    listed = tiny.client.get(
        f"{tiny.api}/calendar-links", params={"kind": "students", "owner": tiny.student_id}, headers=tiny.student
    ).json()
    assert [(x["id"], x["label"]) for x in listed] == [(first["id"], "phone"), (second["id"], "laptop")]
    assert all("url" not in x for x in listed)  # a token is shown once, when made
    rotated = tiny.client.post(f"{tiny.api}/calendar-links/{first['id']}/rotate", headers=tiny.student)
    assert rotated.status_code == 201
    new = rotated.json()
    assert new["label"] == "phone" and new["url"] != first["url"]
    assert _fetch(tiny.client, first).status_code == 404
    assert _fetch(tiny.client, new).status_code == 200
    assert tiny.client.delete(f"{tiny.api}/calendar-links/{second['id']}", headers=tiny.scheduler).status_code == 204
    gone = _fetch(tiny.client, second)
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("application/problem+json")
    assert tiny.client.head(_path(second)).status_code == 404
    assert tiny.client.delete(f"{tiny.api}/calendar-links/{second['id']}", headers=tiny.scheduler).status_code == 404
    assert _fetch(tiny.client, {"url": "http://testserver/calendar/fbc_guessed-token.ics"}).status_code == 404


def test_who_may_make_links(tiny: School) -> None:
    api = f"{tiny.api}/calendar-links"
    post = tiny.client.post
    assert post(api, json={"kind": "students", "owner": "s-2"}, headers=tiny.student).status_code == 403
    assert post(api, json={"kind": "students", "owner": "s-1"}, headers=tiny.teacher).status_code == 403
    assert post(api, json={"kind": "spaces", "owner": "library"}, headers=tiny.student).status_code == 403
    assert post(api, json={"kind": "spaces", "owner": "library"}, headers=tiny.teacher).status_code == 403
    assert post(api, json={"kind": "staff", "owner": tiny.teacher_id}, headers=tiny.teacher).status_code == 201
    mine = _link(tiny, tiny.student, "students", tiny.student_id)
    assert tiny.client.post(f"{api}/{mine['id']}/rotate", headers=tiny.teacher).status_code == 403
    assert tiny.client.delete(f"{api}/{mine['id']}", headers=tiny.teacher).status_code == 403
    unknown = post(api, json={"kind": "spaces", "owner": "no-such-room"}, headers=tiny.scheduler)
    assert unknown.status_code == 404 and "no-such-room" in unknown.json()["detail"]
    bad = post(api, json={"kind": "classrooms", "owner": "library"}, headers=tiny.scheduler)
    assert bad.status_code == 422
    assert any(e["path"].endswith("kind") and "classrooms" in e["message"] for e in bad.json()["errors"])


def test_a_link_made_before_any_publication_is_an_empty_calendar(tiny: School) -> None:
    link = _link(tiny, tiny.student, "students", tiny.student_id)
    response = _fetch(tiny.client, link)
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    assert not calendar.walk("VEVENT") and "Tiny Test School" in str(calendar["X-WR-CALNAME"])
    solve_and_publish(tiny)
    later = _fetch(tiny.client, link, **{"If-None-Match": response.headers["etag"]})
    assert later.status_code == 200 and _events(later.content)


def test_privacy_scan_of_every_feed_through_http(tiny: School) -> None:
    solve_and_publish(tiny)
    problem = parse_problem(tiny.problem)
    owners = {
        "students": [s.id for s in problem.students],
        "staff": [s.id for s in problem.staff],
        "spaces": [s.id for s in problem.spaces],
        "resources": [r.id for r in problem.resources],
    }
    pattern = student_mentions(problem)
    for kind, ids in owners.items():
        for owner in ids:
            text = readable_text(_fetch(tiny.client, _link(tiny, tiny.scheduler, kind, owner)).content)
            if kind != "students":
                assert support_leak(text, problem) is None, (kind, owner)
            assert not others_named(text, problem, kind, owner, pattern), (kind, owner)
    teacher = _fetch(tiny.client, _link(tiny, tiny.teacher, "staff", tiny.teacher_id)).text.replace("\r\n ", "")
    assert "Roster:" in teacher and f"URL:http://testserver/api/v1/schools/{tiny.key}/weeks/" in teacher


def test_a_reservation_enters_the_feeds_at_once_and_leaves_them_cancelled(tiny: School) -> None:
    published = solve_and_publish(tiny)
    plan = tiny.client.get(f"{tiny.api}/plans/{published['id']}", headers=tiny.scheduler).json()
    busy = {(s["space"], s["block"]) for s in plan["sessions"]} | {
        (tiny.teacher_id, s["block"]) for s in plan["sessions"] if tiny.teacher_id in s["staff"]
    }
    block, space = next(
        (b["id"], s["id"])
        for b in tiny.problem["blocks"]
        for s in tiny.problem["spaces"]
        if (s["id"], b["id"]) not in busy and (tiny.teacher_id, b["id"]) not in busy
    )
    mine = _link(tiny, tiny.teacher, "staff", tiny.teacher_id)
    room = _link(tiny, tiny.scheduler, "spaces", space)
    before = {name: _events(_fetch(tiny.client, link).content) for name, link in (("mine", mine), ("room", room))}
    body = {"week": tiny.week, "block": block, "space": space}
    granted = tiny.client.post(f"{tiny.api}/reservations", json=body, headers=tiny.teacher)
    assert granted.status_code == 201, granted.text
    after = {name: _events(_fetch(tiny.client, link).content) for name, link in (("mine", mine), ("room", room))}
    for name in after:
        (new,) = set(after[name]) - set(before[name])
        assert str(after[name][new]["SUMMARY"]).startswith("Reserved") and after[name][new]["SEQUENCE"] == 0
    cancelled = tiny.client.post(f"{tiny.api}/reservations/{granted.json()['id']}/cancel", headers=tiny.teacher)
    assert cancelled.status_code == 200
    gone = _events(_fetch(tiny.client, mine).content)
    (uid,) = set(after["mine"]) - set(before["mine"])
    assert str(gone[uid]["STATUS"]) == "CANCELLED" and gone[uid]["SEQUENCE"] == 1


def test_a_reservation_outside_every_block_is_in_the_feeds_at_its_own_time(tiny: School) -> None:
    solve_and_publish(tiny)
    mine = _link(tiny, tiny.teacher, "staff", tiny.teacher_id)
    printers = _link(tiny, tiny.scheduler, "resources", "3d-printers")
    body = {"date": "2026-12-01", "start": "14:00", "end": "15:30", "resources": {"3d-printers": 1}}
    granted = tiny.client.post(f"{tiny.api}/reservations", json=body, headers=tiny.teacher)
    assert granted.status_code == 201, granted.text
    zone = ZoneInfo(tiny.problem["school"]["timezone"])
    for link in (mine, printers):
        events = icalendar.Calendar.from_ical(_fetch(tiny.client, link).content).walk("VEVENT")
        (held,) = [e for e in events if e.decoded("DTSTART") == dt.datetime(2026, 12, 1, 14, 0, tzinfo=zone)]
        assert held.decoded("DTEND") == dt.datetime(2026, 12, 1, 15, 30, tzinfo=zone)
        assert "reserved" in str(held["SUMMARY"]).lower()


def test_a_reservation_is_granted_even_when_the_published_plan_no_longer_fits_the_data(tiny: School) -> None:
    solve_and_publish(tiny)
    assert tiny.client.delete(f"{tiny.api}/students/s-5", headers=tiny.scheduler).status_code == 204
    body = {"date": "2026-12-01", "start": "14:00", "end": "15:00", "resources": {"3d-printers": 1}}
    granted = tiny.client.post(f"{tiny.api}/reservations", json=body, headers=tiny.teacher)
    assert granted.status_code == 201, granted.text  # the feeds catch up at the next publication
