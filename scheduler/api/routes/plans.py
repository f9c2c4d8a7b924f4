"""Plan versions of a week: list, read (spec format), publish, compare two, move a student by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from scheduler.api.deps import ActorDep, FeedOptionsDep, SessionDep
from scheduler.domain.plan import Plan
from scheduler.domain.problem import EntityId
from scheduler.services import plans as service
from scheduler.storage.tables import PlanRow

router = APIRouter(prefix="/schools/{school}", tags=["plans"])


class PlanVersion(BaseModel):
    id: int
    week: dt.date
    version: int
    state: str
    source: str
    parent_id: int | None
    job_id: str | None
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    metrics: dict[str, Any]
    conflicts: list[dict[str, Any]]
    changed_from_published: int | None = Field(description="Placements that differ from the published plan.")
    note: str | None
    needs_resolve: bool = Field(description="A reservation granted since collides with this version: solve again.")
    created_at: dt.datetime
    published_at: dt.datetime | None


class MoveRequest(BaseModel):
    student: EntityId
    block: EntityId
    session: str = Field(max_length=140, description="A running session of the block, e.g. 'robotics@mon'.")


class MovePublic(BaseModel):
    student: str
    block: str
    before: str | None
    after: str | None
    reason_before: str | None
    reason_after: str | None


class PlanDiff(BaseModel):
    old: int
    new: int
    moved: int
    moves: list[MovePublic]


def _version(row: PlanRow) -> PlanVersion:
    return PlanVersion.model_validate(row, from_attributes=True)


@router.get("/weeks/{week}/plans", summary="Plan versions of a week, oldest first")
def list_plans(session: SessionDep, actor: ActorDep, school: str, week: dt.date) -> list[PlanVersion]:
    return [_version(row) for row in service.list_plans(session, actor, school, week)]


class PlanDocument(Plan):
    """The spec's plan (``flexblock-plan/v1``) plus the version's own facts under ``version``."""

    version: PlanVersion


@router.get(
    "/plans/{plan_id}",
    summary="One version in the spec's plan format",
    response_model=PlanDocument,
    response_model_exclude={"objective_breakdown", "engine"},
)
def get_plan(session: SessionDep, actor: ActorDep, school: str, plan_id: int) -> PlanDocument:
    _, row = service.plan_row(session, actor, school, plan_id)
    plan = service.read_plan(session, row)
    return PlanDocument(**dict(plan), version=_version(row))


@router.post("/plans/{plan_id}/publish", summary="Publish this version (retires the week's published one)")
def publish_plan(session: SessionDep, actor: ActorDep, feeds: FeedOptionsDep, school: str, plan_id: int) -> PlanVersion:
    return _version(service.publish(session, actor, school, plan_id, feeds))


@router.get("/plans/{old}/diff/{new}", summary="Students whose session differs between two versions")
def diff_plans(session: SessionDep, actor: ActorDep, school: str, old: int, new: int) -> PlanDiff:
    moves = service.diff(session, actor, school, old, new)
    public = [MovePublic.model_validate(move, from_attributes=True) for move in moves]
    return PlanDiff(old=old, new=new, moved=len(public), moves=public)


@router.post("/plans/{plan_id}/moves", status_code=status.HTTP_201_CREATED, summary="Move one student by hand")
def move_student(session: SessionDep, actor: ActorDep, school: str, plan_id: int, move: MoveRequest) -> PlanVersion:
    row = service.move_student(session, actor, school, plan_id, move.student, move.block, move.session)
    return _version(row)
