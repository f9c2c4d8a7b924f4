"""The reservation time model without a database: occurrences, widening to blocks, time zones, peaks."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from scheduler.services.availability import peak_units
from scheduler.services.errors import InvalidInput
from scheduler.services.reservation_times import Calendar, block_occurrences, window_occurrences

CHICAGO = ZoneInfo("America/Chicago")
HOURS = (dt.time(7), dt.time(18))
MONDAY = dt.date(2026, 11, 30)


def _block(key: str, day: dt.date, start: dt.time, end: dt.time) -> SimpleNamespace:
    monday = day - dt.timedelta(days=day.weekday())
    return SimpleNamespace(key=key, week=monday, date=day, start=start, end=end, label=f"{day:%a} flex")


def _calendar() -> Calendar:
    return Calendar(CHICAGO, [_block("tue", MONDAY + dt.timedelta(days=1), dt.time(10), dt.time(10, 45))])  # type: ignore[list-item]


def test_a_time_that_touches_a_block_holds_the_whole_block() -> None:
    [occ] = window_occurrences(_calendar(), dt.date(2026, 12, 1), dt.time(10, 30), dt.time(11), 1, HOURS)
    assert [s.key for s in occ.blocks] == ["tue"]
    assert occ.held_from == dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)  # 10:00 in Chicago
    assert occ.held_to == dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
    [after] = window_occurrences(_calendar(), dt.date(2026, 12, 1), dt.time(10, 45), dt.time(11), 1, HOURS)
    assert after.blocks == () and after.held_from == after.starts_at  # [start, end): touching is not overlapping


def test_weekly_occurrences_keep_wall_clock_time_across_daylight_saving() -> None:
    occurrences = window_occurrences(_calendar(), dt.date(2027, 3, 8), dt.time(9), dt.time(10), 2, HOURS)
    assert [o.date for o in occurrences] == [dt.date(2027, 3, 8), dt.date(2027, 3, 15)]
    assert [o.starts_at.hour for o in occurrences] == [15, 14]  # CST then CDT: same 09:00 on the wall


def test_a_recurring_block_reservation_moves_the_block_by_weeks_when_a_week_is_not_imported() -> None:
    occurrences = block_occurrences(_calendar(), MONDAY, "tue", 3)
    assert [(o.date, o.start, o.block) for o in occurrences] == [
        (dt.date(2026, 12, d), dt.time(10), "tue") for d in (1, 8, 15)
    ]


@pytest.mark.parametrize(
    ("day", "start", "end", "path"),
    [
        (dt.date(2026, 12, 1), dt.time(11), dt.time(11), "end"),
        (dt.date(2026, 12, 1), dt.time(6, 59), dt.time(8), "start"),
        (dt.date(2026, 12, 1), dt.time(17), dt.time(18, 1), "end"),
        (dt.date(2026, 12, 6), dt.time(9), dt.time(10), "date"),
    ],
)
def test_times_outside_the_school_day_name_the_field(day: dt.date, start: dt.time, end: dt.time, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        window_occurrences(_calendar(), day, start, end, 1, HOURS)
    assert [issue.path for issue in caught.value.issues] == [path]


def test_units_are_counted_at_their_peak() -> None:
    t = [dt.datetime(2026, 12, 1, h, tzinfo=dt.UTC) for h in range(8, 14)]
    uses = [(t[0], t[2], 5), (t[2], t[4], 5), (t[1], t[3], 2)]
    assert peak_units(uses, t[0], t[5]) == 7  # the two fives never overlap: [) intervals
    assert peak_units(uses, t[3], t[5]) == 5
    assert peak_units(uses, t[4], t[5]) == 0
