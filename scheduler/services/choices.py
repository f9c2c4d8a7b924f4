"""Choice windows and students' ranked choices for a week.

A window says when students may submit (``opens_at`` to ``closes_at``), how many offerings they
rank, and optionally which offerings are open to which grades that week (otherwise every choice
offering, by its own grades). Schedulers may edit anyone's choices at any time; students only their
own, only while the window is open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import problem as domain
from scheduler.domain.errors import InputIssue
from scheduler.services.actors import Actor, require_role, require_self_or_scheduler
from scheduler.services.errors import Conflict, InvalidInput, NotFound
from scheduler.services.schools import require_week, school_row
from scheduler.storage.convert import to_record
from scheduler.storage.tables import ChoiceListRow, ChoiceWindowRow, OfferingRow, SchoolRow, StudentRow
from scheduler.storage.types import utc_now


@dataclass(frozen=True)
class WindowSpec:
    opens_at: dt.datetime
    closes_at: dt.datetime
    min_choices: int
    max_choices: int
    open_offerings: dict[str, list[int]] | None


def _offerings(session: Session, school: SchoolRow) -> dict[str, domain.Offering]:
    rows = session.scalars(select(OfferingRow).where(OfferingRow.school_id == school.id).order_by(OfferingRow.id))
    return {row.key: to_record(row, domain.Offering) for row in rows}


def window_row(session: Session, school: SchoolRow, week: dt.date) -> ChoiceWindowRow | None:
    query = select(ChoiceWindowRow).where(ChoiceWindowRow.school_id == school.id, ChoiceWindowRow.week == week)
    return session.scalar(query)


def set_window(session: Session, actor: Actor, school: str, week: dt.date, spec: WindowSpec) -> ChoiceWindowRow:
    """Open (or change) the week's choice window."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    require_week(session, record, week)
    issues = []
    if spec.closes_at <= spec.opens_at:
        issues.append(InputIssue("closes_at", f"{spec.closes_at.isoformat()} is not after opens_at"))
    if spec.min_choices > spec.max_choices:
        issues.append(InputIssue("min_choices", f"{spec.min_choices} is above max_choices {spec.max_choices}"))
    offerings = _offerings(session, record)
    for key in spec.open_offerings or {}:
        if key not in offerings:
            issues.append(InputIssue(f"open_offerings.{key}", f"unknown offering {key!r}"))
        elif offerings[key].kind != "choice":
            issues.append(InputIssue(f"open_offerings.{key}", f"{key!r} is a {offerings[key].kind} offering"))
    if issues:
        raise InvalidInput(str(issues[0]), code="invalid_window", issues=issues)
    row = window_row(session, record, week) or ChoiceWindowRow(school_id=record.id, week=week)
    row.opens_at, row.closes_at = spec.opens_at, spec.closes_at
    row.min_choices, row.max_choices, row.open_offerings = spec.min_choices, spec.max_choices, spec.open_offerings
    session.add(row)
    session.flush()
    return row


def get_window(session: Session, actor: Actor, school: str, week: dt.date) -> ChoiceWindowRow:
    record = school_row(session, actor, school)
    row = window_row(session, record, week)
    if row is None:
        raise NotFound(f"no choice window for the week of {week.isoformat()}", code="window_not_found")
    return row


def _student(session: Session, school: SchoolRow, student: str) -> StudentRow:
    row = session.scalar(select(StudentRow).where(StudentRow.school_id == school.id, StudentRow.key == student))
    if row is None:
        raise NotFound(f"no student {student!r} in school {school.key!r}", code="student_not_found")
    return row


def open_offerings(session: Session, actor: Actor, school: str, week: dt.date, student: str) -> list[domain.Offering]:
    """The choice offerings the student may rank this week."""
    record = school_row(session, actor, school)
    require_self_or_scheduler(actor, school, "student", student)
    grade = _student(session, record, student).grade
    window = window_row(session, record, week)
    limits = window.open_offerings if window is not None else None
    return [
        offering
        for key, offering in _offerings(session, record).items()
        if offering.kind == "choice"
        and offering.open_to(grade)
        and (limits is None or (key in limits and (not limits[key] or grade in limits[key])))
    ]


def get_choices(session: Session, actor: Actor, school: str, week: dt.date, student: str) -> list[str]:
    record = school_row(session, actor, school)
    require_self_or_scheduler(actor, school, "student", student)
    _student(session, record, student)
    row = session.scalar(
        select(ChoiceListRow).where(
            ChoiceListRow.school_id == record.id, ChoiceListRow.week == week, ChoiceListRow.key == student
        )
    )
    return list(row.offerings) if row is not None else []


def submit_choices(
    session: Session, actor: Actor, school: str, week: dt.date, student: str, choices: list[str]
) -> list[str]:
    """Store the student's ranked choices after checking eligibility, repeats, count and the window."""
    record = school_row(session, actor, school)
    require_self_or_scheduler(actor, school, "student", student)
    require_week(session, record, week)
    window = window_row(session, record, week)
    if actor.role == "student":
        _require_open(window, week)
    allowed = {o.id for o in open_offerings(session, actor, school, week, student)}
    issues = []
    for i, key in enumerate(choices):
        if key in choices[:i]:
            issues.append(InputIssue(f"choices[{i}]", f"{key!r} is listed twice"))
        elif key not in allowed:
            issues.append(InputIssue(f"choices[{i}]", f"{key!r} is not an offering open to this student this week"))
    low, high = (window.min_choices, window.max_choices) if window is not None else (0, 20)
    if not low <= len(choices) <= high:
        issues.append(InputIssue("choices", f"{len(choices)} choices given; rank between {low} and {high}"))
    if issues:
        raise InvalidInput(str(issues[0]), code="invalid_choices", issues=issues)
    row = session.scalar(
        select(ChoiceListRow).where(
            ChoiceListRow.school_id == record.id, ChoiceListRow.week == week, ChoiceListRow.key == student
        )
    ) or ChoiceListRow(school_id=record.id, week=week, key=student)
    row.offerings, row.submitted_by = list(choices), actor.role
    session.add(row)
    return list(choices)


def _require_open(window: ChoiceWindowRow | None, week: dt.date) -> None:
    now = utc_now()
    if window is None:
        raise Conflict(f"choices for the week of {week.isoformat()} are not open yet", code="window_closed")
    if now < window.opens_at:
        raise Conflict(f"choices open at {window.opens_at.isoformat()}", code="window_not_open")
    if now >= window.closes_at:
        raise Conflict(f"choices closed at {window.closes_at.isoformat()}", code="window_closed")
