"""Store a school's week as rows, and assemble the spec's ``Problem`` for a week back from them.

A school's entities (students, staff, spaces, resources, offerings) and policy hold for every week;
blocks, choices, requests, reservations, locks and imported ``previous`` placements belong to one
week (its Monday). Needs stay on the student: an MTSS decision holds until a scheduler changes it.

The week's ``reservations`` are those imported with it plus every *approved* booking filed through
the API whose time overlaps a block of the week: it becomes a block reservation of that block (a
session uses its whole block), so the solver leaves its space, staff and units alone and
``scheduler check`` verifies rules 6-8 against it. Its id is the booking's (``rv-...``), or
``rv-....<block>`` when one booking overlaps several blocks of a day. Re-importing an exported week
does not store those as imported reservations again: the booking stays their one home.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from scheduler.domain import problem as domain
from scheduler.storage import tables as t
from scheduler.storage.convert import ENTITY_TABLES, row_values, to_record, week_of

WEEK_TABLES: tuple[type[t.WeekScoped], ...] = (
    t.BlockRow,
    t.ChoiceListRow,
    t.RequestRow,
    t.ReservationRow,
    t.PlacementRow,
)


def problem_week(problem: domain.Problem) -> dt.date:
    """The week a problem plans (validation guarantees its blocks share one Monday-to-Sunday week)."""
    return week_of(min(block.date for block in problem.blocks))


def _insert(session: Session, table: type[t.Base], rows: list[dict]) -> None:
    if rows:
        session.execute(insert(table), rows)


def _scoped(records: Iterable, school_id: int, **extra: object) -> list[dict]:
    return [{**row_values(record), "school_id": school_id, **extra} for record in records]


def replace_entities(session: Session, school: t.SchoolRow, problem: domain.Problem) -> None:
    """Make the school's entities exactly those of ``problem`` (in its order)."""
    for kind, (table, _model) in ENTITY_TABLES.items():
        session.execute(delete(table).where(table.school_id == school.id))
        _insert(session, table, _scoped(getattr(problem, kind), school.id))


def replace_week(session: Session, school: t.SchoolRow, problem: domain.Problem) -> dt.date:
    """Make the week's blocks, choices, requests, reservations, locks and previous those of ``problem``."""
    week = problem_week(problem)
    for table in WEEK_TABLES:
        session.execute(delete(table).where(table.school_id == school.id, table.week == week))
    sid = school.id
    _insert(session, t.BlockRow, _scoped(problem.blocks, sid, week=week))
    choices = [
        {"school_id": sid, "week": week, "key": s.id, "offerings": list(s.choices), "submitted_by": "import"}
        for s in problem.students
        if s.choices
    ]
    _insert(session, t.ChoiceListRow, choices)
    _insert(session, t.RequestRow, _scoped(problem.requests, sid, week=week))
    booked = {r.id for r in booked_reservations(session, school, week, problem.blocks)}
    imported = [r for r in problem.reservations if r.id not in booked]
    _insert(session, t.ReservationRow, _scoped(imported, sid, week=week))
    for kind, placements in (("lock", problem.locks), ("previous", problem.previous)):
        rows = [
            {"school_id": sid, "week": week, "kind": kind, "key": p.student, "block": p.block, "offering": p.offering}
            for p in placements
        ]
        _insert(session, t.PlacementRow, rows)
    return week


def _rows(session: Session, table: type[t.SchoolScoped], school_id: int, week: dt.date | None = None) -> list:
    query = select(table).where(table.school_id == school_id)
    if week is not None:
        query = query.where(table.week == week)  # type: ignore[attr-defined]
    return list(session.scalars(query.order_by(table.id)))


def _this_week(row: t.SchoolScoped, in_week: set[str]) -> dict[str, list[str]]:
    """Block lists of an entity cut to the week's blocks: ``unavailable: ["fri"]`` holds every week
    that has a ``fri`` block and means nothing in a week without one (a holiday Friday)."""
    cut = {}
    for field in ("unavailable", "allowed_blocks"):
        blocks = getattr(row, field, None)
        if blocks is not None:
            cut[field] = [block for block in blocks if block in in_week]
    return cut


def booked_reservations(
    session: Session, school: t.SchoolRow, week: dt.date, blocks: list[domain.Block]
) -> list[domain.Reservation]:
    """Approved bookings of the week as the spec's block reservations of the blocks they overlap."""
    query = (
        select(t.BookingSlotRow, t.BookingRow)
        .join(t.BookingRow, t.BookingRow.id == t.BookingSlotRow.booking_id)
        .where(t.BookingSlotRow.school_id == school.id, t.BookingSlotRow.week == week)
        .where(t.BookingRow.status == "approved")
        .order_by(t.BookingSlotRow.starts_at, t.BookingRow.key)
    )
    out = []
    for slot, booking in session.execute(query).all():
        touched = [b for b in blocks if b.date == slot.date and b.start < slot.end and slot.start < b.end]
        for block in touched:
            rid = booking.key if len(touched) == 1 else f"{booking.key}.{block.id}"[:64]
            out.append(
                domain.Reservation(
                    id=rid, staff=booking.staff, block=block.id, space=booking.space, resources=booking.resources
                )
            )
    return out


def school_weeks(session: Session, school: t.SchoolRow) -> list[dt.date]:
    query = select(t.BlockRow.week).where(t.BlockRow.school_id == school.id).distinct().order_by(t.BlockRow.week)
    return list(session.scalars(query))


def load_problem(
    session: Session, school: t.SchoolRow, week: dt.date, previous: list[domain.Placement] | None = None
) -> domain.Problem:
    """The week's problem as the solver and the checker see it (``previous`` replaces the stored one)."""
    choices = {row.key: row.offerings for row in _rows(session, t.ChoiceListRow, school.id, week)}
    placements = _rows(session, t.PlacementRow, school.id, week)

    def placed(kind: str) -> list[domain.Placement]:
        return [
            domain.Placement(student=p.key, block=p.block, offering=p.offering) for p in placements if p.kind == kind
        ]

    blocks = [to_record(row, domain.Block) for row in _rows(session, t.BlockRow, school.id, week)]
    in_week = {block.id for block in blocks}
    entities = {
        kind: [to_record(row, model, **_this_week(row, in_week)) for row in _rows(session, table, school.id)]
        for kind, (table, model) in ENTITY_TABLES.items()
        if kind != "students"
    }
    students = [
        to_record(row, domain.Student, choices=choices.get(row.key, []), **_this_week(row, in_week))
        for row in _rows(session, t.StudentRow, school.id)
    ]
    return domain.Problem(
        format="flexblock/v1",
        school=domain.School(id=school.key, name=school.name, timezone=school.timezone),
        blocks=blocks,
        students=students,
        reservations=[
            *(to_record(r, domain.Reservation) for r in _rows(session, t.ReservationRow, school.id, week)),
            *booked_reservations(session, school, week, blocks),
        ],
        requests=[to_record(r, domain.Request) for r in _rows(session, t.RequestRow, school.id, week)],
        locks=placed("lock"),
        previous=placed("previous") if previous is None else previous,
        policy=school.policy,
        **entities,
    )
