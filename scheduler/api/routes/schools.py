"""Schools: import one from the problem format, list, read, replace its data, export a week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, status
from pydantic import BaseModel
from sqlalchemy import select

from scheduler.api.deps import ActorDep, SessionDep
from scheduler.domain.serialize import problem_document
from scheduler.services import schools as service
from scheduler.storage.problems import school_weeks
from scheduler.storage.tables import SchoolRow

router = APIRouter(prefix="/schools", tags=["schools"])
ProblemBody = Body(description="A whole problem in the flexblock/v1 format (spec: problem-format.md).")


class SchoolPublic(BaseModel):
    id: str
    name: str | None
    timezone: str
    weeks: list[dt.date]


class Imported(BaseModel):
    school: SchoolPublic
    week: dt.date


def _public(session: SessionDep, row: SchoolRow) -> SchoolPublic:
    return SchoolPublic(id=row.key, name=row.name, timezone=row.timezone, weeks=school_weeks(session, row))


@router.post("", status_code=status.HTTP_201_CREATED, summary="Import a school from one problem file")
def import_school(session: SessionDep, actor: ActorDep, problem: dict[str, Any] = ProblemBody) -> Imported:
    row, week = service.import_school(session, actor, service.parse(problem))
    return Imported(school=_public(session, row), week=week)


@router.get("", summary="Schools the caller belongs to (all of them for an admin)")
def list_schools(session: SessionDep, actor: ActorDep) -> list[SchoolPublic]:
    query = select(SchoolRow).order_by(SchoolRow.key)
    if actor.role != "admin":
        query = query.where(SchoolRow.key == actor.school)
    return [_public(session, row) for row in session.scalars(query)]


@router.get("/{school}", summary="One school and its weeks")
def get_school(session: SessionDep, actor: ActorDep, school: str) -> SchoolPublic:
    return _public(session, service.school_row(session, actor, school))


@router.put("/{school}/problem", summary="Replace the school's data and one week's by a problem file")
def replace_school(
    session: SessionDep, actor: ActorDep, school: str, problem: dict[str, Any] = ProblemBody
) -> Imported:
    week = service.replace_school(session, actor, school, service.parse(problem))
    return Imported(school=_public(session, service.school_row(session, actor, school)), week=week)


@router.get("/{school}/weeks/{week}/problem", summary="Export a week as a problem file (flexblock/v1)")
def export_problem(session: SessionDep, actor: ActorDep, school: str, week: dt.date) -> dict[str, Any]:
    return problem_document(service.export_problem(session, actor, school, week))
