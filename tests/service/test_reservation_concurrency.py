"""Many teachers asking at once for the last room or the last units: exactly one wins, the others are
refused with alternatives, and the database never stores an overlap (run on SQLite and, with
``FLEXBLOCK_TEST_DATABASE_URL``, on a real PostgreSQL server)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scheduler.storage.database import Database
from scheduler.storage.tables import BookingRow, BookingSlotRow
from tests.service.conftest import School, auth, issue_token

REQUESTS = 24
STAFF = ("t-ruiz", "t-bell", "t-chen", "i-ng", "t-diaz")


def _race(tiny: School, database_url: str, body: dict) -> list:
    tokens = [auth(issue_token(database_url, "teacher", tiny.key, staff)) for staff in STAFF]
    start = threading.Barrier(REQUESTS)

    def ask(i: int):
        start.wait()
        return tiny.client.post(f"{tiny.api}/reservations", json=body, headers=tokens[i % len(tokens)])

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        return list(pool.map(ask, range(REQUESTS)))


def _active_slots(database_url: str) -> list[tuple[BookingSlotRow, BookingRow]]:
    database = Database(database_url)
    try:
        with database.transaction(read_only=True) as session:
            query = select(BookingSlotRow, BookingRow).join(BookingRow).where(BookingSlotRow.active)
            return [tuple(row) for row in session.execute(query).all()]  # type: ignore[misc]
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "body",
    [
        {"date": "2026-12-01", "start": "13:00", "end": "14:00", "space": "maker-1"},
        {"date": "2026-12-01", "start": "13:00", "end": "14:00", "resources": {"3d-printers": 1}},
    ],
    ids=["last-room", "last-unit"],
)
def test_exactly_one_of_many_simultaneous_requests_wins(tiny: School, database_url: str, body: dict) -> None:
    responses = _race(tiny, database_url, body)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (REQUESTS - 1), [r.text for r in responses if r.status_code not in (201, 409)]
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert all(p["code"] == "reservation_refused" and p["alternatives"]["times"] for p in refusals)
    slots = _active_slots(database_url)
    assert len(slots) == 1


def test_the_database_itself_refuses_overlapping_room_slots(tiny: School, database_url: str) -> None:
    """The last guard behind the lock: PostgreSQL's exclusion constraint (SQLite relies on serial writes)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the exclusion constraint is PostgreSQL's")
    granted = tiny.client.post(
        f"{tiny.api}/reservations",
        json={"date": "2026-12-01", "start": "13:00", "end": "14:00", "space": "maker-1"},
        headers=tiny.teacher,
    )
    assert granted.status_code == 201
    slot, booking = _active_slots(database_url)[0]
    later = dt.timedelta(minutes=30)
    database = Database(database_url)
    try:
        with pytest.raises(IntegrityError), database.transaction() as session:
            session.add(
                BookingSlotRow(
                    booking_id=booking.id, school_id=slot.school_id, week=slot.week, date=slot.date,
                    start=slot.start, end=slot.end, block=None, space="maker-1", active=True,
                    starts_at=slot.starts_at + later, ends_at=slot.ends_at + later,
                )
            )  # fmt: skip
    finally:
        database.dispose()
