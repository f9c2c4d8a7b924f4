"""One feed as RFC 5545 / RFC 7986 text, built with the icalendar library, piece by piece.

Calendar: VERSION, PRODID, CALSCALE, NAME and X-WR-CALNAME, REFRESH-INTERVAL and X-PUBLISHED-TTL
(how often clients should poll), and a VTIMEZONE for the school's IANA zone generated from zoneinfo,
covering the whole calendar years of the feed's events. Events: UID, DTSTAMP, DTSTART/DTEND with
TZID (never floating, never UTC), SEQUENCE, LAST-MODIFIED, STATUS, TRANSP, SUMMARY, LOCATION,
DESCRIPTION and URL.

No METHOD property (the issue allows none, consistently): a subscription feed is a calendar store,
not a scheduling message, so by RFC 5545 3.8.7.2 each event's DTSTAMP is when its information was
last revised, i.e. its LAST-MODIFIED. An event's text is then a function of the event alone, never
of when the feed was rendered: the service renders each event once, stores the text, and a feed is
its head, its VTIMEZONE and its events' texts joined (``assemble``), byte for byte what icalendar
would give for the whole calendar (``Component.to_ical`` is exactly that concatenation).

icalendar ends lines with CRLF and folds them at 75 octets without splitting a UTF-8 character
(tests hold it to that); the output is UTF-8 without a BOM. Nothing here reads the clock, so the same
input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache

from icalendar import Calendar, Event, Timezone
from icalendar.prop import vDuration

from scheduler.calendar.history import PublishedEvent, utc_seconds
from scheduler.calendar.model import Feed

PRODID = "-//Flexblock//Flexblock calendar feeds 1//EN"
DEFAULT_REFRESH = dt.timedelta(hours=1)


CALENDAR_END = b"END:VCALENDAR\r\n"


@lru_cache(maxsize=16)
def vtimezone_ics(tzid: str, first_year: int, last_year: int) -> bytes:
    """The zone's VTIMEZONE for whole years: built once per zone and span, shared by every feed."""
    zone = Timezone.from_tzid(tzid, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1))
    return zone.to_ical()


def event_ics(published: PublishedEvent) -> bytes:
    """One VEVENT; DTSTAMP is the event's LAST-MODIFIED (see the module docstring)."""
    facts = published.event
    stamp = utc_seconds(published.last_modified)
    event = Event()
    event.add("uid", facts.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", facts.start)
    event.add("dtend", facts.end)
    event.add("sequence", published.sequence)
    event.add("last-modified", stamp)
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
    return event.to_ical()


def calendar_head(name: str, *, refresh: dt.timedelta = DEFAULT_REFRESH, source_url: str | None = None) -> bytes:
    """``BEGIN:VCALENDAR`` and the calendar's properties, up to its first component."""
    if refresh <= dt.timedelta(0):
        raise ValueError("the refresh interval must be positive")
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    # vDuration spelled out: icalendar before 7 does not know REFRESH-INTERVAL's type.
    calendar.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    if source_url:
        calendar.add("source", source_url, parameters={"VALUE": "URI"})
    whole = calendar.to_ical()
    assert whole.endswith(CALENDAR_END)
    return whole[: -len(CALENDAR_END)]


def year_span(events: Sequence[PublishedEvent], fallback: int) -> tuple[int, int]:
    """First and last calendar year the events touch (the VTIMEZONE must cover them)."""
    years = [p.event.start.year for p in events] + [p.event.end.year for p in events] or [fallback]
    return min(years), max(years)


def event_order(published: PublishedEvent) -> tuple[dt.datetime, dt.datetime, str]:
    """The order of events in a feed: by time, then UID, so renders are byte-identical."""
    return (published.event.start, published.event.end, published.uid)


def assemble(head: bytes, vtimezone: bytes, events: Iterable[bytes]) -> bytes:
    """A whole VCALENDAR from its rendered parts (events already in ``event_order``)."""
    return b"".join((head, vtimezone, *events, CALENDAR_END))


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

    ``events`` come from ``history.republish`` (cancelled ones included); ``published_at`` only sets
    the VTIMEZONE's year when there are no events; ``source_url`` (RFC 7986 SOURCE) is the feed's
    own address, when served.
    """
    first, last = year_span(events, utc_seconds(published_at).year)
    ordered = sorted(events, key=event_order)
    return assemble(
        calendar_head(feed.name, refresh=refresh, source_url=source_url),
        vtimezone_ics(tzid, first, last),
        (event_ics(p) for p in ordered),
    )
