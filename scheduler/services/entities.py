"""Edit a school's entities one at a time: list (paged, filtered), read, create, replace, delete.

Every write is validated against each stored week of the school before it commits (see
``schools.validate_weeks``): a deleted teacher still named by an offering, or a block id no week
has, is refused with the record and field named, and nothing is stored. A space, resource or staff
member an active reservation holds cannot be deleted, nor a resource lowered below what
reservations hold at once (``reservations.check_entity_change``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from scheduler.domain.errors import InputIssue
from scheduler.services.actors import Actor, require_role
from scheduler.services.errors import Conflict, InvalidInput, NotFound
from scheduler.services.reservations import check_entity_change, check_space_change
from scheduler.services.schools import school_row, validate_weeks
from scheduler.storage.convert import ENTITY_TABLES, row_values, to_record
from scheduler.storage.tables import BlockRow, ChoiceListRow, SchoolRow, SchoolScoped

FILTERS = {"students": ("grade",), "offerings": ("kind", "pathway")}


@dataclass(frozen=True)
class Page:
    items: list[BaseModel]
    total: int


def _table(kind: str) -> tuple[type[SchoolScoped], type[BaseModel]]:
    if kind not in ENTITY_TABLES:
        raise NotFound(f"no kind of record {kind!r}", code="kind_not_found")
    return ENTITY_TABLES[kind]


def _row(session: Session, school: SchoolRow, kind: str, key: str) -> SchoolScoped:
    table, _ = _table(kind)
    row = session.scalar(select(table).where(table.school_id == school.id, table.key == key))
    if row is None:
        raise NotFound(f"no {kind} record {key!r} in school {school.key!r}", code="record_not_found")
    return row


def list_records(
    session: Session,
    actor: Actor,
    school: str,
    kind: str,
    *,
    limit: int,
    offset: int,
    search: str | None = None,
    filters: dict[str, object] | None = None,
) -> Page:
    """A page of records in stored order; ``search`` matches id or name, ``filters`` exact fields."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    table, model = _table(kind)
    query = select(table).where(table.school_id == record.id)
    for field, value in (filters or {}).items():
        if value is not None:
            query = query.where(getattr(table, field) == value)
    if search:
        pattern = f"%{search.lower()}%"
        name = getattr(table, "name", None) or table.title
        query = query.where(or_(func.lower(table.key).like(pattern), func.lower(name).like(pattern)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(table.id).limit(limit).offset(offset))
    return Page([to_record(row, model) for row in rows], total)


def get_record(session: Session, actor: Actor, school: str, kind: str, key: str) -> BaseModel:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    return to_record(_row(session, record, kind, key), _table(kind)[1])


def _check_fits(session: Session, school: SchoolRow, kind: str, value: BaseModel) -> None:
    if kind == "students" and getattr(value, "choices", None):
        message = "a student's choices belong to a week; submit them under the week"
        raise InvalidInput(f"choices: {message}", code="choices_per_week", issues=[InputIssue("choices", message)])
    known_blocks = set(session.scalars(select(BlockRow.key).where(BlockRow.school_id == school.id)))
    issues = [
        InputIssue(f"{field}[{i}]", f"unknown block {block!r} (no week of the school has a block with that id)")
        for field in ("unavailable", "allowed_blocks")
        for i, block in enumerate(getattr(value, field, None) or [])
        if block not in known_blocks
    ]
    if issues:
        raise InvalidInput(f"{kind} {getattr(value, 'id', '')!r}: {issues[0]}", code="unknown_block", issues=issues)


def create_record(session: Session, actor: Actor, school: str, kind: str, value: BaseModel) -> BaseModel:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    table, model = _table(kind)
    key = value.id  # type: ignore[attr-defined]
    if session.scalar(select(table.id).where(table.school_id == record.id, table.key == key)) is not None:
        raise Conflict(f"{kind} {key!r} exists already in school {school!r}", code="record_exists")
    _check_fits(session, record, kind, value)
    session.add(table(**row_values(value), school_id=record.id))
    session.flush()
    validate_weeks(session, record)
    return to_record(_row(session, record, kind, key), model)


def replace_record(session: Session, actor: Actor, school: str, kind: str, key: str, value: BaseModel) -> BaseModel:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    _, model = _table(kind)
    if value.id != key:  # type: ignore[attr-defined]
        message = f"{value.id!r} does not match the URL's {key!r}; ids cannot be changed"  # type: ignore[attr-defined]
        raise InvalidInput(f"id: {message}", code="id_mismatch", issues=[InputIssue("id", message)])
    row = _row(session, record, kind, key)
    _check_fits(session, record, kind, value)
    if kind == "resources":
        check_entity_change(session, record, kind, key, quantity=value.quantity)  # type: ignore[attr-defined]
    if kind == "spaces":
        check_space_change(session, record, key, value.features, value.capacity)  # type: ignore[attr-defined]
    for column, column_value in row_values(value).items():
        setattr(row, column, column_value)
    session.flush()
    validate_weeks(session, record)
    return to_record(row, model)


def delete_record(session: Session, actor: Actor, school: str, kind: str, key: str) -> None:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    row = _row(session, record, kind, key)
    check_entity_change(session, record, kind, key)
    session.delete(row)
    if kind == "students":
        session.execute(delete(ChoiceListRow).where(ChoiceListRow.school_id == record.id, ChoiceListRow.key == key))
    session.flush()
    try:
        validate_weeks(session, record)
    except InvalidInput as exc:
        raise Conflict(
            f"{kind} {key!r} is still used: {exc.issues[0]}", code="record_in_use", issues=exc.issues
        ) from exc
