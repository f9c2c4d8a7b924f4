"""Teachers reserve spaces and devices through the API: granted, refused with alternatives, pending,
recurring, cancelled; bad input named by field; and the solver honouring approved reservations."""

from __future__ import annotations

from sqlalchemy import update

from scheduler.calendar.events import derive_feeds
from scheduler.domain.checker import check_plan
from scheduler.domain.loading import parse_plan, parse_problem
from scheduler.services.job_work import store_job_result
from scheduler.storage.database import Database
from scheduler.storage.tables import SolveJobRow
from tests.service.conftest import School, auth, issue_token
from tests.service.jobs import start_solve, wait_for

TUE = "2026-12-01"


def reserve(school: School, headers: dict[str, str], **body: object):
    return school.client.post(f"{school.api}/reservations", json=body, headers=headers)


def teacher(school: School, database_url: str, staff: str) -> dict[str, str]:
    return auth(issue_token(database_url, "teacher", school.key, staff))


def add(school: School, kind: str, record: dict) -> None:
    response = school.client.post(f"{school.api}/{kind}", json=record, headers=school.scheduler)
    assert response.status_code == 201, response.text


def test_a_free_block_is_granted_listed_and_handed_to_the_solver(tiny: School, database_url: str) -> None:
    granted = reserve(tiny, tiny.teacher, week=tiny.week, block="tue", space="maker-1", note="robot tests")
    assert granted.status_code == 201, granted.text
    body = granted.json()
    assert body["status"] == "approved" and body["staff"] == tiny.teacher_id
    assert [(o["date"], o["start"], o["end"], o["block"]) for o in body["occurrences"]] == [
        (TUE, "10:00:00", "10:45:00", "tue")
    ]
    assert granted.headers["Location"] == body["url"]
    problem = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    spec = {"id": body["id"], "staff": tiny.teacher_id, "block": "tue", "space": "maker-1", "resources": {}}
    assert spec in problem["reservations"]
    mine = tiny.client.get(f"{tiny.api}/reservations", headers=tiny.teacher).json()
    assert [r["id"] for r in mine] == [body["id"]]
    on_day = tiny.client.get(f"{tiny.api}/reservations", params={"date": TUE}, headers=tiny.scheduler).json()
    in_week = tiny.client.get(f"{tiny.api}/reservations", params={"week": tiny.week}, headers=tiny.scheduler).json()
    other_day = tiny.client.get(f"{tiny.api}/reservations", params={"date": "2026-12-02"}, headers=tiny.scheduler)
    assert [r["id"] for r in on_day] == [r["id"] for r in in_week] == [body["id"]]
    assert other_day.json() == []
    # Exporting and re-importing the week does not turn the booking into a second reservation.
    assert tiny.client.put(f"{tiny.api}/problem", json=problem, headers=tiny.scheduler).status_code == 200
    again = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert again["reservations"] == problem["reservations"]


def test_a_held_room_is_refused_with_other_rooms_and_times(tiny: School, database_url: str) -> None:
    add(tiny, "spaces", {"id": "maker-2", "name": "Makerspace 2", "capacity": 6, "features": ["makerspace"]})
    assert reserve(tiny, tiny.teacher, week=tiny.week, block="tue", space="maker-1").status_code == 201
    refused = reserve(tiny, teacher(tiny, database_url, "t-bell"), week=tiny.week, block="tue", space="maker-1")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "reservation_refused"
    assert "Makerspace is held by a reservation of Ana Ruiz on Tue flex" in problem["detail"]
    assert [c["kind"] for c in problem["conflicts"]] == ["space"]
    alternatives = problem["alternatives"]
    assert [s["space"] for s in alternatives["spaces"]] == ["maker-2"]
    assert {t["block"] for t in alternatives["times"]} == {"mon", "wed"}
    # Asking by features picks a free room that has them.
    by_features = reserve(tiny, tiny.scheduler, week=tiny.week, block="tue", features=["makerspace"], seats=2)
    assert by_features.status_code == 201 and by_features.json()["space"] == "maker-2"
    # What was granted stays true: the room keeps the feature and the seats it was chosen for.
    url = f"{tiny.api}/spaces/maker-2"
    for change in ({"features": []}, {"capacity": 1}):
        space = {"id": "maker-2", "name": "Makerspace 2", "capacity": 6, "features": ["makerspace"]} | change
        response = tiny.client.put(url, json=space, headers=tiny.scheduler)
        assert response.status_code == 409 and response.json()["code"] == "record_in_use", response.text
        assert by_features.json()["id"] in response.json()["detail"]
    assert tiny.client.get(url, headers=tiny.scheduler).json()["capacity"] == 6


def test_units_refusal_says_how_many_are_free(tiny: School, database_url: str) -> None:
    add(tiny, "resources", {"id": "vr-kits", "name": "VR kits", "quantity": 12})
    first = reserve(tiny, tiny.teacher, date=TUE, start="13:00", end="14:00", resources={"vr-kits": 8})
    assert first.status_code == 201, first.text
    refused = reserve(
        tiny, teacher(tiny, database_url, "t-bell"), date=TUE, start="13:30", end="14:30", resources={"vr-kits": 6}
    )
    assert refused.status_code == 409
    assert "4 of 12 VR kits are free" in refused.json()["detail"]
    alternatives = refused.json()["alternatives"]
    assert alternatives["quantities"] == {"vr-kits": 4}
    assert alternatives["times"][0] == {
        "week": tiny.week, "date": TUE, "start": "14:00", "end": "15:00", "block": None, "space": None
    }  # fmt: skip
    after = reserve(tiny, tiny.scheduler, date=TUE, start="14:00", end="15:00", resources={"vr-kits": 12})
    assert after.status_code == 201, after.text
    kits = f"{tiny.api}/resources/vr-kits"
    fewer = tiny.client.put(kits, json={"id": "vr-kits", "name": "VR kits", "quantity": 11}, headers=tiny.scheduler)
    assert fewer.status_code == 409 and "hold 12 at once" in fewer.json()["detail"]
    assert tiny.client.delete(kits, headers=tiny.scheduler).status_code == 409
    for r in tiny.client.get(f"{tiny.api}/reservations", headers=tiny.scheduler).json():
        tiny.client.post(f"{r['url']}/cancel", headers=tiny.scheduler)
    assert tiny.client.delete(kits, headers=tiny.scheduler).status_code == 204


def test_a_recurring_request_names_the_week_that_clashes(tiny: School, database_url: str) -> None:
    held = reserve(tiny, tiny.teacher, date="2026-12-08", start="13:00", end="14:00", space="art-1")
    assert held.status_code == 201, held.text
    ask = {"date": TUE, "start": "13:00", "end": "14:00", "space": "art-1", "repeat_weeks": 3}
    refused = reserve(tiny, teacher(tiny, database_url, "t-bell"), **ask)
    assert refused.status_code == 409
    assert [c["week"] for c in refused.json()["conflicts"]] == ["2026-12-07"]
    assert "week of 2026-12-07" in refused.json()["detail"]
    assert refused.json()["alternatives"]["times"][0]["date"] == "2026-12-08"  # nearest free: same day, next slot
    granted = reserve(tiny, teacher(tiny, database_url, "t-bell"), **(ask | {"repeat_weeks": 1}))
    assert granted.status_code == 201


def test_a_time_window_that_overlaps_a_block_holds_the_block(tiny: School, database_url: str) -> None:
    window = reserve(tiny, tiny.teacher, date=TUE, start="10:30", end="11:15", space="art-1")
    assert window.status_code == 201, window.text
    held = window.json()["occurrences"][0]
    assert (held["held_from"], held["held_to"]) == ("2026-12-01T16:00:00Z", "2026-12-01T17:15:00Z")  # from 10:00
    problem = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert {"id": window.json()["id"], "staff": "t-ruiz", "block": "tue", "space": "art-1", "resources": {}} in (
        problem["reservations"]
    )
    bell = teacher(tiny, database_url, "t-bell")
    assert reserve(tiny, bell, week=tiny.week, block="tue", space="art-1").status_code == 409
    assert reserve(tiny, bell, date=TUE, start="11:15", end="12:00", space="art-1").status_code == 201


def test_pending_until_a_scheduler_decides(tiny: School, database_url: str) -> None:
    settings = {"approval": "scheduler", "day_start": "08:00", "day_end": "16:00"}
    assert tiny.client.put(f"{tiny.api}/reservation-settings", json=settings, headers=tiny.scheduler).status_code == 200
    pending = reserve(tiny, tiny.teacher, week=tiny.week, block="wed", space="room-1")
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    rid = pending.json()["id"]
    problem = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert all(r["id"] != rid for r in problem["reservations"])  # the solver sees approved ones only
    bell = teacher(tiny, database_url, "t-bell")
    assert reserve(tiny, bell, week=tiny.week, block="wed", space="room-1").status_code == 409  # pending holds
    assert tiny.client.post(f"{tiny.api}/reservations/{rid}/approve", headers=bell).status_code == 403
    approved = tiny.client.post(f"{tiny.api}/reservations/{rid}/approve", json={"note": "ok"}, headers=tiny.scheduler)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    problem = tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json()
    assert any(r["id"] == rid for r in problem["reservations"])
    second = reserve(tiny, bell, week=tiny.week, block="wed", space="art-1")
    declined = tiny.client.post(f"{tiny.api}/reservations/{second.json()['id']}/decline", headers=tiny.scheduler)
    assert declined.json()["status"] == "declined"
    assert reserve(tiny, bell, week=tiny.week, block="wed", space="art-1").status_code == 202  # freed again
    late = reserve(tiny, bell, date=TUE, start="15:30", end="16:30", space="art-1")
    assert late.status_code == 422 and late.json()["errors"][0]["path"] == "end"


def test_teachers_read_and_cancel_only_their_own(tiny: School, database_url: str) -> None:
    mine = reserve(tiny, tiny.teacher, date=TUE, start="12:00", end="12:30", space="library").json()
    bell = teacher(tiny, database_url, "t-bell")
    url = f"{tiny.api}/reservations/{mine['id']}"
    assert tiny.client.get(url, headers=bell).status_code == 404
    assert tiny.client.post(f"{url}/cancel", headers=bell).status_code == 404
    assert tiny.client.get(f"{tiny.api}/reservations", headers=bell).json() == []
    assert tiny.client.get(url, headers=tiny.teacher).json()["status"] == "approved"
    cancelled = tiny.client.post(f"{url}/cancel", headers=tiny.teacher)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert reserve(tiny, bell, date=TUE, start="12:00", end="12:30", space="library").status_code == 201
    staff_only = reserve(tiny, bell, date=TUE, start="12:00", end="12:30", space="room-1", staff="t-ruiz")
    assert staff_only.status_code == 403


def test_an_idempotency_key_never_books_twice(tiny: School) -> None:
    body = {"date": TUE, "start": "09:00", "end": "09:30", "space": "sg-1"}
    key = {"Idempotency-Key": "book-sg-1"}
    first = tiny.client.post(f"{tiny.api}/reservations", json=body, headers=tiny.teacher | key)
    again = tiny.client.post(f"{tiny.api}/reservations", json=body, headers=tiny.teacher | key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(tiny.client.get(f"{tiny.api}/reservations", headers=tiny.teacher).json()) == 1
    other = tiny.client.post(f"{tiny.api}/reservations", json=body | {"end": "09:45"}, headers=tiny.teacher | key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


BAD_INPUT = [
    ({"date": TUE, "start": "14:00", "end": "13:00", "space": "room-1"}, "end"),
    ({"date": TUE, "start": "06:00", "end": "07:30", "space": "room-1"}, "start"),
    ({"date": TUE, "start": "17:30", "end": "18:30", "space": "room-1"}, "end"),
    ({"date": "2026-12-05", "start": "10:00", "end": "11:00", "space": "room-1"}, "date"),
    ({"date": TUE, "start": "10:00", "end": "11:00", "space": "gym"}, "space"),
    ({"date": TUE, "start": "10:00", "end": "11:00", "resources": {"3d-printers": 2}}, "resources.3d-printers"),
    ({"date": TUE, "start": "10:00", "end": "11:00", "resources": {"drones": 1}}, "resources.drones"),
    ({"date": TUE, "start": "10:00", "end": "11:00"}, "space"),
    ({"week": "2026-11-30", "block": "fri", "space": "room-1"}, "block"),
    ({"week": "2026-12-01", "block": "tue", "space": "room-1"}, "week"),
    ({"start": "10:00", "end": "11:00", "space": "room-1"}, "date"),
    ({"date": TUE, "start": "10:00", "end": "11:00", "features": ["pool"]}, "features"),
    ({"date": TUE, "start": "10:00", "end": "11:00", "space": "room-1", "repeat_weeks": 0}, "body.repeat_weeks"),
]


def test_bad_input_is_a_422_naming_the_field(tiny: School) -> None:
    """One school for every case (a school import per case would cost seconds on PostgreSQL)."""
    got = {}
    for body, _path in BAD_INPUT:
        response = reserve(tiny, tiny.teacher, **body)
        got[str(body)] = (response.status_code, [e["path"] for e in response.json().get("errors", [])])
    assert got == {str(body): (422, [path]) for body, path in BAD_INPUT}
    assert tiny.client.get(f"{tiny.api}/reservations", headers=tiny.scheduler).json() == []


def _plan(school: School, plan_id: int) -> dict:
    document = school.client.get(f"{school.api}/plans/{plan_id}", headers=school.scheduler).json()
    document.pop("version")
    return document


def _versions(school: School) -> dict[int, dict]:
    return {v["id"]: v for v in school.client.get(f"{school.week_api}/plans", headers=school.scheduler).json()}


def test_the_solver_honours_approved_reservations_and_drafts_are_marked(tiny: School, database_url: str) -> None:
    draft = wait_for(tiny, start_solve(tiny, time_limit=3))
    block, space = "wed", "art-1"  # the draft runs art there (the tiny school is tight: not every room can go)
    assert any(s["block"] == block and s["space"] == space for s in _plan(tiny, draft["plan_id"])["sessions"])
    bell = teacher(tiny, database_url, "t-bell")
    granted = reserve(tiny, bell, week=tiny.week, block=block, space=space, resources={"3d-printers": 1})
    assert granted.status_code == 201, granted.text  # collides with a draft only: granted
    assert _versions(tiny)[draft["plan_id"]]["needs_resolve"] is True
    publish = tiny.client.post(f"{tiny.api}/plans/{draft['plan_id']}/publish", headers=tiny.scheduler)
    assert publish.status_code == 409 and publish.json()["code"] == "plan_breaks_rules"
    # A solve that started before the grant and ends after it stores a version marked the same way.
    database = Database(database_url)
    try:
        with database.transaction() as session:  # the draft's job, as if still running when the grant came
            session.execute(update(SolveJobRow).where(SolveJobRow.id == draft["id"]).values(state="running"))
        feeds = tiny.client.app.state.feed_options  # type: ignore[attr-defined]
        store_job_result(database, draft["id"], parse_plan(_plan(tiny, draft["plan_id"])), feeds)
    finally:
        database.dispose()
    assert [v["needs_resolve"] for v in _versions(tiny).values()] == [True, True]

    solved = wait_for(tiny, start_solve(tiny, time_limit=3, publish=True))
    assert solved["state"] == "succeeded", solved
    problem = parse_problem(tiny.client.get(f"{tiny.week_api}/problem", headers=tiny.scheduler).json())
    assert granted.json()["id"] in {r.id for r in problem.reservations}
    plan = parse_plan(_plan(tiny, solved["plan_id"]))
    assert plan.status in ("optimal", "feasible") and plan.sessions
    assert check_plan(problem, plan) == []  # rules 6-8 with the reservation: the independent checker
    in_block = [s for s in plan.sessions if s.block == block]
    assert all(s.space != space and not s.resources.get("3d-printers") and "t-bell" not in s.staff for s in in_block)
    version = _versions(tiny)[solved["plan_id"]]
    assert version["state"] == "published" and version["needs_resolve"] is False
    feeds = {(feed.kind, feed.owner): feed for feed in derive_feeds(problem, plan)}
    held = f"reservation:{granted.json()['id']}"
    for key in (("staff", "t-bell"), ("spaces", space), ("resources", "3d-printers")):
        assert any(e.session.startswith(held) and e.block == block for e in feeds[key].events), key

    # The published plan now refuses a room one of its sessions uses, unless a scheduler overrides.
    used = next(s for s in plan.sessions if s.offering in ("art", "chess", "robotics"))
    ask = {"week": tiny.week, "block": used.block, "space": used.space}
    refused = reserve(tiny, tiny.teacher, **ask)
    assert refused.status_code == 409 and " is used by " in refused.json()["detail"], refused.text
    forced = reserve(tiny, tiny.scheduler, **ask, override=True)
    assert forced.status_code == 201, forced.text
    assert _versions(tiny)[solved["plan_id"]]["needs_resolve"] is True
