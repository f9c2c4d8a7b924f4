"""Recently served calendar feeds, kept in the API process for the calendar apps that poll them.

Every subscriber's app asks again every hour or so, nearly always for an unchanged feed. Keeping
each link's validators (which feed, its ETag) answers those 304s without a database round trip, and
keeping recent bodies by (feed, ETag) answers full fetches too. An ETag names exact bytes, so a body
kept under it is never stale; only the link -> validators entries can be, and they are dropped:

- after every write this process commits (``watch``: publishing, a reservation, revoking or
  rotating a link, and writes that change no feed, which are rare next to feed polls), and when a
  solve process publishes;
- in any case after ``ttl`` seconds (a change made outside this process shows within that time).

A lookup that began before a drop is not kept (the generation check), so a revoked link never
lingers. The service runs one API process (docs/deployment.md), so this cache is the only one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from sqlalchemy import event

from scheduler.services.calendar_links import FeedHeadline
from scheduler.storage.database import Database

DEFAULT_TTL_SECONDS = 5.0
DEFAULT_MAX_BYTES = 32_000_000


class FeedCache:
    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._generation = 0
        self._headlines: dict[str, tuple[float, FeedHeadline]] = {}
        self._bodies: OrderedDict[tuple[int, str], bytes] = OrderedDict()
        self._size = 0

    @property
    def generation(self) -> int:
        """Take it before reading the database; hand it back to ``remember``."""
        return self._generation

    def headline(self, digest: str) -> FeedHeadline | None:
        found = self._headlines.get(digest)
        if found is None or time.monotonic() - found[0] > self.ttl:
            return None
        return found[1]

    def remember(self, digest: str, headline: FeedHeadline, generation: int) -> None:
        with self._lock:
            if generation == self._generation:  # nothing was dropped while it was being read
                self._headlines[digest] = (time.monotonic(), headline)

    def body(self, feed_id: int, etag: str) -> bytes | None:
        with self._lock:
            found = self._bodies.get((feed_id, etag))
            if found is not None:
                self._bodies.move_to_end((feed_id, etag))
            return found

    def keep_body(self, feed_id: int, etag: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            if (feed_id, etag) in self._bodies:
                return
            self._bodies[(feed_id, etag)] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)

    def forget(self) -> None:
        """Drop every link's validators (bodies stay: they are keyed by their exact ETag)."""
        with self._lock:
            self._generation += 1
            self._headlines.clear()

    def watch(self, database: Database) -> None:
        """Drop the validators after every write transaction of ``database`` commits. A lookup that
        read the old state and ends after the commit is not kept (the generation moved on); one
        that ended before it is dropped by it."""
        event.listen(database.sessions, "after_commit", lambda _session: self.forget())
