"""Plan versions of a school's week: store, read, publish, compare, and move one student by hand.

Versions are immutable: a solve or a hand move makes a new draft version (``parent_id`` says where
it came from). Publishing makes one version the week's published plan and retires the one before;
the database keeps at most one published plan per week (a partial unique index).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from scheduler.domain.checker import check_plan
from scheduler.domain.errors import InputIssue
from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Assignment, Conflict, Metrics, Plan
from scheduler.domain.plan import Session as PlanSession
from scheduler.domain.problem import Placement
from scheduler.services.actors import Actor, require_role
from scheduler.services.calendar_publish import FeedOptions, publish_feeds
from scheduler.services.errors import Conflict as ConflictError
from scheduler.services.errors import InvalidInput, NotFound
from scheduler.services.schools import school_row
from scheduler.solver.plan_writer import build_plan, relative_gap
from scheduler.storage import problems as store
from scheduler.storage.tables import PlanAssignmentRow, PlanRow, PlanSessionRow, SchoolRow
from scheduler.storage.types import utc_now


def _placements(plan: Plan) -> dict[tuple[str, str], str]:
    """(student, block) -> offering."""
    offering_of = {s.id: s.offering for s in plan.sessions}
    return {(a.student, a.block): offering_of[a.session] for a in plan.assignments if a.session in offering_of}


def published_row(session: Session, school: SchoolRow, week: dt.date) -> PlanRow | None:
    query = select(PlanRow).where(PlanRow.school_id == school.id, PlanRow.week == week, PlanRow.state == "published")
    return session.scalar(query)


def published_placements(session: Session, school: SchoolRow, week: dt.date) -> list[Placement] | None:
    """The published plan as ``previous`` placements for a re-solve (None when nothing is published)."""
    row = published_row(session, school, week)
    if row is None:
        return None
    return [Placement(student=s, block=b, offering=o) for (s, b), o in _placements(read_plan(session, row)).items()]


def store_plan(
    session: Session,
    school: SchoolRow,
    week: dt.date,
    plan: Plan,
    *,
    source: str,
    job_id: str | None = None,
    parent_id: int | None = None,
    note: str | None = None,
) -> PlanRow:
    """A new draft version holding ``plan``, with how many placements differ from the published plan."""
    latest = session.scalar(
        select(func.max(PlanRow.version)).where(PlanRow.school_id == school.id, PlanRow.week == week)
    )
    published = published_row(session, school, week)
    changed = None if published is None else _changed(_placements(read_plan(session, published)), _placements(plan))
    row = PlanRow(
        school_id=school.id,
        week=week,
        version=(latest or 0) + 1,
        source=source,
        job_id=job_id,
        parent_id=parent_id,
        status=plan.status,
        solve_seconds=plan.solve_seconds,
        objective=plan.objective,
        bound=plan.bound,
        gap=plan.gap,
        metrics=plan.metrics.model_dump(mode="json") if plan.metrics else {},
        conflicts=[c.model_dump(mode="json") for c in plan.conflicts],
        changed_from_published=changed,
        note=note,
    )
    session.add(row)
    session.flush()
    sessions = [
        {"plan_id": row.id, "key": s.id, **s.model_dump(include={"offering", "block", "space", "staff", "resources"})}
        for s in plan.sessions
    ]
    assignments = [
        {"plan_id": row.id, "student": a.student, "block": a.block, "session": a.session, "reason": a.reason}
        for a in plan.assignments
    ]
    if sessions:
        session.execute(insert(PlanSessionRow), sessions)
    if assignments:
        session.execute(insert(PlanAssignmentRow), assignments)
    return row


def _changed(before: dict[tuple[str, str], str], after: dict[tuple[str, str], str]) -> int:
    """Placements (student, block) whose offering differs, counting ones that appear or vanish."""
    return sum(1 for key in before.keys() | after.keys() if before.get(key) != after.get(key))


def read_plan(session: Session, row: PlanRow) -> Plan:
    """The stored version in the spec's plan format."""
    school_key = session.scalar(select(SchoolRow.key).where(SchoolRow.id == row.school_id))
    session_rows = session.scalars(
        select(PlanSessionRow).where(PlanSessionRow.plan_id == row.id).order_by(PlanSessionRow.id)
    )
    assignment_rows = list(
        session.scalars(
            select(PlanAssignmentRow).where(PlanAssignmentRow.plan_id == row.id).order_by(PlanAssignmentRow.id)
        )
    )
    roster: dict[str, list[str]] = {}
    for a in assignment_rows:
        roster.setdefault(a.session, []).append(a.student)
    return Plan(
        school=school_key,
        status=row.status,
        solve_seconds=row.solve_seconds,
        objective=row.objective,
        bound=row.bound,
        gap=row.gap,
        sessions=[
            PlanSession(
                id=s.key,
                offering=s.offering,
                block=s.block,
                space=s.space,
                staff=s.staff,
                resources=s.resources,
                students=sorted(roster.get(s.key, [])),
            )
            for s in session_rows
        ],
        assignments=[
            Assignment(student=a.student, block=a.block, session=a.session, reason=a.reason) for a in assignment_rows
        ],
        metrics=Metrics.model_validate(row.metrics) if row.metrics else None,
        conflicts=[Conflict.model_validate(c) for c in row.conflicts],
    )


def plan_row(session: Session, actor: Actor, school: str, plan_id: int) -> tuple[SchoolRow, PlanRow]:
    """A version of the caller's school, for schedulers (404 for another school's id)."""
    school_record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    row = session.get(PlanRow, plan_id)
    if row is None or row.school_id != school_record.id:
        raise NotFound(f"no plan {plan_id} in school {school!r}", code="plan_not_found")
    return school_record, row


def list_plans(session: Session, actor: Actor, school: str, week: dt.date) -> list[PlanRow]:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    query = select(PlanRow).where(PlanRow.school_id == record.id, PlanRow.week == week).order_by(PlanRow.version)
    return list(session.scalars(query))


def publish(session: Session, actor: Actor, school: str, plan_id: int, feeds: FeedOptions) -> PlanRow:
    """Make the version the week's published plan, once it keeps every rule of today's data."""
    record, row = plan_row(session, actor, school, plan_id)
    return publish_version(session, record, row, feeds)


def publish_version(session: Session, school: SchoolRow, row: PlanRow, feeds: FeedOptions) -> PlanRow:
    """Publish ``row`` and bring the school's calendar feeds up to date with it, in one transaction
    (no permission check: callers have made theirs)."""
    if row.state == "published":
        return row
    if row.status not in ("optimal", "feasible"):
        message = f"plan {row.id} has status {row.status!r}: only a complete plan can be published"
        raise ConflictError(message, code="plan_not_publishable")
    problem, plan = store.load_problem(session, school, row.week), read_plan(session, row)
    violations = check_plan(problem, plan)
    if violations:
        raise ConflictError(
            f"plan {row.id} breaks {len(violations)} hard rule(s) of the school's current data; solve again",
            code="plan_breaks_rules",
            issues=[InputIssue(str(v.rule), v.message) for v in violations],
        )
    session.execute(
        update(PlanRow)
        .where(PlanRow.school_id == school.id, PlanRow.week == row.week, PlanRow.state == "published")
        .values(state="retired")
    )
    session.flush()
    row.state, row.published_at = "published", utc_now()
    session.flush()
    publish_feeds(session, school, row.week, problem, plan, row.published_at, feeds)
    return row


@dataclass(frozen=True)
class Move:
    student: str
    block: str
    before: str | None  # session id, None when the student was not placed
    after: str | None
    reason_before: str | None
    reason_after: str | None


def diff(session: Session, actor: Actor, school: str, old_id: int, new_id: int) -> list[Move]:
    """Each (student, block) whose session differs between two versions, with both reasons."""
    _, old_row = plan_row(session, actor, school, old_id)
    _, new_row = plan_row(session, actor, school, new_id)
    old = {(a.student, a.block): a for a in read_plan(session, old_row).assignments}
    new = {(a.student, a.block): a for a in read_plan(session, new_row).assignments}
    moves = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if (a and a.session) != (b and b.session):
            moves.append(Move(key[0], key[1], a and a.session, b and b.session, a and a.reason, b and b.reason))
    return moves


def move_student(
    session: Session, actor: Actor, school: str, plan_id: int, student: str, block: str, target: str
) -> PlanRow:
    """A new draft version with ``student`` moved to the running session ``target`` in ``block``.

    The moved plan is checked against every hard rule; a move that breaks one is refused with the
    rule's name and nothing is stored.
    """
    record, row = plan_row(session, actor, school, plan_id)
    plan = read_plan(session, row)
    problem = store.load_problem(session, record, row.week)
    index = ProblemIndex(problem)
    if student not in index.students:
        raise NotFound(f"no student {student!r} in school {school!r}", code="student_not_found")
    target_session = next((s for s in plan.sessions if s.id == target), None)
    if target_session is None or target_session.block != block:
        message = f"{target!r} is not a running session in block {block!r} of plan {plan_id}"
        raise InvalidInput(message, code="bad_target", issues=[InputIssue("session", message)])
    placements = _placements(plan)
    placements[(student, block)] = target_session.offering
    spaces = {(s.offering, s.block): s.space for s in plan.sessions if s.space}
    moved = build_plan(index, placements, spaces, status="feasible", bound=row.bound)
    violations = check_plan(problem, moved)
    if violations:
        raise ConflictError(
            f"moving {student} to {target} breaks {len(violations)} hard rule(s)",
            code="move_breaks_rules",
            issues=[InputIssue(str(v.rule), v.message) for v in violations],
        )
    moved.gap = relative_gap(moved.objective or 0.0, row.bound)
    note = f"{student} moved to {target} by hand"
    return store_plan(session, record, row.week, moved, source="manual", parent_id=row.id, note=note)
