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
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from scheduler.api.deps import ActorDep, FeedOptionsDep, SessionDep, SettingsDep
from scheduler.calendar.model import FeedKind
from scheduler.domain.problem import EntityId
from scheduler.services import calendar_links as links
from scheduler.services.calendar_publish import feed_body
from scheduler.services.errors import NotFound
from scheduler.storage.database import Database
from scheduler.storage.tables import CalendarLinkRow

feeds_router = APIRouter(tags=["calendar feeds"])
router = APIRouter(prefix="/schools/{school}/calendar-links", tags=["calendar feeds"])
CALENDAR_TYPE = "text/calendar; charset=utf-8"


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


def _validators(feed: links.FeedHeadline) -> dict[str, str]:
    return {
        "ETag": f'"{feed.etag}"',
        "Last-Modified": format_datetime(feed.last_modified.astimezone(dt.UTC), usegmt=True),
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
    # One hop to a worker thread for all the database work (not one per dependency): feeds are
    # polled by every subscriber's calendar app, so this route is the service's hottest.
    database = request.app.state.database
    head = request.method == "HEAD"
    reply = await run_in_threadpool(_reply, database, token, if_none_match, if_modified_since, head)
    if reply is None:
        raise NotFound("no calendar at this address (the link may have been revoked)", code="calendar_not_found")
    return reply


def _reply(
    database: Database, token: str, if_none_match: str | None, if_modified_since: str | None, head: bool
) -> Response | None:
    with database.reading() as connection:
        feed = links.feed_for_token(connection, token)
        if feed is None:
            return None
        headers = _validators(feed)
        if if_none_match is not None:
            if _matches(if_none_match, headers["ETag"]):
                return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
        elif if_modified_since is not None and _not_modified_since(if_modified_since, feed.last_modified):
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
        body = feed_body(connection, feed.feed_id)
    headers["Content-Disposition"] = f'inline; filename="{feed.kind}-{feed.owner}.ics"'
    if head:
        headers["Content-Length"] = str(len(body))
        return Response(media_type=CALENDAR_TYPE, headers=headers)
    return Response(body, media_type=CALENDAR_TYPE, headers=headers)


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
