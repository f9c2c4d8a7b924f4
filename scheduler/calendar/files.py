"""The offline layout: ``DIR/{students,staff,spaces,resources}/<id>.ics``, one file per feed with events.

For schools without the service: the files can be put on any web server or shared drive. Each file
is written to a temporary file beside it and moved into place, so a subscriber never fetches half a
feed. Files of earlier runs for entities that have no events now are left alone (``stale_feed_files``
lists them), since the folder may hold files this run did not make.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scheduler.calendar.feeds import RenderedFeed
from scheduler.calendar.model import FEED_KINDS, FeedKind
from scheduler.files import new_file_mode, write_atomic


def feed_path(out_dir: Path, kind: FeedKind, owner: str) -> Path:
    # Ids match ^[A-Za-z0-9._-]{1,64}$ and get a suffix, so a file name never leaves its folder.
    return out_dir / kind / f"{owner}.ics"


def write_feed_files(out_dir: Path, feeds: Iterable[RenderedFeed]) -> list[Path]:
    """Write every feed that has events; return the paths written, in the order given."""
    written = []
    mode = new_file_mode()
    for kind in FEED_KINDS:
        (out_dir / kind).mkdir(parents=True, exist_ok=True)
    for feed in feeds:
        if feed.has_events:
            path = feed_path(out_dir, feed.kind, feed.owner)
            write_atomic(path, feed.ics, mode)
            written.append(path)
    return written


def stale_feed_files(out_dir: Path, written: Iterable[Path]) -> list[Path]:
    """``.ics`` files in the layout's folders that this run did not write (left by an earlier run)."""
    keep = {p.resolve() for p in written}
    return sorted(p for kind in FEED_KINDS for p in (out_dir / kind).glob("*.ics") if p.resolve() not in keep)
