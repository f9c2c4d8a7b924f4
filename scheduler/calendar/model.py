"""The facts a feed shows, free of any iCalendar syntax, so the service can store and compare them."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

FeedKind = Literal["students", "staff", "spaces", "resources"]
# Also the offline folder names: DIR/students/<id>.ics, DIR/staff/<id>.ics, ...
FEED_KINDS: tuple[FeedKind, ...] = ("students", "staff", "spaces", "resources")


def _digest(*parts: str) -> str:
    # "\x1f" (unit separator) never occurs in ids or titles, so the join is unambiguous.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class EventFacts:
    """One calendar event of one subscriber: a placement, a led session or a reservation.

    ``start``/``end`` are aware datetimes in the school's zone. ``place`` (space id) and ``session``
    (session id or ``reservation:<id>``) are what the subscriber must notice when they change: together
    with the times they make the fingerprint that raises SEQUENCE.
    """

    uid: str
    block: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    place: str | None
    session: str
    location: str | None = None
    description: str = ""
    url: str | None = None

    @property
    def fingerprint(self) -> str:
        """Time, place and session: a change here is a significant revision (SEQUENCE goes up)."""
        return _digest(self.start.isoformat(), self.end.isoformat(), self.place or "", self.session)

    @property
    def content(self) -> str:
        """Everything the subscriber reads: any change here moves LAST-MODIFIED."""
        return _digest(self.fingerprint, self.summary, self.location or "", self.description, self.url or "")


@dataclass(frozen=True)
class Feed:
    """One subscriber's feed before rendering: its calendar name and its current events."""

    kind: FeedKind
    owner: str
    name: str
    events: tuple[EventFacts, ...]


@dataclass(frozen=True)
class TimedHold:
    """A reservation of a time window that overlaps no flex block (e.g. Tuesday 14:00-15:00): it is
    not one of the spec's block reservations, yet belongs in its teacher's, space's and resources'
    feeds. ``date``/``start``/``end`` are wall-clock times in the school's zone."""

    id: str
    staff: str | None
    space: str | None
    resources: dict[str, int]
    date: dt.date
    start: dt.time
    end: dt.time
