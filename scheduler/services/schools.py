"""Import a school's week from the problem format, replace it, export it back, and keep it valid.

The invariant the service keeps: every stored week of a school assembles into a problem that passes
the domain's validation. Every write validates the weeks it touches before it commits, so a failed
write leaves nothing half written (the transaction rolls back).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.errors import InputIssue, ProblemInputError
from scheduler.domain.loading import parse_problem
from scheduler.domain.problem import Problem
from scheduler.domain.validation import find_problem_issues
from scheduler.services.actors import Actor, require_role, require_school
from scheduler.services.errors import Conflict, InvalidInput, NotFound
from scheduler.storage import problems as store
from scheduler.storage.convert import ENTITY_TABLES
from scheduler.storage.tables import SchoolRow


def parse(data: Any) -> Problem:
    """A problem from decoded JSON, or ``InvalidInput`` listing every issue with its path."""
    try:
        return parse_problem(data)
    except ProblemInputError as exc:
        raise InvalidInput(
            f"the problem has {len(exc.issues)} error(s)", code="invalid_problem", issues=exc.issues
        ) from exc


def school_row(session: Session, actor: Actor, school: str) -> SchoolRow:
    """The school ``actor`` may see, or 404 (outsiders learn nothing of other schools)."""
    require_school(actor, school)
    row = session.scalar(select(SchoolRow).where(SchoolRow.key == school))
    if row is None:
        raise NotFound(f"no school {school!r}", code="school_not_found")
    return row


def require_week(session: Session, school: SchoolRow, week: dt.date) -> None:
    if week.weekday() != 0:
        raise InvalidInput(f"week: {week.isoformat()} is a {week:%A}; a week is named by its Monday", code="bad_week")
    if week not in store.school_weeks(session, school):
        raise NotFound(f"school {school.key!r} has no blocks in the week of {week.isoformat()}", code="week_not_found")


def import_school(session: Session, actor: Actor, problem: Problem) -> tuple[SchoolRow, dt.date]:
    """Create a school from one problem file (its entities, policy and the week of its blocks)."""
    require_role(actor, problem.school.id, "scheduler")
    if session.scalar(select(SchoolRow.id).where(SchoolRow.key == problem.school.id)) is not None:
        raise Conflict(
            f"school {problem.school.id!r} exists already; replace its data with PUT instead",
            code="school_exists",
        )
    school = SchoolRow(key=problem.school.id, name=problem.school.name, timezone=problem.school.timezone)
    session.add(school)
    session.flush()
    return school, _store(session, school, problem)


def replace_school(session: Session, actor: Actor, school: str, problem: Problem) -> dt.date:
    """Replace the school's entities and policy and the problem's week by those of ``problem``."""
    row = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    if problem.school.id != school:
        raise InvalidInput(f"school.id: {problem.school.id!r} is not this school ({school!r})", code="school_mismatch")
    row.name, row.timezone = problem.school.name, problem.school.timezone
    return _store(session, row, problem)


def _store(session: Session, school: SchoolRow, problem: Problem) -> dt.date:
    problem = _with_other_weeks(session, school, problem)
    school.policy = problem.policy.model_dump(mode="json", exclude_defaults=True)
    store.replace_entities(session, school, problem)
    week = store.replace_week(session, school, problem)
    session.flush()
    validate_weeks(session, school)
    return week


def _with_other_weeks(session: Session, school: SchoolRow, problem: Problem) -> Problem:
    """Stored block ids of other weeks come back into the records: a week's problem lists only its
    own blocks (``unavailable: ["fri"]`` is cut in a week without a Friday), and replacing the
    school by it must not erase what it says about other weeks."""
    in_week = {block.id for block in problem.blocks}
    update = {}
    for kind, (table, _model) in ENTITY_TABLES.items():
        stored = {row.key: row for row in session.scalars(select(table).where(table.school_id == school.id))}
        update[kind] = [_keep_blocks(record, stored.get(record.id), in_week) for record in getattr(problem, kind)]
    return problem.model_copy(update=update)


def _keep_blocks(record: Any, row: Any, in_week: set[str]) -> Any:
    extra = {}
    for field in ("unavailable", "allowed_blocks"):
        current, stored = getattr(record, field, None), getattr(row, field, None)
        others = [block for block in stored or [] if block not in in_week]
        if current is not None and others:
            extra[field] = [*current, *others]
    return record.model_copy(update=extra) if extra else record


def export_problem(session: Session, actor: Actor, school: str, week: dt.date) -> Problem:
    row = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    require_week(session, row, week)
    return store.load_problem(session, row, week)


_INDEXED = re.compile(r"^(\w+)\[(\d+)\]")


def named_path(problem: Problem, path: str) -> str:
    """``offerings[3].staff[0]`` -> ``offerings[robotics].staff[0]``: an API client edits by id."""
    match = _INDEXED.match(path)
    records = getattr(problem, match.group(1), None) if match else None
    if not match or not isinstance(records, list) or int(match.group(2)) >= len(records):
        return path
    record_id = getattr(records[int(match.group(2))], "id", None) or getattr(
        records[int(match.group(2))], "student", ""
    )
    return f"{match.group(1)}[{record_id}]{path[match.end() :]}"


def validate_weeks(session: Session, school: SchoolRow, weeks: list[dt.date] | None = None) -> None:
    """Raise ``InvalidInput`` naming each record and field when a stored week no longer validates."""
    issues: list[InputIssue] = []
    for week in weeks if weeks is not None else store.school_weeks(session, school):
        problem = store.load_problem(session, school, week)
        found = find_problem_issues(problem)
        issues += [InputIssue(f"week {week.isoformat()}: {named_path(problem, i.path)}", i.message) for i in found]
    if issues:
        raise InvalidInput(
            f"the change would leave {len(issues)} error(s) in the school's data", code="invalid_data", issues=issues
        )
