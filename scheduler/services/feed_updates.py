"""Calendar feeds after a reservation changes: the week's published plan did not, but the feeds of
the reservation's teacher, space and resources did (the spec's reservations appear in them).

Only those feeds are re-derived, from the week as it now stands and its published plan; a week with
no published plan yet gets the reservation alone, and the plan's events join when it is published.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.calendar.events import FeedDataError
from scheduler.domain.plan import Plan
from scheduler.services.calendar_publish import FeedOptions, publish_feeds
from scheduler.services.plans import published_row, read_plan
from scheduler.storage import problems as store
from scheduler.storage.tables import BookingRow, BookingSlotRow, SchoolRow
from scheduler.storage.types import utc_now

log = logging.getLogger("scheduler.feeds")


def reservation_owners(booking: BookingRow) -> set[tuple[str, str]]:
    """The feeds a reservation appears in."""
    owners = {("resources", resource) for resource, count in booking.resources.items() if count > 0}
    if booking.staff:
        owners.add(("staff", booking.staff))
    if booking.space:
        owners.add(("spaces", booking.space))
    return owners


def refresh_reservation_feeds(session: Session, school: SchoolRow, booking: BookingRow, options: FeedOptions) -> None:
    """Re-publish the feeds the reservation appears in, for every week it holds time in."""
    session.flush()
    held = set(session.scalars(select(BookingSlotRow.week).where(BookingSlotRow.booking_id == booking.id)))
    weeks = sorted(held & set(store.school_weeks(session, school)))  # a week without blocks has no flex time
    owners = reservation_owners(booking)
    for week in weeks:
        published = published_row(session, school, week)
        plan = read_plan(session, published) if published else Plan(school=school.key, status="unknown")
        problem = store.load_problem(session, school, week)
        try:
            with session.begin_nested():
                publish_feeds(session, school, week, problem, plan, utc_now(), options, only=owners)
        except FeedDataError as exc:
            # The published plan names someone since removed: it cannot be shown as it stands, and
            # the reservation must not fail for it. The feeds catch up at the next publication.
            log.warning("feeds of week %s not updated after reservation %s: %s", week, booking.key, exc)
