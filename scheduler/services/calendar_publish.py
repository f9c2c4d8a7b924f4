"""Keep every stored calendar feed of a school in step with its published plans.

Called in the transaction that publishes a week's plan, so feeds and published plans never disagree.
Only the published week's events are derived again (``calendar.events``); each feed's other weeks
are left as stored. For each feed, ``calendar.history.republish`` decides from the stored state of
that week's events what is new (SEQUENCE 0), unchanged (kept, text and all), revised (SEQUENCE + 1)
or gone (published as CANCELLED for ``retention``). Only events whose state changed are rendered
again; a feed's ETag is a digest of its head, its VTIMEZONE and its events' texts in order.

The window: a feed keeps the weeks from ``weeks_back`` before the week of publication to
``weeks_ahead`` after it. Older weeks' events are dropped without a cancellation (they are history,
not a change); a week published beyond the window is not put in feeds (it is when published again
inside the window). Expired cancellations are dropped at every publication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from scheduler.calendar.events import derive_feeds, feed_title
from scheduler.calendar.history import (
    DEFAULT_RETENTION,
    PublishedEvent,
    history_from_json,
    history_to_json,
    republish,
    utc_seconds,
)
from scheduler.calendar.ics import DEFAULT_REFRESH, assemble, calendar_head, event_ics, vtimezone_ics
from scheduler.calendar.model import FeedKind, TimedHold
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.storage.tables import BookingRow, BookingSlotRow, CalendarEventRow, CalendarFeedRow, SchoolRow
from scheduler.storage.types import utc_now

CHUNK = 500  # ids per IN (...) list: far below every database's limit on bound parameters


@dataclass(frozen=True)
class FeedOptions:
    """How feeds are published: the window, the poll interval, where rosters are read."""

    weeks_back: int = 4
    weeks_ahead: int = 8
    refresh: dt.timedelta = DEFAULT_REFRESH
    retention: dt.timedelta = DEFAULT_RETENTION
    roster_base_url: str | None = None  # the API's base, e.g. https://flex.example.org/api/v1


@dataclass(frozen=True)
class FeedPublication:
    """What one publication did to the school's feeds (for logs and tests)."""

    feeds_changed: int
    events_rendered: int


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def publish_feeds(
    session: Session,
    school: SchoolRow,
    week: dt.date,
    problem: Problem,
    plan: Plan,
    published_at: dt.datetime,
    options: FeedOptions,
    only: set[tuple[str, str]] | None = None,
) -> FeedPublication:
    """Bring the school's stored feeds up to date with ``plan``, just published for ``week``.

    ``only`` limits the work to those (kind, owner) feeds (a reservation changed: the week's plan did
    not, so no other feed can have changed)."""
    now = utc_seconds(published_at)
    this_week = _monday(now.astimezone(ZoneInfo(school.timezone)).date())
    first_week = this_week - dt.timedelta(weeks=options.weeks_back)
    last_week = this_week + dt.timedelta(weeks=options.weeks_ahead)
    query = select(CalendarFeedRow).where(CalendarFeedRow.school_id == school.id)
    feeds = {(row.kind, row.owner): row for row in session.scalars(query)}
    changed = _drop_expired(session, [row.id for row in feeds.values()], first_week, now - options.retention)
    rendered = 0
    if first_week <= week <= last_week:
        rendered = _publish_week(session, school, week, problem, plan, now, options, feeds, changed, only)
    session.flush()
    by_id = {row.id: row for row in feeds.values()}
    events = _event_digests(session, sorted(changed))
    for feed_id in changed:
        _set_validators(by_id[feed_id], events.get(feed_id, []), school.timezone, now)
    return FeedPublication(feeds_changed=len(changed), events_rendered=rendered)


def _publish_week(
    session: Session,
    school: SchoolRow,
    week: dt.date,
    problem: Problem,
    plan: Plan,
    now: dt.datetime,
    options: FeedOptions,
    feeds: dict[tuple[str, str], CalendarFeedRow],
    changed: set[int],
    only: set[tuple[str, str]] | None,
) -> int:
    """Re-publish every feed's events of ``week`` (or ``only`` those feeds); add the feeds it
    changed to ``changed``."""
    mine = [row.id for key, row in feeds.items() if only is None or key in only]
    stored = _events_of_week(session, mine, week)
    timed = timed_holds(session, school, week, problem)
    derived = [
        f
        for f in derive_feeds(problem, plan, roster_base_url=options.roster_base_url, timed=timed)
        if only is None or (f.kind, f.owner) in only
    ]
    new_rows = [
        CalendarFeedRow(school_id=school.id, kind=f.kind, owner=f.owner, title="", head="", vtimezone="", etag="")
        for f in derived
        if (f.kind, f.owner) not in feeds and f.events  # a feed with nothing to show or cancel is not made
    ]
    for row in new_rows:
        row.last_modified = now
        feeds[(row.kind, row.owner)] = row
    session.add_all(new_rows)
    session.flush()  # one batch for every new feed
    seen: set[int] = set()
    rendered = 0
    refresh = int(options.refresh.total_seconds())
    for feed in derived:
        row = feeds.get((feed.kind, feed.owner))
        if row is None:
            continue
        seen.add(row.id)
        before = stored.get(row.id, {})
        published = republish(feed.events, _history(before), now, options.retention)
        count, touched = _store_week(session, row.id, week, published, before)
        rendered += count
        if (row.title, row.refresh_seconds) != (feed.name, refresh):  # renamed, or a new poll interval
            row.title, row.refresh_seconds = feed.name, refresh
            row.head = calendar_head(feed.name, refresh=options.refresh).decode("utf-8")
            touched = True
        if touched:
            changed.add(row.id)
    for feed_id, before in stored.items():
        if feed_id not in seen:  # the owner left the school's data: their events are cancelled
            count, touched = _store_week(
                session, feed_id, week, republish([], _history(before), now, options.retention), before
            )
            rendered += count
            if touched:
                changed.add(feed_id)
    return rendered


def timed_holds(session: Session, school: SchoolRow, week: dt.date, problem: Problem) -> list[TimedHold]:
    """The week's approved reservations of time windows that overlap no block (those that overlap
    one are the problem's block reservations already)."""
    query = (
        select(BookingSlotRow, BookingRow)
        .join(BookingRow, BookingRow.id == BookingSlotRow.booking_id)
        .where(BookingSlotRow.school_id == school.id, BookingSlotRow.week == week, BookingRow.status == "approved")
        .order_by(BookingSlotRow.starts_at, BookingRow.key)
    )
    holds = []
    for slot, booking in session.execute(query).all():
        if not any(b.date == slot.date and b.start < slot.end and slot.start < b.end for b in problem.blocks):
            resources = {r: int(n) for r, n in booking.resources.items()}
            holds.append(
                TimedHold(booking.key, booking.staff, booking.space, resources, slot.date, slot.start, slot.end)
            )
    return holds


def _history(rows: dict[str, CalendarEventRow]) -> dict[str, PublishedEvent]:
    return history_from_json(row.state for row in rows.values())


def _drop_expired(
    session: Session, feed_ids: list[int], first_week: dt.date, cancelled_before: dt.datetime
) -> set[int]:
    """Delete events of weeks before the window and cancellations kept long enough; their feeds."""
    changed: set[int] = set()
    for chunk in _chunks(feed_ids):
        old = (CalendarEventRow.feed_id.in_(chunk)) & (
            (CalendarEventRow.week < first_week) | (CalendarEventRow.cancelled_since <= cancelled_before)
        )
        changed.update(session.scalars(select(CalendarEventRow.feed_id).where(old).distinct()))
        session.execute(delete(CalendarEventRow).where(old))
    return changed


def _events_of_week(session: Session, feed_ids: list[int], week: dt.date) -> dict[int, dict[str, CalendarEventRow]]:
    out: dict[int, dict[str, CalendarEventRow]] = defaultdict(dict)
    for chunk in _chunks(feed_ids):
        query = select(CalendarEventRow).where(CalendarEventRow.feed_id.in_(chunk), CalendarEventRow.week == week)
        for row in session.scalars(query):
            out[row.feed_id][row.uid] = row
    return out


def _event_values(published: PublishedEvent, state: dict[str, Any]) -> dict[str, Any]:
    text = event_ics(published).decode("utf-8")
    return {
        "starts_at": published.event.start.astimezone(dt.UTC),
        "ends_at": published.event.end.astimezone(dt.UTC),
        "cancelled_since": published.cancelled_since,
        "state": state,
        "ics": text,
        "digest": hashlib.sha256(text.encode("utf-8")).hexdigest()[:32],
    }


def _store_week(
    session: Session,
    feed_id: int,
    week: dt.date,
    published: Iterable[PublishedEvent],
    before: dict[str, CalendarEventRow],
) -> tuple[int, bool]:
    """Write one feed's events of one week: (events rendered, whether anything changed)."""
    keep: set[str] = set()
    new_rows = []
    rendered = 0
    for event in published:
        keep.add(event.uid)
        (state,) = history_to_json([event])
        row = before.get(event.uid)
        if row is not None and row.state == state:
            continue
        values = _event_values(event, state)
        rendered += 1
        if row is None:
            new_rows.append({"feed_id": feed_id, "uid": event.uid, "week": week, **values})
        else:
            for name, value in values.items():
                setattr(row, name, value)
    gone = [row for uid, row in before.items() if uid not in keep]
    for row in gone:
        session.delete(row)
    if new_rows:
        session.execute(insert(CalendarEventRow), new_rows)
    return rendered, bool(rendered or gone)


_EventKey = tuple[dt.datetime, dt.datetime, str, str]  # starts_at, ends_at, uid, digest


def _event_digests(session: Session, feed_ids: list[int]) -> dict[int, list[_EventKey]]:
    out: dict[int, list[_EventKey]] = defaultdict(list)
    columns = (
        CalendarEventRow.feed_id,
        CalendarEventRow.starts_at,
        CalendarEventRow.ends_at,
        CalendarEventRow.uid,
        CalendarEventRow.digest,
    )
    for chunk in _chunks(feed_ids):
        for feed_id, *key in session.execute(select(*columns).where(CalendarEventRow.feed_id.in_(chunk))):
            out[feed_id].append(tuple(key))  # type: ignore[arg-type]
    return out


def _set_validators(row: CalendarFeedRow, events: list[_EventKey], tzid: str, now: dt.datetime) -> None:
    """VTIMEZONE span, ETag and Last-Modified of a feed from its head and its events' digests."""
    zone = ZoneInfo(tzid)
    years = [moment.astimezone(zone).year for start, end, *_ in events for moment in (start, end)] or [now.year]
    vtimezone = vtimezone_ics(tzid, min(years), max(years)).decode("utf-8")
    digest = hashlib.sha256(row.head.encode("utf-8"))
    digest.update(vtimezone.encode("utf-8"))
    for *_, event_digest in sorted(events):
        digest.update(event_digest.encode("ascii"))
    etag = digest.hexdigest()[:32]
    if etag != row.etag:
        row.etag, row.vtimezone, row.last_modified = etag, vtimezone, now


@dataclass(frozen=True)
class FeedDocument:
    """A feed's bytes with the validators stored beside them, read in one transaction."""

    etag: str
    last_modified: dt.datetime
    body: bytes


def feed_document(db: Connection | Session, feed_id: int) -> FeedDocument:
    """The feed's whole VCALENDAR from its stored parts, events in ``calendar.ics.event_order``."""
    feed, event = CalendarFeedRow.__table__.c, CalendarEventRow.__table__.c
    head, vtimezone, etag, last_modified = db.execute(
        select(feed.head, feed.vtimezone, feed.etag, feed.last_modified).where(feed.id == feed_id)
    ).one()
    query = select(event.starts_at, event.ends_at, event.uid, event.ics).where(event.feed_id == feed_id)
    events = sorted(db.execute(query))
    body = assemble(head.encode(), vtimezone.encode(), (text.encode() for *_, text in events))
    return FeedDocument(etag, last_modified, body)


def ensure_feed(
    session: Session,
    school: SchoolRow,
    kind: FeedKind,
    owner: str,
    owner_name: str,
    refresh: dt.timedelta = DEFAULT_REFRESH,
) -> CalendarFeedRow:
    """The subscriber's feed, created empty (a valid calendar with no events) when none is stored yet,
    so a link handed out before the first publication already works."""
    row = session.scalar(
        select(CalendarFeedRow).where(
            CalendarFeedRow.school_id == school.id, CalendarFeedRow.kind == kind, CalendarFeedRow.owner == owner
        )
    )
    if row is None:
        now = utc_seconds(utc_now())
        title = feed_title(school.name or school.key, kind, owner_name)
        head = calendar_head(title, refresh=refresh).decode("utf-8")
        row = CalendarFeedRow(school_id=school.id, kind=kind, owner=owner, title=title, head=head, etag="")
        row.refresh_seconds, row.last_modified = int(refresh.total_seconds()), now
        _set_validators(row, [], school.timezone, now)
        session.add(row)
        session.flush()
    return row
