"""What students and teachers read of a published plan: their own week, their own sessions.

Only published plans are shown. A student sees their own placements with the reason for each; a
teacher sees the sessions they lead with rosters (names and grades only: never needs or tiers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.reasons import reason_text
from scheduler.services.actors import Actor, Role, require_self_or_scheduler
from scheduler.services.errors import NotFound
from scheduler.services.plans import published_row
from scheduler.services.schools import school_row
from scheduler.storage.tables import (
    BlockRow,
    OfferingRow,
    PlanAssignmentRow,
    PlanSessionRow,
    SchoolRow,
    SpaceRow,
    StaffRow,
    StudentRow,
)


@dataclass
class SlotView:
    block: str
    label: str | None
    date: dt.date
    start: dt.time
    end: dt.time
    session: str
    offering: str
    title: str | None
    space: str | None
    space_name: str | None
    staff: list[str]
    reason: str
    reason_text: str
    roster: list[dict[str, object]] = field(default_factory=list)


def _names(session: Session, key: Any, name: Any, where: Any) -> dict[str, str | None]:
    return {k: v for k, v in session.execute(select(key, name).where(where)).all()}


class _Names:
    """Names of a school's blocks, offerings, spaces and staff, loaded once per request."""

    def __init__(self, session: Session, school: SchoolRow, week: dt.date) -> None:
        sid = school.id
        self.blocks = {
            b.key: b for b in session.scalars(select(BlockRow).where(BlockRow.school_id == sid, BlockRow.week == week))
        }
        self.titles = _names(session, OfferingRow.key, OfferingRow.title, OfferingRow.school_id == sid)
        self.spaces = _names(session, SpaceRow.key, SpaceRow.name, SpaceRow.school_id == sid)
        self.staff = _names(session, StaffRow.key, StaffRow.name, StaffRow.school_id == sid)

    def slot(self, s: PlanSessionRow, reason: str = "") -> SlotView:
        block = self.blocks[s.block]
        return SlotView(
            block=s.block,
            label=block.label,
            date=block.date,
            start=block.start,
            end=block.end,
            session=s.key,
            offering=s.offering,
            title=self.titles.get(s.offering),
            space=s.space,
            space_name=self.spaces.get(s.space or ""),
            staff=[self.staff.get(t) or t for t in s.staff],
            reason=reason,
            reason_text=reason_text(reason) if reason else "",
        )


def _published(session: Session, school: SchoolRow, week: dt.date) -> int:
    row = published_row(session, school, week)
    if row is None:
        raise NotFound(f"no plan is published for the week of {week.isoformat()} yet", code="plan_not_published")
    return row.id


def _exists(session: Session, table: type[StudentRow] | type[StaffRow], school: SchoolRow, key: str) -> None:
    if session.scalar(select(table.id).where(table.school_id == school.id, table.key == key)) is None:
        raise NotFound(f"no {table.__tablename__} record {key!r} in school {school.key!r}", code="record_not_found")


def _published_for(
    session: Session, actor: Actor, school: str, week: dt.date, role: Role, subject: str
) -> tuple[SchoolRow, int, _Names]:
    """The school, the week's published plan id and the names, once the caller may see ``subject``."""
    record = school_row(session, actor, school)
    require_self_or_scheduler(actor, school, role, subject)
    _exists(session, StudentRow if role == "student" else StaffRow, record, subject)
    return record, _published(session, record, week), _Names(session, record, week)


def student_week(session: Session, actor: Actor, school: str, week: dt.date, student: str) -> list[SlotView]:
    """The student's published week in time order, each placement with its reason."""
    _, plan_id, names = _published_for(session, actor, school, week, "student", student)
    rows = session.execute(
        select(PlanAssignmentRow.reason, PlanSessionRow)
        .join(
            PlanSessionRow,
            (PlanSessionRow.plan_id == PlanAssignmentRow.plan_id) & (PlanSessionRow.key == PlanAssignmentRow.session),
        )
        .where(PlanAssignmentRow.plan_id == plan_id, PlanAssignmentRow.student == student)
    ).all()
    slots = [names.slot(s, reason) for reason, s in rows]
    return sorted(slots, key=lambda slot: (slot.date, slot.start))


def teacher_sessions(session: Session, actor: Actor, school: str, week: dt.date, staff: str) -> list[SlotView]:
    """Sessions the staff member leads in the published week, with rosters (names and grades)."""
    record, plan_id, names = _published_for(session, actor, school, week, "teacher", staff)
    sessions = [
        s for s in session.scalars(select(PlanSessionRow).where(PlanSessionRow.plan_id == plan_id)) if staff in s.staff
    ]
    students = {row.key: row for row in session.scalars(select(StudentRow).where(StudentRow.school_id == record.id))}
    roster: dict[str, list[dict[str, object]]] = {}
    for a in session.scalars(select(PlanAssignmentRow).where(PlanAssignmentRow.plan_id == plan_id)):
        student = students.get(a.student)
        if student is not None:
            roster.setdefault(a.session, []).append({"id": student.key, "name": student.name, "grade": student.grade})
    slots = []
    for s in sessions:
        slot = names.slot(s)
        slot.roster = sorted(roster.get(s.key, []), key=lambda entry: str(entry["id"]))
        slots.append(slot)
    return sorted(slots, key=lambda slot: (slot.date, slot.start))
