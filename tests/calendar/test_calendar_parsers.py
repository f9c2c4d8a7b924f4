"""Independent parsers read every feed type, and a calendar app would show the plan's blocks.

icalendar, the strict ``ical`` package and recurring-ical-events read every file. vobject with
validation (the slowest) reads every staff, space and resource feed and every 10th student feed of
Riverside, and every feed of the tiny school_feeds: student feeds are all built by the same code.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import recurring_ical_events
import vobject
from calendar_schools import School
from ical.calendar_stream import IcsCalendarStream

pytest_plugins = ["calendar_schools"]  # the shared schools (see calendar_schools.py)

Slot = tuple[dt.datetime, dt.datetime]


def _expected_slots(school_feeds: School) -> dict[tuple[str, str], Counter[Slot]]:
    """(kind, owner) -> the blocks a calendar app must show, worked out from the plan and problem alone."""
    zone = ZoneInfo(school_feeds.problem.school.timezone)
    blocks = {
        b.id: (dt.datetime.combine(b.date, b.start, tzinfo=zone), dt.datetime.combine(b.date, b.end, tzinfo=zone))
        for b in school_feeds.problem.blocks
    }
    sessions = {s.id: s for s in school_feeds.plan.sessions}
    out: dict[tuple[str, str], Counter[Slot]] = {}

    def add(kind: str, owner: str | None, block: str) -> None:
        if owner:
            out.setdefault((kind, owner), Counter())[blocks[block]] += 1

    for a in school_feeds.plan.assignments:
        add("students", a.student, sessions[a.session].block)
    in_use = set()
    for s in school_feeds.plan.sessions:
        for t in s.staff:
            add("staff", t, s.block)
        add("spaces", s.space, s.block)
        in_use |= {(r, s.block) for r, n in s.resources.items() if n}
    for r, block in in_use:  # one event per block for all the sessions that use a resource
        add("resources", r, block)
    for r in school_feeds.problem.reservations:
        add("staff", r.staff, r.block)
        add("spaces", r.space, r.block)
        for resource, n in r.resources.items():
            if n:
                add("resources", resource, r.block)
    return out


def _week(school_feeds: School) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(school_feeds.problem.school.timezone)
    first = min(b.date for b in school_feeds.problem.blocks)
    monday = dt.datetime.combine(first - dt.timedelta(days=first.weekday()), dt.time(), tzinfo=zone)
    return monday, monday + dt.timedelta(days=7)


def _key(school_feeds: School, path: Path) -> tuple[str, str]:
    return path.parent.name, path.stem


def test_recurring_ical_events_shows_the_plans_blocks_in_the_school_zone(school_feeds: School) -> None:
    expected = _expected_slots(school_feeds)
    start, end = _week(school_feeds)
    zone_key = school_feeds.problem.school.timezone
    assert {_key(school_feeds, p) for p in school_feeds.files} == set(expected)
    for path in school_feeds.files:
        occurrences = recurring_ical_events.of(school_feeds.parsed(path)).between(start, end)
        shown: Counter[Slot] = Counter()
        for occurrence in occurrences:
            assert occurrence["STATUS"] == "CONFIRMED"
            begins, ends = occurrence.start, occurrence.end
            assert getattr(begins.tzinfo, "key", None) == zone_key, path  # aware, in the school's zone
            shown[(begins, ends)] += 1
        assert shown == expected[_key(school_feeds, path)], path
        # Same instants and the same wall-clock times (aware comparison alone would accept a shifted zone).
        walls = Counter((b.replace(tzinfo=None), e.replace(tzinfo=None)) for b, e in shown.elements())
        assert walls == Counter(
            (b.replace(tzinfo=None), e.replace(tzinfo=None)) for b, e in expected[_key(school_feeds, path)].elements()
        )


def test_student_events_name_their_sessions(school_feeds: School) -> None:
    sessions = {s.id: s for s in school_feeds.plan.sessions}
    offerings = {o.id: o for o in school_feeds.problem.offerings}
    spaces = {s.id: s for s in school_feeds.problem.spaces}
    zone = ZoneInfo(school_feeds.problem.school.timezone)
    blocks = {b.id: b for b in school_feeds.problem.blocks}
    for a in school_feeds.plan.assignments[::7]:
        session = sessions[a.session]
        block = blocks[session.block]
        calendar = school_feeds.parsed(school_feeds.folder / "students" / f"{a.student}.ics")
        start = dt.datetime.combine(block.date, block.start, tzinfo=zone)
        (event,) = [e for e in calendar.walk("VEVENT") if e.decoded("DTSTART") == start]
        assert str(event["SUMMARY"]) == (offerings[session.offering].title or session.offering)
        if session.space:
            assert str(event["LOCATION"]) == (spaces[session.space].name or session.space)


def test_strict_ical_package_reads_every_feed(school_feeds: School) -> None:
    for path in school_feeds.files:
        calendar = IcsCalendarStream.calendar_from_ics(path.read_text("utf-8"))
        assert calendar.events, path
        assert {tz.tz_id for tz in calendar.timezones} == {school_feeds.problem.school.timezone}
        for event in calendar.events:
            assert event.dtstart.tzinfo is not None and event.dtstart < event.dtend
            assert event.sequence == 0
            assert event.dtstamp == event.last_modified


def test_vobject_validates_the_feeds(school_feeds: School) -> None:
    students = sorted(p for p in school_feeds.files if p.parent.name == "students")
    others = [p for p in school_feeds.files if p.parent.name != "students"]
    for path in others + students[::10]:
        calendar = vobject.readOne(path.read_text("utf-8"))
        assert calendar.validate(raiseException=True), path
        assert calendar.vevent.dtstart.value.tzinfo is not None
        assert calendar.vevent.dtstart.params.get("X-VOBJ-ORIGINAL-TZID") == [school_feeds.problem.school.timezone]
