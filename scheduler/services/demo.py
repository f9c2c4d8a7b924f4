"""The demo the README's main command starts: Riverside loaded, demo users, a first plan solving.

Run once per start of ``scheduler serve --demo``: the school is imported only if it is missing, the
demo users get fresh tokens each time (tokens are stored hashed, so old ones cannot be shown
again), and a solve that publishes its plan is queued when the week has no published plan yet.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from scheduler.services import calendar_links, jobs, schools
from scheduler.services.actors import Actor
from scheduler.services.auth import create_user, rotate_token
from scheduler.services.calendar_publish import FeedOptions
from scheduler.services.plans import published_row
from scheduler.settings import ServiceSettings
from scheduler.storage import problems as store
from scheduler.storage.database import Database
from scheduler.storage.tables import SchoolRow, UserRow

SYSTEM = Actor(user_id=0, role="admin", school=None)


@dataclass(frozen=True)
class Demo:
    school: str
    week: dt.date
    student: str
    teacher: str
    tokens: dict[str, str]  # role -> token
    job_id: str | None
    calendar: str | None  # the demo student's calendar subscription link (webcal://)


def _demo_token(session, role: str, school: str, subject: str | None) -> str:
    name = f"demo {role}"
    query = select(UserRow).where(UserRow.name == name, UserRow.school_key == school, UserRow.role == role)
    user = session.scalar(query)
    if user is None:
        return create_user(session, role, school, subject, name).token
    return rotate_token(session, user.id).token


def seed_demo(database: Database, settings: ServiceSettings, fixture: Path) -> Demo:
    """Import the fixture if needed, issue demo tokens, and queue a first published solve."""
    problem = schools.parse(json.loads(fixture.read_text(encoding="utf-8")))
    key = problem.school.id
    with database.transaction() as session:
        row = session.scalar(select(SchoolRow).where(SchoolRow.key == key))
        if row is None:
            row, week = schools.import_school(session, SYSTEM, problem)
        else:
            week = store.problem_week(problem)
        student = problem.students[0].id
        teacher = next(o.staff[0] for o in problem.offerings if o.kind == "choice")
        tokens = {
            "scheduler": _demo_token(session, "scheduler", key, None),
            "teacher": _demo_token(session, "teacher", key, teacher),
            "student": _demo_token(session, "student", key, student),
        }
        calendar = _demo_calendar(session, settings, key, student)
        job_id = None
        if published_row(session, row, week) is None:
            job, _ = jobs.create_job(
                session, SYSTEM, settings, key, week, time_limit=None, seed=0, idempotency_key=None, publish=True
            )
            job_id = job.id
    return Demo(key, week, student, teacher, tokens, job_id, calendar)


def _demo_calendar(session, settings: ServiceSettings, school: str, student: str) -> str | None:
    """A fresh subscription link to the demo student's feed (the last start's link is revoked)."""
    if settings.public_url is None:
        return None
    for link in calendar_links.list_links(session, SYSTEM, school, "students", student):
        if link.label == "demo":
            calendar_links.revoke_link(session, SYSTEM, school, link.id)
    options = FeedOptions(refresh=dt.timedelta(minutes=settings.feed_refresh_minutes))
    issued = calendar_links.create_link(
        session, SYSTEM, school, "students", student, label="demo", base_url=settings.public_url, options=options
    )
    return issued.webcal_url
