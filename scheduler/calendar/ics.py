"""One feed as RFC 5545 / RFC 7986 text, built with the icalendar library.

Calendar: VERSION, PRODID, CALSCALE, METHOD:PUBLISH (always), NAME and X-WR-CALNAME,
REFRESH-INTERVAL and X-PUBLISHED-TTL (how often clients should poll), and a VTIMEZONE for the
school's IANA zone generated from zoneinfo, covering the whole calendar years of the feed's events.
Events: UID, DTSTAMP (the publication time), DTSTART/DTEND with TZID (never floating, never UTC),
SEQUENCE, LAST-MODIFIED, STATUS, TRANSP, SUMMARY, LOCATION, DESCRIPTION and URL.

icalendar ends lines with CRLF and folds them at 75 octets without splitting a UTF-8 character
(tests hold it to that); the output is UTF-8 without a BOM. Nothing here reads the clock, so the same
input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache

from icalendar import Calendar, Event, Timezone
from icalendar.prop import vDuration

from scheduler.calendar.history import PublishedEvent, utc_seconds
from scheduler.calendar.model import Feed

PRODID = "-//Flexblock//Flexblock calendar feeds 1//EN"
DEFAULT_REFRESH = dt.timedelta(hours=1)


@lru_cache(maxsize=16)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """Built once per zone and span: a 5,000-student school renders thousands of feeds."""
    return Timezone.from_tzid(tzid, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1))


def _event(published: PublishedEvent, stamp: dt.datetime) -> Event:
    facts = published.event
    event = Event()
    event.add("uid", facts.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", facts.start)
    event.add("dtend", facts.end)
    event.add("sequence", published.sequence)
    event.add("last-modified", published.last_modified)
    if published.cancelled:
        event.add("status", "CANCELLED")
        event.add("transp", "TRANSPARENT")  # a cancelled block no longer makes anyone busy
        event.add("summary", f"Cancelled: {facts.summary}")
    else:
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("summary", facts.summary)
    if facts.location:
        event.add("location", facts.location)
    if facts.description:
        event.add("description", facts.description)
    if facts.url:
        event.add("url", facts.url)
    return event


def render_feed(
    feed: Feed,
    events: Sequence[PublishedEvent],
    *,
    tzid: str,
    published_at: dt.datetime,
    refresh: dt.timedelta = DEFAULT_REFRESH,
    source_url: str | None = None,
) -> bytes:
    """The feed's VCALENDAR as bytes (UTF-8, CRLF, folded).

    ``events`` come from ``history.republish`` (cancelled ones included); ``published_at`` is the
    DTSTAMP of every event; ``source_url`` (RFC 7986 SOURCE) is the feed's own address, when served.
    """
    stamp = utc_seconds(published_at)
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", feed.name)
    calendar.add("x-wr-calname", feed.name)
    if refresh <= dt.timedelta(0):
        raise ValueError("the refresh interval must be positive")
    # vDuration spelled out: icalendar before 7 does not know REFRESH-INTERVAL's type.
    calendar.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    if source_url:
        calendar.add("source", source_url, parameters={"VALUE": "URI"})
    years = [p.event.start.year for p in events] + [p.event.end.year for p in events] or [stamp.year]
    calendar.add_component(_vtimezone(tzid, min(years), max(years)))
    for published in sorted(events, key=lambda p: (p.event.start, p.event.end, p.uid)):
        calendar.add_component(_event(published, stamp))
    return calendar.to_ical()
