"""Re-publish bookkeeping as pure data: SEQUENCE, LAST-MODIFIED and cancelled events of one feed.

A client that subscribed to a feed keeps its events by UID. When a plan is published again, each
event's previous state (what the service stored last time, see ``history_to_json``) decides how it is
published now:

- new UID: SEQUENCE 0, LAST-MODIFIED = now;
- same time, place and session (``EventFacts.fingerprint``): SEQUENCE kept; LAST-MODIFIED kept unless
  the wording changed (``EventFacts.content``), e.g. a roster count;
- time, place or session changed, or a cancelled event came back: SEQUENCE + 1, LAST-MODIFIED = now;
- gone from the plan: published once more as STATUS:CANCELLED with SEQUENCE + 1, and kept so for
  ``retention`` after it was first cancelled, so clients that poll rarely still see it go.

"now" is ``published_at``, a stored fact (the plan's publication time), never the clock: two renders
of the same data are byte-identical. The offline writer passes an empty history, so every event has
SEQUENCE 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.calendar.model import EventFacts

DEFAULT_RETENTION = dt.timedelta(days=28)


@dataclass(frozen=True)
class PublishedEvent:
    """An event as published: its facts and the re-publish state the service stores per feed."""

    event: EventFacts
    sequence: int
    last_modified: dt.datetime  # aware, UTC, whole seconds
    cancelled_since: dt.datetime | None = None  # aware, UTC: first publication that cancelled it

    @property
    def uid(self) -> str:
        return self.event.uid

    @property
    def cancelled(self) -> bool:
        return self.cancelled_since is not None


History = Mapping[str, PublishedEvent]  # uid -> what the feed published last time


def utc_seconds(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC to the second: iCalendar's precision, so stored and rendered values agree."""
    if moment.tzinfo is None:
        raise ValueError("publication times must be aware datetimes (UTC in storage)")
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _carry(event: EventFacts, before: PublishedEvent, now: dt.datetime) -> PublishedEvent:
    if before.cancelled or event.fingerprint != before.event.fingerprint:
        return PublishedEvent(event, before.sequence + 1, now)
    if event.content != before.event.content:
        return PublishedEvent(event, before.sequence, now)
    return PublishedEvent(event, before.sequence, before.last_modified)


def _gone(before: PublishedEvent, now: dt.datetime, retention: dt.timedelta) -> PublishedEvent | None:
    if before.cancelled_since is None:
        return replace(before, sequence=before.sequence + 1, last_modified=now, cancelled_since=now)
    return before if now < before.cancelled_since + retention else None


def republish(
    events: Sequence[EventFacts],
    previous: History,
    published_at: dt.datetime,
    retention: dt.timedelta = DEFAULT_RETENTION,
) -> list[PublishedEvent]:
    """The feed's events as published at ``published_at``, cancelled ones included, in time order.

    The result is both what to render and the history to store for the next publication.
    """
    now = utc_seconds(published_at)
    out = []
    current = {e.uid for e in events}
    for event in events:
        before = previous.get(event.uid)
        out.append(PublishedEvent(event, 0, now) if before is None else _carry(event, before, now))
    for uid, before in previous.items():
        if uid not in current:
            kept = _gone(before, now, retention)
            if kept is not None:
                out.append(kept)
    return sorted(out, key=lambda p: (p.event.start, p.event.end, p.uid))


# ---- storage form -------------------------------------------------------------------------------


def _zone_key(moment: dt.datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    if key is None:
        raise ValueError("event times must carry an IANA zone (zoneinfo.ZoneInfo)")
    return key


def _stamp(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def history_to_json(published: Iterable[PublishedEvent]) -> list[dict[str, Any]]:
    """A feed's history as JSON-ready data (what the service stores per feed and publication)."""
    rows = []
    for p in published:
        e = p.event
        rows.append(
            {
                "uid": e.uid,
                "block": e.block,
                "tzid": _zone_key(e.start),
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "summary": e.summary,
                "place": e.place,
                "session": e.session,
                "location": e.location,
                "description": e.description,
                "url": e.url,
                "sequence": p.sequence,
                "last_modified": p.last_modified.isoformat(),
                "cancelled_since": p.cancelled_since and p.cancelled_since.isoformat(),
            }
        )
    return rows


def history_from_json(rows: Iterable[Mapping[str, Any]]) -> dict[str, PublishedEvent]:
    """The inverse of ``history_to_json``: uid -> PublishedEvent, ready for ``republish``."""
    out = {}
    for row in rows:
        zone = ZoneInfo(row["tzid"])
        event = EventFacts(
            uid=row["uid"],
            block=row["block"],
            start=dt.datetime.fromisoformat(row["start"]).astimezone(zone),
            end=dt.datetime.fromisoformat(row["end"]).astimezone(zone),
            summary=row["summary"],
            place=row["place"],
            session=row["session"],
            location=row["location"],
            description=row["description"],
            url=row["url"],
        )
        last_modified = dt.datetime.fromisoformat(row["last_modified"]).astimezone(dt.UTC)
        out[event.uid] = PublishedEvent(event, int(row["sequence"]), last_modified, _stamp(row["cancelled_since"]))
    return out
