"""Teachers' pull requests for a week (the spec's ``requests``): file, list, withdraw.

A teacher files requests as themself, for offerings they lead; a scheduler may file for anyone.
The week is validated after each new request, so a request the solver could not read is refused.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import problem as domain
from scheduler.services.actors import Actor, require_role
from scheduler.services.errors import Forbidden, InvalidInput, NotFound
from scheduler.services.schools import require_week, school_row, validate_weeks
from scheduler.storage.convert import row_values, to_record
from scheduler.storage.tables import RequestRow, SchoolRow


def _query(school: SchoolRow, week: dt.date):
    return select(RequestRow).where(RequestRow.school_id == school.id, RequestRow.week == week)


def list_requests(session: Session, actor: Actor, school: str, week: dt.date) -> list[domain.Request]:
    """A scheduler sees every request of the week; a teacher only their own."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    query = _query(record, week)
    if actor.role == "teacher":
        query = query.where(RequestRow.staff == actor.subject)
    return [to_record(row, domain.Request) for row in session.scalars(query.order_by(RequestRow.id))]


def file_request(
    session: Session,
    actor: Actor,
    school: str,
    week: dt.date,
    *,
    student: str,
    offering: str,
    priority: str,
    note: str | None,
    staff: str | None,
) -> domain.Request:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    require_week(session, record, week)
    if actor.role == "teacher":
        if staff not in (None, actor.subject):
            raise Forbidden("a teacher files requests as themself", code="forbidden_subject")
        staff = actor.subject
    if staff is None:
        raise InvalidInput("staff: a scheduler must say which staff member asks", code="staff_required")
    request = domain.Request(
        id=f"q-{secrets.token_hex(6)}", staff=staff, student=student, offering=offering, priority=priority, note=note
    )
    session.add(RequestRow(**row_values(request), school_id=record.id, week=week))
    session.flush()
    validate_weeks(session, record, [week])
    return request


def withdraw_request(session: Session, actor: Actor, school: str, week: dt.date, request_id: str) -> None:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    row = session.scalar(_query(record, week).where(RequestRow.key == request_id))
    if row is None or (actor.role == "teacher" and row.staff != actor.subject):
        raise NotFound(
            f"no request {request_id!r} of yours in the week of {week.isoformat()}", code="request_not_found"
        )
    session.delete(row)
