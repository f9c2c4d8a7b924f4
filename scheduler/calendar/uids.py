"""Event UIDs derived only from facts that survive a re-publish, so clients update events in place.

Rule: ``<first 32 hex digits of sha256("school|kind|owner|block date|block id|item")>@flexblock``.
``item`` tells apart several events of one owner in one block (a staff member's reservations, the
sessions sharing a resource); it is empty where the owner has at most one event per block (a student's
placement, a staff member's led session, a space's booking). The session's offering, room and staff
are deliberately left out: when they change the event keeps its UID and its SEQUENCE goes up. The
block date is in so that next week's "mon" is a new event. Ids cannot contain "|", so keys never
collide.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from scheduler.calendar.model import FeedKind
from scheduler.domain.problem import Block

UID_DOMAIN = "flexblock"


def event_uid(school: str, kind: FeedKind, owner: str, block: Block, item: str = "") -> str:
    return _uid(school, kind, owner, block.date, block.id, item)


def dated_uid(school: str, kind: FeedKind, owner: str, date: dt.date, item: str) -> str:
    """For an event outside every block (a reservation's own time window): an empty block id, which
    no block has, keeps these apart from block events."""
    return _uid(school, kind, owner, date, "", item)


def _uid(school: str, kind: FeedKind, owner: str, date: dt.date, block_id: str, item: str) -> str:
    key = "|".join((school, kind, owner, date.isoformat(), block_id, item))
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{UID_DOMAIN}"
