"""Request dependencies as ``Annotated`` aliases: the transaction, the caller, the settings.

``SessionDep`` opens one transaction per request and ends it when the handler returns, *before*
the response is sent (``scope="function"``), so a response never reports a write that then failed
to commit; any error rolls the whole request back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from scheduler.services.actors import Actor
from scheduler.services.auth import authenticate
from scheduler.services.calendar_publish import FeedOptions
from scheduler.services.jobs import JobRunner
from scheduler.settings import ServiceSettings
from scheduler.storage.database import Database

bearer = HTTPBearer(auto_error=False, description="A token issued by `scheduler admin create-user` or the API.")


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings(request: Request) -> ServiceSettings:
    return request.app.state.settings


def get_feed_options(request: Request) -> FeedOptions:
    return request.app.state.feed_options


def get_runner(request: Request) -> JobRunner:
    return request.app.state.runner


def get_session(request: Request, database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.transaction(read_only=request.method in ("GET", "HEAD")) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
FeedOptionsDep = Annotated[FeedOptions, Depends(get_feed_options)]


def get_actor(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    """The caller behind the bearer token, looked up in the request's transaction."""
    return authenticate(session, credentials.credentials if credentials else None)


ActorDep = Annotated[Actor, Depends(get_actor)]
