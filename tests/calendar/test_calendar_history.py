"""Re-publishing: byte-identical renders, stable UIDs, SEQUENCE only on real changes, cancellations.

The scenario on the tiny school's plan: chess@mon moves from Room 1 to the Library (a place change
for its four students, its teacher and both rooms), s-3 moves from study hall to chess on Wednesday
(a session change), and s-6 loses the Tuesday art placement (a placement that disappears). Feeds are
read back with icalendar, as a client would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from calendar_schools import FIXTURES, ROSTER_BASE, School

from scheduler.calendar import RenderedFeed, build_feeds
from scheduler.calendar.feeds import offline_published_at
from scheduler.calendar.history import DEFAULT_RETENTION, History, history_from_json, history_to_json
from scheduler.domain.plan import Plan

pytest_plugins = ["calendar_schools"]  # the shared schools (see calendar_schools.py)

T1 = dt.datetime(2026, 11, 23, 18, 30, 15, 123456, tzinfo=dt.UTC)
T2 = T1 + dt.timedelta(days=1)


def _changed(plan: Plan) -> Plan:
    sessions = []
    for s in plan.sessions:
        students = [
            x
            for x in s.students
            if not (s.id == "art@tue" and x == "s-6") and not (s.id == "study-hall@wed" and x == "s-3")
        ]
        if s.id == "chess@wed":
            students.append("s-3")
        sessions.append(
            s.model_copy(update={"students": students, "space": "library" if s.id == "chess@mon" else s.space})
        )
    assignments = []
    for a in plan.assignments:
        if (a.student, a.block) == ("s-6", "tue"):
            continue
        if (a.student, a.block) == ("s-3", "wed"):
            a = a.model_copy(update={"session": "chess@wed", "reason": "choice 1"})
        assignments.append(a)
    return plan.model_copy(update={"sessions": sessions, "assignments": assignments})


def _stored(feeds: list[RenderedFeed]) -> dict[tuple[str, str], History]:
    """What the service would keep: each feed's history through its JSON storage form."""
    return {(f.kind, f.owner): history_from_json(json.loads(json.dumps(history_to_json(f.published)))) for f in feeds}


def _events(feeds: list[RenderedFeed], kind: str, owner: str) -> dict[str, icalendar.Event]:
    (feed,) = [f for f in feeds if (f.kind, f.owner) == (kind, owner)]
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(feed.ics).walk("VEVENT")}


def _at(events: dict[str, icalendar.Event], day: int) -> icalendar.Event:
    (event,) = [e for e in events.values() if e.decoded("DTSTART").day == day]
    return event


@pytest.fixture(scope="module")
def publications(tiny_feeds: School) -> tuple[list[RenderedFeed], list[RenderedFeed]]:
    first = build_feeds(tiny_feeds.problem, tiny_feeds.plan, published_at=T1)
    second = build_feeds(tiny_feeds.problem, _changed(tiny_feeds.plan), published_at=T2, history=_stored(first))
    return first, second


def test_two_renders_are_byte_identical(tiny_feeds: School) -> None:
    assert [f.ics for f in build_feeds(tiny_feeds.problem, tiny_feeds.plan)] == [
        f.ics for f in build_feeds(tiny_feeds.problem, tiny_feeds.plan)
    ]


def test_feeds_are_identical_in_another_process(riverside_feeds: School, tmp_path: Path) -> None:
    """Another process (another PYTHONHASHSEED) writes the same bytes: no set order or clock leaks in."""
    plan = tmp_path / "plan.json"
    plan.write_text(riverside_feeds.plan.model_dump_json(), "utf-8")
    out = tmp_path / "feeds"
    code = (
        "import sys; from pathlib import Path; from scheduler.calendar import build_feeds, write_feed_files;"
        "from scheduler.domain.loading import load_plan, load_problem;"
        "write_feed_files(Path(sys.argv[3]), build_feeds(load_problem(sys.argv[1]), load_plan(sys.argv[2]),"
        f" roster_base_url={ROSTER_BASE!r}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    args = [sys.executable, "-c", code, str(FIXTURES / "riverside-ms.json"), str(plan), str(out)]
    subprocess.run(args, check=True, env=env, timeout=120)
    assert sorted(p.relative_to(out) for p in out.rglob("*.ics")) == sorted(
        p.relative_to(riverside_feeds.folder) for p in riverside_feeds.files
    )
    for path in riverside_feeds.files:
        assert (out / path.parent.name / path.name).read_bytes() == path.read_bytes()


def test_offline_stamp_is_the_weeks_monday_in_utc(tiny_feeds: School) -> None:
    assert offline_published_at(tiny_feeds.problem) == dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    data = tiny_feeds.files[0].read_bytes()
    assert b"DTSTAMP:20261130T000000Z" in data and b"LAST-MODIFIED:20261130T000000Z" in data


def test_uids_survive_a_republish(publications: tuple[list[RenderedFeed], list[RenderedFeed]]) -> None:
    first, second = publications
    for before, after in zip(first, second, strict=True):
        assert {p.uid for p in before.published} <= {p.uid for p in after.published}, before.owner


def test_sequence_rises_only_on_changed_events(publications: tuple[list[RenderedFeed], list[RenderedFeed]]) -> None:
    first, second = publications
    stamp = T2.replace(microsecond=0)
    changed = {("students", o, 30) for o in ("s-3", "s-5", "s-6", "s-7")}  # chess@mon moved to the Library
    changed |= {("students", "s-3", 2), ("staff", "t-chen", 30)}  # s-3's Wednesday session; t-chen's room
    for feed in second:
        now, before = _events(second, feed.kind, feed.owner), _events(first, feed.kind, feed.owner)
        for uid, event in now.items():
            key = (feed.kind, feed.owner, event.decoded("DTSTART").day)
            if uid not in before:
                assert event["SEQUENCE"] == 0 and key == ("spaces", "library", 30), key  # the room gained a session
            elif event["STATUS"] == "CANCELLED":
                continue
            elif key in changed:
                assert event["SEQUENCE"] == 1 and event.decoded("LAST-MODIFIED") == stamp, key
            else:
                assert event["SEQUENCE"] == 0, key
    s3 = _at(_events(second, "students", "s-3"), 2)
    assert str(s3["SUMMARY"]) == "Chess Club" and "choice number 1" in str(s3["DESCRIPTION"])


def test_wording_changes_move_last_modified_but_not_sequence(
    publications: tuple[list[RenderedFeed], list[RenderedFeed]],
) -> None:
    first, second = publications
    before, after = _at(_events(first, "staff", "t-bell"), 1), _at(_events(second, "staff", "t-bell"), 1)
    assert "4 students" in str(before["DESCRIPTION"]) and "3 students" in str(after["DESCRIPTION"])
    assert after["SEQUENCE"] == 0 and after.decoded("LAST-MODIFIED") == T2.replace(microsecond=0)
    untouched = _at(_events(second, "students", "s-1"), 30)
    assert untouched.decoded("LAST-MODIFIED") == T1.replace(microsecond=0)
    assert untouched.decoded("DTSTAMP") == T1.replace(microsecond=0)  # DTSTAMP is the last revision


def test_removed_placements_come_back_cancelled(publications: tuple[list[RenderedFeed], list[RenderedFeed]]) -> None:
    first, second = publications
    gone = _at(_events(second, "students", "s-6"), 1)
    assert gone["STATUS"] == "CANCELLED" and gone["SEQUENCE"] == 1 and gone["TRANSP"] == "TRANSPARENT"
    assert str(gone["UID"]) == str(_at(_events(first, "students", "s-6"), 1)["UID"])
    assert str(gone["SUMMARY"]).startswith("Cancelled: ")
    room = _at(_events(second, "spaces", "room-1"), 30)  # chess@mon left Room 1
    assert room["STATUS"] == "CANCELLED" and room["SEQUENCE"] == 1


def test_cancelled_events_are_kept_for_the_retention_then_dropped(
    tiny_feeds: School, publications: tuple[list[RenderedFeed], list[RenderedFeed]]
) -> None:
    _, second = publications
    plan = _changed(tiny_feeds.plan)
    later = T2 + DEFAULT_RETENTION - dt.timedelta(hours=1)
    third = build_feeds(tiny_feeds.problem, plan, published_at=later, history=_stored(second))
    kept = _at(_events(third, "students", "s-6"), 1)
    assert kept["STATUS"] == "CANCELLED" and kept["SEQUENCE"] == 1
    assert kept.decoded("LAST-MODIFIED") == T2.replace(microsecond=0)
    fourth = build_feeds(tiny_feeds.problem, plan, published_at=T2 + DEFAULT_RETENTION, history=_stored(third))
    assert [e.decoded("DTSTART").day for e in _events(fourth, "students", "s-6").values()] == [30, 2]


def test_a_placement_that_returns_is_confirmed_with_a_higher_sequence(
    tiny_feeds: School, publications: tuple[list[RenderedFeed], list[RenderedFeed]]
) -> None:
    _, second = publications
    third = build_feeds(
        tiny_feeds.problem, tiny_feeds.plan, published_at=T2 + dt.timedelta(days=1), history=_stored(second)
    )
    back = _at(_events(third, "students", "s-6"), 1)
    assert back["STATUS"] == "CONFIRMED" and back["SEQUENCE"] == 2


def test_unchanged_republish_gives_the_same_bytes(
    tiny_feeds: School, publications: tuple[list[RenderedFeed], list[RenderedFeed]]
) -> None:
    first, _ = publications
    again = build_feeds(tiny_feeds.problem, tiny_feeds.plan, published_at=T2, history=_stored(first))
    for a, b in zip(first, again, strict=True):
        assert a.published == b.published
        assert a.ics == b.ics


def test_history_needs_aware_times(tiny_feeds: School) -> None:
    with pytest.raises(ValueError, match="aware"):
        build_feeds(tiny_feeds.problem, tiny_feeds.plan, published_at=dt.datetime(2026, 11, 23))
