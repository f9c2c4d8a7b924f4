"""Keep calendar tokens out of the access log: a feed's URL is its secret."""

from __future__ import annotations

import logging
import re

_FEED_TOKEN = re.compile(r"/calendar/[^/?#\s\"]+\.ics")
REDACTED = "/calendar/<token>.ics"
ACCESS_LOGGER = "uvicorn.access"


class RedactFeedTokens(logging.Filter):
    """Rewrites ``/calendar/<secret>.ics`` in a record's message arguments before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_FEED_TOKEN.sub(REDACTED, a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _FEED_TOKEN.sub(REDACTED, record.msg)
        return True


def redact_feed_tokens() -> None:
    """Install the filter on the access logger once (safe to call for every app built)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
        logger.addFilter(RedactFeedTokens())
