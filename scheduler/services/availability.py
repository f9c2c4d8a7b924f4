"""What holds a school's spaces, units and staff at a time, and whether a reservation still fits.

Holders are the sessions of a plan (each holds its block: space, staff, units it uses), the active
bookings (pending or approved: a pending request holds its time until a scheduler declines it, so
approving it later can never collide with another reservation) and the spec reservations imported
with a week's problem. Units are compared at their peak: a reservation fits when, at every moment of
its held interval, units in use plus units asked stay within the resource's quantity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.services.reservation_times import Calendar, Occurrence, block_span
from scheduler.storage.tables import (
    BookingRow,
    BookingSlotRow,
    OfferingRow,
    PlanRow,
    PlanSessionRow,
    ReservationRow,
    ResourceRow,
    SchoolRow,
    SpaceRow,
    StaffRow,
)


@dataclass(frozen=True)
class Holder:
    """Something that holds a space, staff or units over [starts_at, ends_at)."""

    kind: str  # "session" | "reservation"
    what: str  # "Robotics Studio", "a reservation of Ana Ruiz"
    when: str  # "Thu flex", "Tue 2026-12-01 13:00-14:00"
    starts_at: dt.datetime
    ends_at: dt.datetime
    space: str | None
    staff: tuple[str, ...]
    resources: dict[str, int]


@dataclass(frozen=True)
class Clash:
    """One reason a reservation does not fit, in words a teacher understands."""

    week: dt.date
    date: dt.date
    kind: str  # space | unavailable | fit | resource | staff
    subject: str  # the space, resource or staff id
    message: str


@dataclass
class School:
    """The facts of one school a reservation is checked against, loaded once per request."""

    row: SchoolRow
    calendar: Calendar
    spaces: dict[str, SpaceRow]
    resources: dict[str, ResourceRow]
    staff_names: dict[str, str]
    titles: dict[str, str] = field(default_factory=dict)

    def space_name(self, key: str) -> str:
        space = self.spaces.get(key)
        return (space.name if space else None) or key

    def resource_name(self, key: str) -> str:
        resource = self.resources.get(key)
        return (resource.name if resource else None) or key

    def staff_name(self, key: str | None) -> str:
        return self.staff_names.get(key or "", key or "") or (key or "")


def load_school(session: Session, row: SchoolRow, calendar: Calendar) -> School:
    def rows(table: type) -> list:
        return list(session.scalars(select(table).where(table.school_id == row.id)))

    return School(
        row=row,
        calendar=calendar,
        spaces={s.key: s for s in rows(SpaceRow)},
        resources={r.key: r for r in rows(ResourceRow)},
        staff_names={s.key: s.name or s.key for s in rows(StaffRow)},
        titles={o.key: o.title or o.key for o in rows(OfferingRow)},
    )


def _occurrence_label(school: School, slot: BookingSlotRow) -> str:
    block = school.calendar.block_in(slot.week, slot.block) if slot.block else None
    if block is not None and block.date == slot.date:
        return block.label or block.key
    return f"{slot.date:%a} {slot.date.isoformat()} {slot.start:%H:%M}-{slot.end:%H:%M}"


def booking_holders(
    session: Session, school: School, weeks: Iterable[dt.date], exclude: int | None = None
) -> list[Holder]:
    """Active bookings of the weeks, and the spec reservations imported with them."""
    weeks = sorted(set(weeks))
    query = (
        select(BookingSlotRow, BookingRow)
        .join(BookingRow, BookingRow.id == BookingSlotRow.booking_id)
        .where(BookingSlotRow.school_id == school.row.id, BookingSlotRow.week.in_(weeks), BookingSlotRow.active)
    )
    if exclude is not None:
        query = query.where(BookingRow.id != exclude)
    holders = []
    for slot, booking in session.execute(query).all():
        what = f"a reservation of {school.staff_name(booking.staff)}" if booking.staff else "a reservation"
        staff = (booking.staff,) if booking.staff else ()
        holders.append(
            Holder(
                "reservation",
                what,
                _occurrence_label(school, slot),
                slot.starts_at,
                slot.ends_at,
                slot.space,
                staff,
                booking.resources,
            )
        )
    imported = select(ReservationRow).where(ReservationRow.school_id == school.row.id, ReservationRow.week.in_(weeks))
    for r in session.scalars(imported):
        block = school.calendar.block_in(r.week, r.block)
        if block is None:
            continue
        span = block_span(school.calendar.tz, block)
        what = f"a reservation of {school.staff_name(r.staff)}" if r.staff else "a reservation"
        holders.append(
            Holder(
                "reservation",
                what,
                span.label,
                span.starts_at,
                span.ends_at,
                r.space,
                tuple(filter(None, [r.staff])),
                r.resources,
            )
        )
    return holders


def plan_holders(session: Session, school: School, plan: PlanRow) -> list[Holder]:
    """The running sessions of one plan version, each holding its whole block."""
    holders = []
    for s in session.scalars(select(PlanSessionRow).where(PlanSessionRow.plan_id == plan.id)):
        block = school.calendar.block_in(plan.week, s.block)
        if block is None:
            continue
        span = block_span(school.calendar.tz, block)
        what = school.titles.get(s.offering, s.offering)
        holders.append(
            Holder("session", what, span.label, span.starts_at, span.ends_at, s.space, tuple(s.staff), s.resources)
        )
    return holders


def plans_of(session: Session, school: SchoolRow, weeks: Iterable[dt.date], state: str) -> list[PlanRow]:
    query = select(PlanRow).where(
        PlanRow.school_id == school.id, PlanRow.week.in_(sorted(set(weeks))), PlanRow.state == state
    )
    return list(session.scalars(query.order_by(PlanRow.id)))


def peak_units(intervals: list[tuple[dt.datetime, dt.datetime, int]], lo: dt.datetime, hi: dt.datetime) -> int:
    """The most units in use at once within [lo, hi) (ends before starts at equal times: [) intervals)."""
    events = []
    for start, end, units in intervals:
        start, end = max(start, lo), min(end, hi)
        if start < end:
            events += [(start, 1, units), (end, 0, -units)]
    running = best = 0
    for _time, _order, delta in sorted(events, key=lambda e: (e[0], e[1])):
        running += delta
        best = max(best, running)
    return best


class Occupancy:
    """Holders of a school's weeks, queried per occurrence."""

    def __init__(self, school: School, holders: list[Holder]) -> None:
        self.school = school
        self.holders = holders

    def _overlapping(self, occ: Occurrence) -> list[Holder]:
        return [h for h in self.holders if occ.overlaps(h.starts_at, h.ends_at)]

    def space_clashes(self, occ: Occurrence, space: str) -> list[Clash]:
        name = self.school.space_name(space)
        row = self.school.spaces.get(space)
        out = [
            Clash(occ.week, occ.date, "unavailable", space, f"{name} is unavailable on {span.label}")
            for span in occ.blocks
            if row is not None and span.key in (row.unavailable or [])
        ]
        for h in self._overlapping(occ):
            if h.space == space:
                verb = "used by" if h.kind == "session" else "held by"
                out.append(Clash(occ.week, occ.date, "space", space, f"{name} is {verb} {h.what} on {h.when}"))
        return out

    def free_units(self, occ: Occurrence, resource: str) -> int:
        row = self.school.resources.get(resource)
        total = row.quantity if row else 0
        uses = [(h.starts_at, h.ends_at, h.resources.get(resource, 0)) for h in self._overlapping(occ)]
        return max(0, total - peak_units(uses, occ.held_from, occ.held_to))

    def resource_clashes(self, occ: Occurrence, asked: dict[str, int]) -> list[Clash]:
        out = []
        for resource, units in asked.items():
            free = self.free_units(occ, resource)
            if free < units:
                row = self.school.resources.get(resource)
                total = row.quantity if row else 0
                name = self.school.resource_name(resource)
                message = f"{free} of {total} {name} are free on {occ.label} ({units} asked)"
                out.append(Clash(occ.week, occ.date, "resource", resource, message))
        return out

    def staff_clashes(self, occ: Occurrence, staff: str | None) -> list[Clash]:
        if staff is None:
            return []
        name = self.school.staff_name(staff)
        return [
            Clash(occ.week, occ.date, "staff", staff, f"{name} leads {h.what} on {h.when}")
            for h in self._overlapping(occ)
            if h.kind == "session" and staff in h.staff
        ]

    def clashes(self, occ: Occurrence, space: str | None, resources: dict[str, int], staff: str | None) -> list[Clash]:
        found = self.space_clashes(occ, space) if space else []
        return found + self.resource_clashes(occ, resources) + self.staff_clashes(occ, staff)
