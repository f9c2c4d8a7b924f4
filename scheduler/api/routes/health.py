"""Liveness and readiness for load balancers and docker-compose health checks."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from scheduler.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/livez", summary="The process answers (liveness: restart it when this fails)")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/healthz", summary="The service is up and its database answers (readiness)")
def health(session: SessionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
