"""The time model of reservations: a request becomes concrete occurrences, one per week.

- A reservation occupies [start, end) on a date, in the school's time zone (zoneinfo); it is stored
  and compared in UTC, so a daylight-saving change cannot make two times look apart.
- A block reservation takes its block's own date and times. A recurring one takes, in each later
  week, the block of the same id stored for that week; in a week whose blocks are not imported yet,
  the first week's block moved by whole weeks (block ids recur week to week).
- What a reservation *holds* also covers every block its time overlaps: a session uses its whole
  block, so a room booked 10:30-11:00 is not free for a 10:00-10:45 flex block. This is also what
  the spec's block reservations say to the solver, so the service's check and ``scheduler check``
  agree.
- School hours: a time must lie within the school day, a per-school setting (default 07:00-18:00),
  on a weekday (Monday to Friday). A block reservation is always allowed: blocks define school time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scheduler.domain.errors import InputIssue
from scheduler.services.errors import InvalidInput
from scheduler.storage.convert import week_of
from scheduler.storage.tables import BlockRow

DAY_START = dt.time(7, 0)
DAY_END = dt.time(18, 0)
WEEKDAYS = 5  # Monday to Friday are school days


@dataclass(frozen=True)
class Span:
    """A block (or any labelled time) on a date, as UTC bounds."""

    key: str
    label: str
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime

    def overlaps(self, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
        return self.starts_at < ends_at and starts_at < self.ends_at


@dataclass(frozen=True)
class Occurrence:
    """One concrete time of a reservation: asked [start, end) and the held interval (UTC)."""

    week: dt.date
    date: dt.date
    start: dt.time
    end: dt.time
    block: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    held_from: dt.datetime
    held_to: dt.datetime
    blocks: tuple[Span, ...] = field(default=())  # the blocks it overlaps

    def overlaps(self, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
        return self.held_from < ends_at and starts_at < self.held_to

    @property
    def label(self) -> str:
        if self.blocks and self.block is not None:
            return self.blocks[0].label
        return f"{self.date:%a} {self.date.isoformat()} {self.start:%H:%M}-{self.end:%H:%M}"


def utc(tz: ZoneInfo, day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def block_span(tz: ZoneInfo, row: BlockRow, date: dt.date | None = None) -> Span:
    day = date or row.date
    label = row.label or row.key
    return Span(row.key, label, day, utc(tz, day, row.start), utc(tz, day, row.end))


class Calendar:
    """The blocks of a school by week, to place occurrences and widen them to the blocks they touch."""

    def __init__(self, tz: ZoneInfo, blocks: list[BlockRow]) -> None:
        self.tz = tz
        self.by_week: dict[dt.date, list[BlockRow]] = {}
        for row in blocks:
            self.by_week.setdefault(row.week, []).append(row)

    def spans_on(self, day: dt.date) -> list[Span]:
        return [block_span(self.tz, row) for row in self.by_week.get(week_of(day), []) if row.date == day]

    def block_in(self, week: dt.date, key: str) -> BlockRow | None:
        return next((row for row in self.by_week.get(week, []) if row.key == key), None)

    def occurrence(self, day: dt.date, start: dt.time, end: dt.time, block: str | None = None) -> Occurrence:
        starts_at, ends_at = utc(self.tz, day, start), utc(self.tz, day, end)
        touched = tuple(span for span in self.spans_on(day) if span.overlaps(starts_at, ends_at))
        held_from = min([starts_at, *(s.starts_at for s in touched)])
        held_to = max([ends_at, *(s.ends_at for s in touched)])
        return Occurrence(week_of(day), day, start, end, block, starts_at, ends_at, held_from, held_to, touched)


def _bad(path: str, message: str, code: str = "invalid_time") -> InvalidInput:
    return InvalidInput(f"{path}: {message}", code=code, issues=[InputIssue(path, message)])


def block_occurrences(calendar: Calendar, week: dt.date, block: str, repeat: int) -> list[Occurrence]:
    """The block of ``week`` and the same block in each of the next ``repeat - 1`` weeks."""
    if week.weekday() != 0:
        raise _bad("week", f"{week.isoformat()} is a {week:%A}; a week is named by its Monday", "bad_week")
    first = calendar.block_in(week, block)
    if first is None:
        raise _bad("block", f"no block {block!r} in the week of {week.isoformat()}", "unknown_block")
    out = []
    for k in range(repeat):
        row = calendar.block_in(week + dt.timedelta(weeks=k), block)
        day, start, end = (
            (row.date, row.start, row.end) if row else (first.date + dt.timedelta(weeks=k), first.start, first.end)
        )
        out.append(calendar.occurrence(day, start, end, block))
    return out


def window_occurrences(
    calendar: Calendar, day: dt.date, start: dt.time, end: dt.time, repeat: int, hours: tuple[dt.time, dt.time]
) -> list[Occurrence]:
    """``day`` [start, end) and the same time each of the next ``repeat - 1`` weeks, within school hours."""
    if end <= start:
        raise _bad("end", f"{end:%H:%M} is not after start {start:%H:%M}")
    if day.weekday() >= WEEKDAYS:
        raise _bad("date", f"{day.isoformat()} is a {day:%A}, not a school day")
    day_start, day_end = hours
    if start < day_start:
        raise _bad("start", f"{start:%H:%M} is before the school day starts ({day_start:%H:%M})", "outside_hours")
    if end > day_end:
        raise _bad("end", f"{end:%H:%M} is after the school day ends ({day_end:%H:%M})", "outside_hours")
    return [calendar.occurrence(day + dt.timedelta(weeks=k), start, end) for k in range(repeat)]
