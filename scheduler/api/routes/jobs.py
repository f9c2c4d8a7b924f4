"""Solve jobs: start one for a week (202 + Location), watch its progress, cancel it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Request, Response, status
from pydantic import BaseModel, Field

from scheduler.api.deps import ActorDep, RunnerDep, SessionDep, SettingsDep
from scheduler.services import jobs as service
from scheduler.storage.tables import SolveJobRow

router = APIRouter(prefix="/schools/{school}", tags=["solve jobs"])


class SolveRequest(BaseModel):
    time_limit: float | None = Field(default=None, gt=0, description="Seconds; the server's default when absent.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    publish: bool = Field(default=False, description="Publish the plan when the solve ends with a complete one.")


class JobProgress(BaseModel):
    elapsed: float | None = None
    stage: str | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    solutions: int = 0


class JobPublic(BaseModel):
    id: str
    school: str
    week: dt.date
    state: str
    time_limit: float
    seed: int
    progress: JobProgress
    error: str | None
    plan_id: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str
    plan_url: str | None


def _public(request: Request, school: str, row: SolveJobRow) -> JobPublic:
    url = str(request.url_for("get_job", school=school, job_id=row.id))
    plan_url = str(request.url_for("get_plan", school=school, plan_id=row.plan_id)) if row.plan_id else None
    return JobPublic(
        id=row.id,
        school=school,
        week=row.week,
        state=row.state,
        time_limit=row.time_limit,
        seed=row.seed,
        progress=JobProgress.model_validate(row.progress or {}),
        error=row.error,
        plan_id=row.plan_id,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        url=url,
        plan_url=plan_url,
    )


@router.post("/weeks/{week}/solve-jobs", status_code=status.HTTP_202_ACCEPTED, summary="Start solving a week")
def start_job(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    runner: RunnerDep,
    school: str,
    week: dt.date,
    body: SolveRequest | None = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobPublic:
    body = body or SolveRequest()
    row, created = service.create_job(
        session,
        actor,
        settings,
        school,
        week,
        time_limit=body.time_limit,
        seed=body.seed,
        idempotency_key=idempotency_key,
        publish=body.publish,
    )
    if created:  # after the response, so after the commit: the worker must find the job
        background.add_task(runner.submit, row.id)
    public = _public(request, school, row)
    response.headers["Location"] = public.url
    return public


@router.get("/solve-jobs", summary="Solve jobs of the school, newest first")
def list_jobs(request: Request, session: SessionDep, actor: ActorDep, school: str) -> list[JobPublic]:
    return [_public(request, school, row) for row in service.list_jobs(session, actor, school)]


@router.get("/solve-jobs/{job_id}", summary="A job's state and live progress")
def get_job(request: Request, session: SessionDep, actor: ActorDep, school: str, job_id: str) -> JobPublic:
    return _public(request, school, service.job_row(session, actor, school, job_id))


@router.post("/solve-jobs/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED, summary="Cancel a job")
def cancel_job(request: Request, session: SessionDep, actor: ActorDep, school: str, job_id: str) -> JobPublic:
    return _public(request, school, service.request_cancel(session, actor, school, job_id))
