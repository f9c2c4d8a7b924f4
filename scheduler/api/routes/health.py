"""Liveness and readiness for load balancers and docker-compose health checks."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from scheduler.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The service is up and its database answers")
def health(session: SessionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
