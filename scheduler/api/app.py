"""``create_app()``: the FastAPI application with its database, worker pool and routers.

On start-up the app applies the Alembic migrations and recovers jobs a stopped server left behind;
on shutdown it stops the worker pool. Nothing is built at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from scheduler.api.errors import register_error_handlers
from scheduler.api.limits import BodySizeLimit
from scheduler.api.routes import csv, entities, health, jobs, plans, reservations, schools, users, weeks
from scheduler.services.jobs import JobRunner
from scheduler.settings import ServiceSettings, load_settings
from scheduler.storage.database import Database
from scheduler.storage.migrate import upgrade

API_PREFIX = "/api/v1"


def create_app(settings: ServiceSettings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            upgrade(settings.database_url)
        database = Database(settings.database_url)
        runner = JobRunner(database, settings)
        app.state.settings, app.state.database, app.state.runner = settings, database, runner
        runner.recover()
        try:
            yield
        finally:
            runner.shutdown()
            database.dispose()

    app = FastAPI(
        title="Flexblock",
        version="0.1.0",
        summary="Flex-block scheduling for personalized-learning schools",
        lifespan=lifespan,
    )
    register_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    routers = [
        schools.router,
        *entities.ROUTERS,
        jobs.router,
        plans.router,
        weeks.router,
        reservations.router,
        users.router,
        csv.router,
    ]
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    return app
