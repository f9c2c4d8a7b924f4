"""Secret subscription links to calendar feeds: create, list, rotate, revoke, and resolve a token.

Calendar apps cannot send a bearer token, so a feed's URL carries its own secret: 192 random bits
from ``secrets`` (not derived from any id), shown once when the link is made and stored only as its
SHA-256 digest. A token is resolved by looking up its digest (an index lookup on a hash of the secret,
then ``hmac.compare_digest`` on the stored digest), so the raw token is never stored, compared
byte by byte, or logged. A subscriber may hold several links (a phone, a laptop), each revocable on
its own; rotating revokes one and makes its replacement. A revoked or unknown token finds nothing
(the API answers 404).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from scheduler.calendar.model import FEED_KINDS, FeedKind
from scheduler.services.actors import Actor, require_feed_owner
from scheduler.services.calendar_publish import FeedOptions, ensure_feed
from scheduler.services.errors import InvalidInput, NotFound
from scheduler.services.schools import school_row
from scheduler.storage.tables import (
    CalendarFeedRow,
    CalendarLinkRow,
    ResourceRow,
    SchoolRow,
    SpaceRow,
    StaffRow,
    StudentRow,
)
from scheduler.storage.types import utc_now

TOKEN_PREFIX = "fbc_"
TOKEN_BYTES = 24  # 192 bits
FEED_PATH = "/calendar/{token}.ics"
_OWNER_TABLES = {"students": StudentRow, "staff": StaffRow, "spaces": SpaceRow, "resources": ResourceRow}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the only time its token (inside ``url``) is shown."""

    link: CalendarLinkRow
    url: str
    webcal_url: str


def feed_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + FEED_PATH.format(token=token)


def webcal(url: str) -> str:
    """The ``webcal://`` form, which makes Apple Calendar and Outlook offer to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def _owner_name(session: Session, school: SchoolRow, kind: str, owner: str) -> str:
    if kind not in FEED_KINDS:
        raise InvalidInput(f"kind: {kind!r} is not a feed kind (one of {', '.join(FEED_KINDS)})", code="bad_feed_kind")
    table = _OWNER_TABLES[kind]
    row = session.scalar(select(table).where(table.school_id == school.id, table.key == owner))
    if row is None:
        raise NotFound(f"owner: no {kind} entry {owner!r} in school {school.key!r}", code="feed_owner_not_found")
    return row.name or owner


def create_link(
    session: Session,
    actor: Actor,
    school: str,
    kind: FeedKind,
    owner: str,
    *,
    label: str | None,
    base_url: str,
    options: FeedOptions,
) -> IssuedLink:
    """A new secret link to the feed of ``owner`` (made empty if nothing is published for them yet)."""
    record = school_row(session, actor, school)
    require_feed_owner(actor, school, kind, owner)
    name = _owner_name(session, record, kind, owner)
    ensure_feed(session, record, kind, owner, name, options.refresh)
    return _issue(session, record, kind, owner, label, base_url)


def _issue(session: Session, school: SchoolRow, kind: str, owner: str, label: str | None, base_url: str) -> IssuedLink:
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    link = CalendarLinkRow(
        id=str(uuid.uuid4()), school_id=school.id, kind=kind, owner=owner, label=label, digest=_digest(token)
    )
    session.add(link)
    session.flush()
    url = feed_url(base_url, token)
    return IssuedLink(link, url, webcal(url))


def list_links(session: Session, actor: Actor, school: str, kind: FeedKind, owner: str) -> list[CalendarLinkRow]:
    """The owner's links that still work (never their tokens: those were shown once)."""
    record = school_row(session, actor, school)
    require_feed_owner(actor, school, kind, owner)
    query = select(CalendarLinkRow).where(
        CalendarLinkRow.school_id == record.id,
        CalendarLinkRow.kind == kind,
        CalendarLinkRow.owner == owner,
        CalendarLinkRow.revoked_at.is_(None),
    )
    return list(session.scalars(query.order_by(CalendarLinkRow.created_at, CalendarLinkRow.id)))


def _link(session: Session, actor: Actor, school: str, link_id: str) -> tuple[SchoolRow, CalendarLinkRow]:
    record = school_row(session, actor, school)
    link = session.get(CalendarLinkRow, link_id)
    if link is None or link.school_id != record.id or link.revoked_at is not None:
        raise NotFound(f"no calendar link {link_id!r}", code="calendar_link_not_found")
    require_feed_owner(actor, school, link.kind, link.owner)
    return record, link


def revoke_link(session: Session, actor: Actor, school: str, link_id: str) -> None:
    """From now on the link's URL answers 404."""
    _, link = _link(session, actor, school, link_id)
    link.revoked_at = utc_now()


def rotate_link(session: Session, actor: Actor, school: str, link_id: str, *, base_url: str) -> IssuedLink:
    """Revoke the link and make its replacement (same owner and label) in one transaction."""
    record, link = _link(session, actor, school, link_id)
    link.revoked_at = utc_now()
    return _issue(session, record, link.kind, link.owner, link.label, base_url)


@dataclass(frozen=True)
class FeedHeadline:
    """What answering a feed request needs before its body: which feed, and its validators."""

    feed_id: int
    kind: str
    owner: str
    etag: str
    last_modified: dt.datetime


def token_digest(token: str) -> str | None:
    """The stored form of a link's token; None for what cannot be a token (answered 404)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return _digest(token)


def feed_for_digest(db: Connection | Session, digest: str) -> FeedHeadline | None:
    """The feed a live link opens, by its token's digest, or None (unknown or revoked: 404)."""
    feed = CalendarFeedRow.__table__.c
    link = CalendarLinkRow.__table__.c
    found = db.execute(
        select(link.digest, feed.id, feed.kind, feed.owner, feed.etag, feed.last_modified)
        .join_from(
            CalendarLinkRow.__table__,
            CalendarFeedRow.__table__,
            (feed.school_id == link.school_id) & (feed.kind == link.kind) & (feed.owner == link.owner),
        )
        .where(link.digest == digest, link.revoked_at.is_(None))
    ).first()
    if found is None or not hmac.compare_digest(found[0], digest):
        return None
    return FeedHeadline(*found[1:])
