"""The stored feeds' window and retention, driven by explicit publication times (no wall clock)."""

from __future__ import annotations

import datetime as dt

import icalendar
from sqlalchemy import func, select

from scheduler.calendar import build_feeds
from scheduler.services.calendar_publish import FeedOptions, feed_document, publish_feeds
from scheduler.solver.baseline import baseline_plan
from scheduler.storage import problems as store
from scheduler.storage.database import Database
from scheduler.storage.tables import CalendarEventRow, CalendarFeedRow, SchoolRow
from tests.service.conftest import School

WEEK = dt.date(2026, 11, 30)  # the tiny school's week
T1 = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
OPTIONS = FeedOptions(weeks_back=4, weeks_ahead=8)


def _publish(database: Database, key: str, at: dt.datetime, *, empty: bool = False) -> None:
    with database.transaction() as session:
        school = session.scalar(select(SchoolRow).where(SchoolRow.key == key))
        assert school is not None
        problem = store.load_problem(session, school, WEEK)
        plan = baseline_plan(problem)
        if empty:  # every session of the week gone
            plan = plan.model_copy(update={"sessions": [], "assignments": []})
        publish_feeds(session, school, WEEK, problem, plan, at, OPTIONS)


def _feeds(database: Database) -> dict[tuple[str, str], bytes]:
    with database.transaction(read_only=True) as session:
        return {(f.kind, f.owner): feed_document(session, f.id).body for f in session.scalars(select(CalendarFeedRow))}


def _statuses(data: bytes) -> list[str]:
    return [str(e["STATUS"]) for e in icalendar.Calendar.from_ical(data).walk("VEVENT")]


def _event_rows(database: Database) -> int:
    with database.transaction(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(CalendarEventRow)) or 0


def test_old_weeks_leave_the_feeds_without_cancellations(tiny: School, database_url: str) -> None:
    database = Database(database_url)
    try:
        _publish(database, tiny.key, T1)
        assert _event_rows(database) > 0
        assert set(_statuses(_feeds(database)[("students", "s-1")])) == {"CONFIRMED"}
        _publish(database, tiny.key, T1 + dt.timedelta(weeks=6))  # the week is now 5 weeks back
        assert _event_rows(database) == 0
        assert all(_statuses(data) == [] for data in _feeds(database).values())
    finally:
        database.dispose()


def test_weeks_beyond_the_window_are_not_put_in_feeds(tiny: School, database_url: str) -> None:
    database = Database(database_url)
    try:
        _publish(database, tiny.key, T1 - dt.timedelta(weeks=10))
        assert _event_rows(database) == 0
    finally:
        database.dispose()


def test_cancellations_are_kept_for_the_retention_then_dropped(tiny: School, database_url: str) -> None:
    database = Database(database_url)
    try:
        _publish(database, tiny.key, T1)
        before = _feeds(database)
        _publish(database, tiny.key, T1 + dt.timedelta(hours=1), empty=True)
        cancelled = _feeds(database)
        assert set(cancelled) == set(before)
        for key, data in cancelled.items():
            assert len(_statuses(data)) == len(_statuses(before[key])), key
            assert set(_statuses(data)) <= {"CANCELLED"}, key
        _publish(database, tiny.key, T1 + OPTIONS.retention + dt.timedelta(hours=2), empty=True)
        assert _event_rows(database) == 0
    finally:
        database.dispose()


def test_an_unchanged_republish_changes_no_byte(tiny: School, database_url: str) -> None:
    database = Database(database_url)
    try:
        _publish(database, tiny.key, T1)
        first = _feeds(database)
        _publish(database, tiny.key, T1 + dt.timedelta(days=1))
        assert _feeds(database) == first
    finally:
        database.dispose()


def test_stored_feeds_are_the_offline_feeds_byte_for_byte(tiny: School, database_url: str) -> None:
    """The service assembles feeds from stored parts; the result equals what ``build_feeds`` renders
    whole (which the parser tests in tests/calendar read), for every feed with events."""
    database = Database(database_url)
    try:
        _publish(database, tiny.key, T1)
        stored = _feeds(database)
        with database.transaction(read_only=True) as session:
            school = session.scalar(select(SchoolRow).where(SchoolRow.key == tiny.key))
            problem = store.load_problem(session, school, WEEK)
        offline = {(f.kind, f.owner): f.ics for f in build_feeds(problem, baseline_plan(problem), published_at=T1)}
        with_events = {key: data for key, data in offline.items() if b"BEGIN:VEVENT" in data}
        assert with_events and stored == with_events
    finally:
        database.dispose()
