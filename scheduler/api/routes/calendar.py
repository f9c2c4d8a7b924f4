"""Calendar feeds over HTTP, and the secret links that open them.

``GET``/``HEAD /calendar/{token}.ics`` needs no Accept header and no bearer token (calendar apps send
neither): the token in the path is the credential. The body is assembled whole from stored parts
before the first byte is sent, so an error is a 5xx, never a 200 with half a calendar. The ETag is
strong (a digest of the exact bytes' parts); ``If-None-Match`` (or, without it,
``If-Modified-Since``) gives 304. Schedulers, and students and teachers for their own feeds,
manage links under ``/api/v1/schools/{school}/calendar-links``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from scheduler.api.deps import ActorDep, FeedOptionsDep, SessionDep, SettingsDep
from scheduler.api.feed_cache import FeedCache
from scheduler.calendar.model import FeedKind
from scheduler.domain.problem import EntityId
from scheduler.services import calendar_links as links
from scheduler.services.calendar_publish import feed_document
from scheduler.services.errors import NotFound
from scheduler.storage.database import Database
from scheduler.storage.tables import CalendarLinkRow

feeds_router = APIRouter(tags=["calendar feeds"])
router = APIRouter(prefix="/schools/{school}/calendar-links", tags=["calendar feeds"])
CALENDAR_TYPE = "text/calendar; charset=utf-8"
R = TypeVar("R")


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: weak comparison, a list of tags or ``*``."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _not_modified_since(if_modified_since: str, last_modified: dt.datetime) -> bool:
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as RFC 9110 says
    return since.tzinfo is not None and last_modified.replace(microsecond=0) <= since


def _validators(etag: str, last_modified: dt.datetime) -> dict[str, str]:
    return {
        "ETag": f'"{etag}"',
        "Last-Modified": format_datetime(last_modified.astimezone(dt.UTC), usegmt=True),
        "Cache-Control": "private, no-cache",  # personal data; always revalidate (cheap: 304)
    }


_FEED_ROUTE = {
    "response_class": Response,
    "responses": {200: {"content": {"text/calendar": {}}}, 304: {"description": "Not modified"}},
}


@feeds_router.head(
    "/calendar/{token}.ics", operation_id="calendar_feed_head", summary="A feed's headers", **_FEED_ROUTE
)
@feeds_router.get(
    "/calendar/{token}.ics",
    operation_id="calendar_feed",
    summary="A subscriber's calendar feed (iCalendar); the token is the secret from a calendar link",
    **_FEED_ROUTE,
)
async def calendar_feed(
    request: Request,
    token: str,
    if_none_match: Annotated[str | None, Header()] = None,
    if_modified_since: Annotated[str | None, Header()] = None,
) -> Response:
    # The service's hottest route (every subscriber's app polls it): a 304 for a recently seen
    # link needs neither the database nor a worker thread; otherwise one hop does all the reading.
    cache: FeedCache = request.app.state.feed_cache
    database: Database = request.app.state.database
    digest = links.token_digest(token)
    headline = None if digest is None else cache.headline(digest)
    if headline is None and digest is not None:
        generation = cache.generation
        headline = await _read(database, partial(links.feed_for_digest, digest=digest), one_statement=True)
        if headline is not None:
            cache.remember(digest, headline, generation)
    if headline is None:
        raise NotFound("no calendar at this address (the link may have been revoked)", code="calendar_not_found")
    headers = _validators(headline.etag, headline.last_modified)
    if if_none_match is not None:
        if _matches(if_none_match, headers["ETag"]):
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    elif if_modified_since is not None and _not_modified_since(if_modified_since, headline.last_modified):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    body = cache.body(headline.feed_id, headline.etag)
    if body is None:
        document = await _read(database, partial(feed_document, feed_id=headline.feed_id))
        cache.keep_body(headline.feed_id, document.etag, document.body)
        headers = _validators(document.etag, document.last_modified)
        body = document.body
    headers["Content-Disposition"] = f'inline; filename="{headline.kind}-{headline.owner}.ics"'
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(media_type=CALENDAR_TYPE, headers=headers)
    return Response(body, media_type=CALENDAR_TYPE, headers=headers)


async def _read(database: Database, read: Callable[[Connection], R], *, one_statement: bool = False) -> R:
    """A small read without a worker thread: inline on SQLite, where a read never waits; on the
    async driver otherwise. Handing it to a thread and back cost more than the read itself
    (feeds without the link cache, SQLite: 340 -> 750 requests/s)."""
    if database.reads_never_wait:
        with database.reading() as connection:
            return read(connection)
    return await database.read_async(read, one_statement=one_statement)


class LinkCreate(BaseModel):
    kind: FeedKind = Field(description="students, staff, spaces or resources.")
    owner: EntityId = Field(description="The id of the student, staff member, space or resource.")
    label: str | None = Field(default=None, max_length=100, description="A note for the owner, e.g. 'phone'.")


class LinkInfo(BaseModel):
    id: str
    kind: str
    owner: str
    label: str | None
    created_at: dt.datetime


class LinkIssued(LinkInfo):
    url: str = Field(description="The feed's address, shown once: subscribe to it now.")
    webcal_url: str = Field(description="The same address as webcal://, which calendar apps open directly.")


def _info(link: CalendarLinkRow) -> LinkInfo:
    return LinkInfo(id=link.id, kind=link.kind, owner=link.owner, label=link.label, created_at=link.created_at)


def _issued(issued: links.IssuedLink) -> LinkIssued:
    return LinkIssued(**_info(issued.link).model_dump(), url=issued.url, webcal_url=issued.webcal_url)


def _base_url(request: Request, settings: SettingsDep) -> str:
    return settings.public_url or str(request.base_url)


BaseUrlDep = Annotated[str, Depends(_base_url)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Make a secret subscription link to a feed")
def create_link(
    session: SessionDep, actor: ActorDep, options: FeedOptionsDep, base_url: BaseUrlDep, school: str, body: LinkCreate
) -> LinkIssued:
    issued = links.create_link(
        session, actor, school, body.kind, body.owner, label=body.label, base_url=base_url, options=options
    )
    return _issued(issued)


@router.get("", summary="The working links to one feed (their addresses were shown once, when made)")
def list_links(session: SessionDep, actor: ActorDep, school: str, kind: FeedKind, owner: EntityId) -> list[LinkInfo]:
    return [_info(link) for link in links.list_links(session, actor, school, kind, owner)]


@router.post("/{link_id}/rotate", status_code=status.HTTP_201_CREATED, summary="Replace a link with a new one")
def rotate_link(session: SessionDep, actor: ActorDep, base_url: BaseUrlDep, school: str, link_id: str) -> LinkIssued:
    return _issued(links.rotate_link(session, actor, school, link_id, base_url=base_url))


@router.delete("/{link_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a link (its address gives 404)")
def revoke_link(session: SessionDep, actor: ActorDep, school: str, link_id: str) -> Response:
    links.revoke_link(session, actor, school, link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
