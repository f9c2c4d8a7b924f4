"""``create_app()``: the FastAPI application with its database, worker pool and routers.

On start-up the app applies the Alembic migrations and recovers jobs a stopped server left behind;
on shutdown it stops the worker pool. Nothing is built at import time.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from scheduler.api.access_log import redact_feed_tokens
from scheduler.api.errors import register_error_handlers
from scheduler.api.feed_cache import FeedCache
from scheduler.api.limits import BodySizeLimit
from scheduler.api.routes import calendar, csv, entities, health, jobs, plans, reservations, schools, users, weeks
from scheduler.services.calendar_publish import FeedOptions
from scheduler.services.jobs import JobRunner
from scheduler.settings import ServiceSettings, load_settings
from scheduler.storage.database import Database
from scheduler.storage.migrate import upgrade

API_PREFIX = "/api/v1"


def feed_options(settings: ServiceSettings) -> FeedOptions:
    """How published plans become calendar feeds; teachers' events link to rosters at ``public_url``."""
    roster_base = settings.public_url.rstrip("/") + API_PREFIX if settings.public_url else None
    return FeedOptions(
        weeks_back=settings.feed_weeks_back,
        weeks_ahead=settings.feed_weeks_ahead,
        refresh=dt.timedelta(minutes=settings.feed_refresh_minutes),
        roster_base_url=roster_base,
    )


def _settle_heap() -> None:
    """Move everything alive after start-up out of the collector's sight.

    The app, its routes and the pydantic and SQLAlchemy machinery are some 150,000 objects that
    live as long as the process. Without this every full collection walks them all again, a
    pause measured at 100-200 ms in the middle of requests while a solve ran.
    """
    gc.collect()
    gc.freeze()


def create_app(settings: ServiceSettings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            upgrade(settings.database_url)
        database = Database(settings.database_url)
        feeds = feed_options(settings)
        feed_cache = FeedCache(ttl=settings.feed_cache_seconds)
        feed_cache.watch(database)
        runner = JobRunner(database, settings, feeds, on_published=feed_cache.forget)
        app.state.settings, app.state.database, app.state.runner = settings, database, runner
        app.state.feed_options, app.state.feed_cache = feeds, feed_cache
        runner.recover()
        redact_feed_tokens()
        _settle_heap()
        try:
            yield
        finally:
            runner.shutdown()
            database.dispose()
            gc.unfreeze()  # an app built again in this process (tests) must not pin this one

    app = FastAPI(
        title="Flexblock",
        version="0.1.0",
        summary="Flex-block scheduling for personalized-learning schools",
        lifespan=lifespan,
    )
    register_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(calendar.feeds_router)
    routers = [
        calendar.router,
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
