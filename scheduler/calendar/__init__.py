"""iCalendar feeds of a plan: one per student, staff member, space and resource.

Pure: it knows the domain models, not the database or HTTP. The pipeline is
``events`` (who sees what, as plain facts) -> ``history`` (SEQUENCE, LAST-MODIFIED and cancellations
across re-publishes) -> ``ics`` (RFC 5545 / RFC 7986 text) -> ``files`` (the offline ``--ics-dir``
layout). ``feeds.build_feeds`` runs the first three; the service passes its stored history in.
"""

from scheduler.calendar.feeds import RenderedFeed, build_feeds, offline_published_at
from scheduler.calendar.files import write_feed_files

__all__ = ["RenderedFeed", "build_feeds", "offline_published_at", "write_feed_files"]
