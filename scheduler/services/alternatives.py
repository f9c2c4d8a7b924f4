"""Whether a reservation fits, and what to offer instead when it does not.

A refused teacher gets three kinds of alternative, each checked against the same holders as the
request: other spaces with the asked features and enough seats, free at every asked time; the
nearest free times for the same space and units (other blocks of that week for a block
reservation; the same length in 15-minute steps through the school day, that day first, then the
other days of that week, for a time window); and the largest quantity of each resource still free
at every asked time. Times are proposed for the first week that clashes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scheduler.services.availability import Clash, Occupancy
from scheduler.services.reservation_times import WEEKDAYS, Occurrence

STEP = dt.timedelta(minutes=15)
MAX_SPACES = 5
MAX_TIMES = 3


@dataclass(frozen=True)
class Need:
    """A request resolved against the school: the spaces that would do, best first, and the rest."""

    wants_space: bool
    candidates: list[str]  # spaces that fit, best first (the asked one alone when asked by id)
    asked_space: str | None
    features: list[str]
    seats: int
    resources: dict[str, int]
    staff: str | None
    misfits: list[str] = field(default_factory=list)  # why the asked space does not fit


def evaluate(occupancy: Occupancy, occurrences: list[Occurrence], need: Need) -> tuple[str | None, list[Clash]]:
    """The space to grant (None when no space is asked or none is free) and every clash found."""
    shared = [
        clash
        for occ in occurrences
        for clash in occupancy.resource_clashes(occ, need.resources) + occupancy.staff_clashes(occ, need.staff)
    ]
    if not need.wants_space:
        return None, shared
    first = occurrences[0]
    misfit = [Clash(first.week, first.date, "fit", need.asked_space or "", m) for m in need.misfits]
    space_clashes: list[Clash] = []
    for space in need.candidates:
        found = [clash for occ in occurrences for clash in occupancy.space_clashes(occ, space)]
        if not found:
            return space, misfit + shared
        space_clashes += found
    return None, misfit + space_clashes + shared


def _free_spaces(occupancy: Occupancy, occurrences: list[Occurrence], need: Need) -> list[dict[str, object]]:
    school = occupancy.school
    fitting = [
        s
        for s in school.spaces.values()
        if s.key != need.asked_space and set(need.features) <= set(s.features or []) and s.capacity >= need.seats
    ]
    out = []
    for s in sorted(fitting, key=lambda s: (s.capacity, s.key)):
        if all(not occupancy.space_clashes(occ, s.key) for occ in occurrences):
            out.append({"space": s.key, "name": s.name, "capacity": s.capacity, "features": list(s.features or [])})
        if len(out) == MAX_SPACES:
            break
    return out


def _candidate_times(occupancy: Occupancy, occ: Occurrence, hours: tuple[dt.time, dt.time]) -> list[Occurrence]:
    calendar = occupancy.school.calendar
    if occ.block is not None:
        rows = [row for row in calendar.by_week.get(occ.week, []) if row.key != occ.block]
        found = [calendar.occurrence(row.date, row.start, row.end, row.key) for row in rows]
    else:
        length = dt.datetime.combine(occ.date, occ.end) - dt.datetime.combine(occ.date, occ.start)
        found = []
        for offset in range(WEEKDAYS):
            day = occ.week + dt.timedelta(days=offset)
            start = dt.datetime.combine(day, hours[0])
            while start + length <= dt.datetime.combine(day, hours[1]):
                if not (day == occ.date and start.time() == occ.start):
                    found.append(calendar.occurrence(day, start.time(), (start + length).time()))
                start += STEP
    return sorted(found, key=lambda o: (abs(o.starts_at - occ.starts_at), o.starts_at))


def _nearest_times(
    occupancy: Occupancy, occ: Occurrence, need: Need, hours: tuple[dt.time, dt.time]
) -> list[dict[str, object]]:
    if need.wants_space and not need.candidates:
        return []
    out: list[dict[str, object]] = []
    for candidate in _candidate_times(occupancy, occ, hours):
        space, clashes = evaluate(occupancy, [candidate], need)
        if not clashes and (space or not need.wants_space):
            out.append(
                {
                    "week": candidate.week.isoformat(),
                    "date": candidate.date.isoformat(),
                    "start": candidate.start.strftime("%H:%M"),
                    "end": candidate.end.strftime("%H:%M"),
                    "block": candidate.block,
                    "space": space,
                }
            )
        if len(out) == MAX_TIMES:
            break
    return out


def alternatives(
    occupancy: Occupancy,
    occurrences: list[Occurrence],
    need: Need,
    clashes: list[Clash],
    hours: tuple[dt.time, dt.time],
) -> dict[str, object]:
    """Other spaces, the nearest free times and the largest free quantities, as JSON-ready values."""
    clashing = next((o for o in occurrences if any(c.date == o.date for c in clashes)), occurrences[0])
    quantities = {r: min(occupancy.free_units(occ, r) for occ in occurrences) for r in need.resources}
    return {
        "spaces": _free_spaces(occupancy, occurrences, need) if need.wants_space else [],
        "times": _nearest_times(occupancy, clashing, need, hours),
        "quantities": quantities,
    }
