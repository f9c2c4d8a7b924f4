"""Feed size: the 600-student Riverside school here; the 5,000-student school in benchmarks/feed_size.py
(about 30 s, too slow for the suite: its largest feed, Chromebooks with 232 events, is about 94 kB)."""

from __future__ import annotations

from calendar_schools import School

pytest_plugins = ["calendar_schools"]  # the shared schools (see calendar_schools.py)

LIMIT_BYTES = 1_000_000


def test_largest_riverside_feed_is_far_under_a_megabyte(riverside_feeds: School) -> None:
    largest = max(riverside_feeds.feeds, key=lambda f: len(f.ics))
    assert len(largest.ics) < LIMIT_BYTES / 10, (largest.kind, largest.owner, len(largest.ics))


def test_bytes_per_event_stay_small(riverside_feeds: School) -> None:
    """Size grows with events, not with the school_feeds: at most ~700 bytes an event after the calendar header,
    so even a feed holding every session of a 5,000-student week (about 1,400) stays under 1 MB."""
    for feed in riverside_feeds.feeds:
        if feed.has_events:
            header = feed.ics.index(b"BEGIN:VEVENT")
            per_event = (len(feed.ics) - header) / len(feed.published)
            assert per_event < 700, (feed.kind, feed.owner, per_event)
