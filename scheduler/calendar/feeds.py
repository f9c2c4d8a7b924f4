"""Every feed of a plan, rendered: events -> re-publish history -> iCalendar bytes.

The offline writer calls ``build_feeds(problem, plan)``: empty history, so SEQUENCE 0, and DTSTAMP /
LAST-MODIFIED = ``offline_published_at(problem)``. The service will pass its stored publication time
and each feed's stored history (``history.history_from_json``) and keep ``RenderedFeed.published``
(``history.history_to_json``) for the next publication.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from scheduler.calendar.events import derive_feeds
from scheduler.calendar.history import DEFAULT_RETENTION, History, PublishedEvent, republish
from scheduler.calendar.ics import DEFAULT_REFRESH, render_feed
from scheduler.calendar.model import FeedKind
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem

FeedKey = tuple[FeedKind, str]  # (kind, owner id)


@dataclass(frozen=True)
class RenderedFeed:
    """One subscriber's feed: the iCalendar bytes and the history to store for the next publication."""

    kind: FeedKind
    owner: str
    ics: bytes
    published: tuple[PublishedEvent, ...]

    @property
    def has_events(self) -> bool:
        return bool(self.published)


def offline_published_at(problem: Problem) -> dt.datetime:
    """Offline DTSTAMP: 00:00 UTC on the Monday of the week of the problem's first block.

    Derived from the input alone, so two runs on the same files give byte-identical feeds.
    """
    first = min(block.date for block in problem.blocks)
    monday = first - dt.timedelta(days=first.weekday())
    return dt.datetime.combine(monday, dt.time(0, 0), tzinfo=dt.UTC)


def build_feeds(
    problem: Problem,
    plan: Plan,
    *,
    published_at: dt.datetime | None = None,
    history: Mapping[FeedKey, History] | None = None,
    roster_base_url: str | None = None,
    retention: dt.timedelta = DEFAULT_RETENTION,
    refresh: dt.timedelta = DEFAULT_REFRESH,
) -> list[RenderedFeed]:
    """Every student, staff, space and resource feed of the plan (empty ones included).

    Raises ``events.FeedDataError`` when the plan names ids the problem does not have.
    """
    when = published_at or offline_published_at(problem)
    previous = history or {}
    rendered = []
    for feed in derive_feeds(problem, plan, roster_base_url=roster_base_url):
        published = republish(feed.events, previous.get((feed.kind, feed.owner), {}), when, retention)
        ics = render_feed(feed, published, tzid=problem.school.timezone, published_at=when, refresh=refresh)
        rendered.append(RenderedFeed(feed.kind, feed.owner, ics, tuple(published)))
    return rendered
