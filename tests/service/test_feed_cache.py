"""The API's feed cache: what it keeps, and when it lets go (a revoked link must never linger)."""

from __future__ import annotations

import datetime as dt
import time

from scheduler.api.feed_cache import FeedCache
from scheduler.services.calendar_links import FeedHeadline

HEADLINE = FeedHeadline(1, "students", "s-1", "abc", dt.datetime(2026, 11, 27, tzinfo=dt.UTC))


def test_a_lookup_that_began_before_a_drop_is_not_kept() -> None:
    cache = FeedCache()
    began = cache.generation
    cache.forget()  # a link was revoked while the lookup read the database
    cache.remember("digest", HEADLINE, began)
    assert cache.headline("digest") is None
    cache.remember("digest", HEADLINE, cache.generation)
    assert cache.headline("digest") == HEADLINE


def test_validators_expire_and_bodies_stay_within_their_budget() -> None:
    cache = FeedCache(ttl=0.05, max_bytes=800)
    cache.remember("digest", HEADLINE, cache.generation)
    time.sleep(0.1)
    assert cache.headline("digest") is None
    for feed_id in range(10):
        cache.keep_body(feed_id, "etag", bytes(100))
    assert cache.body(0, "etag") is None and cache.body(9, "etag") == bytes(100)  # oldest dropped first
    assert cache.body(9, "other-etag") is None  # a body is only ever served under its own ETag


def test_a_committed_write_drops_the_validators(database_url: str) -> None:
    from scheduler.storage.database import Database
    from scheduler.storage.migrate import upgrade

    upgrade(database_url)
    database = Database(database_url)
    try:
        cache = FeedCache()
        cache.watch(database)
        cache.remember("digest", HEADLINE, cache.generation)
        with database.transaction(read_only=True):
            pass
        assert cache.headline("digest") == HEADLINE  # a read commits nothing a feed depends on
        with database.transaction():
            pass
        assert cache.headline("digest") is None
    finally:
        database.dispose()
