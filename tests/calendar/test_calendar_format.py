"""The bytes of every feed: layout on disk, calendar properties, CRLF, 75-octet folding, zones."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
from calendar_schools import School

from scheduler.calendar import build_feeds
from scheduler.calendar.model import FEED_KINDS
from tests.feed_text import event_lines, properties, readable_text, unfold

pytest_plugins = ["calendar_schools"]  # the shared schools (see calendar_schools.py)


def _entities_with_events(school_feeds: School) -> dict[str, set[str]]:
    """Which files must exist, worked out from the plan and problem directly."""
    plan, problem = school_feeds.plan, school_feeds.problem
    return {
        "students": {a.student for a in plan.assignments},
        "staff": {t for s in plan.sessions for t in s.staff} | {r.staff for r in problem.reservations if r.staff},
        "spaces": {s.space for s in plan.sessions if s.space} | {r.space for r in problem.reservations if r.space},
        "resources": {r for s in plan.sessions for r, n in s.resources.items() if n}
        | {r for res in problem.reservations for r, n in res.resources.items() if n},
    }


def test_one_file_per_entity_with_events(school_feeds: School) -> None:
    expected = _entities_with_events(school_feeds)
    for kind in FEED_KINDS:
        on_disk = {p.stem for p in (school_feeds.folder / kind).glob("*.ics")}
        assert on_disk == expected[kind], kind
    assert len(school_feeds.files) == sum(len(v) for v in expected.values())
    assert not list(school_feeds.folder.glob("*/.*"))  # no temporary files left behind


def test_calendar_properties(school_feeds: School) -> None:
    for path in school_feeds.files:
        data = path.read_bytes()
        lines = unfold(data)
        assert lines[0] == "BEGIN:VCALENDAR" and lines[-2:] == ["END:VCALENDAR", ""], path
        for expected in (
            "VERSION:2.0",
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
            "X-PUBLISHED-TTL:PT1H",
        ):
            assert expected in lines, (path, expected)
        assert len(properties(data, "PRODID")) == 1
        assert not properties(data, "METHOD")  # a calendar store, not a scheduling message
        (calname,) = properties(data, "X-WR-CALNAME")
        assert school_feeds.problem.school.name in calname


def test_crlf_folding_and_no_bom(school_feeds: School) -> None:
    for path in school_feeds.files:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b""), f"bare LF in {path}"
        assert b"\r" not in data.replace(b"\r\n", b""), f"bare CR in {path}"
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, (path, line)
            line.decode("utf-8")  # a fold never splits a UTF-8 character


def _vtimezone_text(data: bytes) -> bytes:
    return data[data.index(b"BEGIN:VTIMEZONE") : data.index(b"END:VTIMEZONE")]


def test_times_carry_the_school_zone_with_a_matching_vtimezone(school_feeds: School) -> None:
    tzid = school_feeds.problem.school.timezone
    zone = ZoneInfo(tzid)
    own_zones = {}
    for path in school_feeds.files:
        data = path.read_bytes()
        times = [line for line in event_lines(data) if re.match(r"(DTSTART|DTEND|DUE|RECURRENCE-ID)[;:]", line)]
        assert len(times) == 2 * data.count(b"BEGIN:VEVENT")
        for line in times:
            assert re.fullmatch(rf"DT(START|END);TZID={re.escape(tzid)}:\d{{8}}T\d{{6}}", line), (path, line)
        calendar = school_feeds.parsed(path)
        (vtimezone,) = calendar.walk("VTIMEZONE")
        assert vtimezone["TZID"] == tzid
        # The VTIMEZONE itself (not the parser's own zone database) gives the right offset for every event.
        text = _vtimezone_text(data)
        if text not in own_zones:
            own_zones[text] = vtimezone.to_tz()
        for event in calendar.walk("VEVENT"):
            wall = event.decoded("DTSTART").replace(tzinfo=None)
            assert own_zones[text].utcoffset(wall) == zone.utcoffset(wall), (path, wall)


def test_stamps_are_utc_and_no_floating_times(school_feeds: School) -> None:
    for path in school_feeds.files:
        data = path.read_bytes()
        for name in ("DTSTAMP", "LAST-MODIFIED"):
            assert all(re.fullmatch(rf"{name}:\d{{8}}T\d{{6}}Z", line) for line in properties(data, name)), path
        events = data.count(b"BEGIN:VEVENT")
        assert events == len(properties(data, "DTSTAMP")) == len(properties(data, "UID")) > 0


def test_uids_are_unique_in_each_feed_and_across_feeds(riverside_feeds: School) -> None:
    seen: set[str] = set()
    for feed in riverside_feeds.feeds:
        uids = [p.uid for p in feed.published]
        assert len(uids) == len(set(uids))
        assert not seen & set(uids)
        seen |= set(uids)
        assert all(re.fullmatch(r"[0-9a-f]{32}@flexblock", uid) for uid in uids)


def test_multibyte_text_is_folded_on_character_boundaries(tiny_feeds: School) -> None:
    title = "Atelier d’écriture · 日本語クラブ · Ünïcødé 🎨 " * 6
    offerings = [o.model_copy(update={"title": title}) if o.id == "art" else o for o in tiny_feeds.problem.offerings]
    problem = tiny_feeds.problem.model_copy(update={"offerings": offerings})
    art_students = {a.student for a in tiny_feeds.plan.assignments if a.session.startswith("art@")}
    assert art_students
    for feed in build_feeds(problem, tiny_feeds.plan):
        if feed.kind == "students" and feed.owner in art_students:
            lines = feed.ics.split(b"\r\n")
            assert all(len(line) <= 75 for line in lines)
            assert any(len(line) >= 72 and line.startswith(b" ") for line in lines)  # folded close to the limit
            for line in lines:
                line.decode("utf-8")
            assert f"SUMMARY:{title}" in unfold(feed.ics)
            assert title in readable_text(feed.ics)
            parsed = icalendar.Calendar.from_ical(feed.ics)
            assert title in {str(e["SUMMARY"]) for e in parsed.walk("VEVENT")}


def test_dst_week_keeps_wall_clock_times(tiny_feeds: School) -> None:
    """A week that spans a DST change: 10:00 stays 10:00 local, the UTC offset moves."""
    blocks = [
        b.model_copy(update={"date": dt.date(2026, 10, 30) + dt.timedelta(days=i)})
        for i, b in enumerate(tiny_feeds.problem.blocks)
    ]  # Fri 30 Oct, Sat 31 Oct, Sun 1 Nov 2026: America/Chicago leaves DST on 1 Nov
    problem = tiny_feeds.problem.model_copy(update={"blocks": blocks})
    expected_offset = {dt.date(2026, 10, 30): -5, dt.date(2026, 10, 31): -5, dt.date(2026, 11, 1): -6}
    offsets = set()
    for feed in build_feeds(problem, tiny_feeds.plan):
        calendar = icalendar.Calendar.from_ical(feed.ics)
        own_zone = calendar.walk("VTIMEZONE")[0].to_tz()
        for event in calendar.walk("VEVENT"):
            wall = event.decoded("DTSTART").replace(tzinfo=None)
            assert wall.time() == dt.time(10, 0)
            offset = own_zone.utcoffset(wall)
            assert offset == dt.timedelta(hours=expected_offset[wall.date()])
            offsets.add(offset)
    assert len(offsets) == 2
