"""Reservations of spaces and resource units (issue #5): file, list, cancel, approve, decline.

A request is answered at once: granted (status ``approved``), ``pending`` when the school has
schedulers approve teachers' requests, or refused (``ReservationRefused``, a 409 naming each clash
and offering alternatives; nothing is stored). Statuses: pending -> approved | declined; pending or
approved -> cancelled. Pending and approved reservations are *active*: they hold their times.

Correctness under concurrency is the database's job, not Python's: every write here first locks
the school's row (PostgreSQL ``SELECT ... FOR NO KEY UPDATE``, which leaves foreign-key checks of
other tables alone), so two requests of one school check-and-insert one after the other; an
exclusion constraint on active slots of a space (migration 0002) is the last guard. SQLite
serializes every write transaction already (``BEGIN IMMEDIATE``, ``storage.database``).

Collisions: with another active reservation or a session of the week's *published* plan the
request is refused; a collision with a *draft* plan only marks that draft ``needs_resolve`` (its
publication would be refused by the rule check anyway). A scheduler's ``override`` grants over
published sessions and marks the published plan ``needs_resolve``; it never overlaps another
reservation (cancel that one first).

``Idempotency-Key``: a retried create with the same key and body returns the reservation the
first one stored (never a second booking); the same key with another body is a 409. A refusal
stores nothing, so a retry of a refused request is answered afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.domain.errors import InputIssue
from scheduler.services.actors import Actor, require_role
from scheduler.services.alternatives import Need, alternatives, evaluate
from scheduler.services.availability import (
    Clash,
    Occupancy,
    School,
    booking_holders,
    load_school,
    peak_units,
    plan_holders,
    plans_of,
)
from scheduler.services.calendar_publish import FeedOptions
from scheduler.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from scheduler.services.feed_updates import refresh_reservation_feeds
from scheduler.services.idempotency import earlier_request, replay
from scheduler.services.reservation_models import ReservationRequest, ReservationSettings
from scheduler.services.reservation_times import (
    Calendar,
    Occurrence,
    block_occurrences,
    window_occurrences,
)
from scheduler.services.schools import school_row, validate_weeks
from scheduler.storage import problems as store
from scheduler.storage.tables import BlockRow, BookingRow, BookingSlotRow, ReservationSettingsRow, SchoolRow
from scheduler.storage.types import utc_now

ACTIVE = ("pending", "approved")


class ReservationRefused(Conflict):
    """The request does not fit; ``extra`` holds the clashes and the alternatives."""


@dataclass(frozen=True)
class ReservationView:
    booking: BookingRow
    slots: list[BookingSlotRow]


# ---- settings -----------------------------------------------------------------------------------
def settings_of(session: Session, school: SchoolRow) -> ReservationSettings:
    row = session.get(ReservationSettingsRow, school.id)
    if row is None:
        return ReservationSettings()
    return ReservationSettings(approval=row.approval, day_start=row.day_start, day_end=row.day_end)


def get_settings(session: Session, actor: Actor, school: str) -> ReservationSettings:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    return settings_of(session, record)


def put_settings(session: Session, actor: Actor, school: str, new: ReservationSettings) -> ReservationSettings:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    if new.day_end <= new.day_start:
        message = f"{new.day_end:%H:%M} is not after day_start {new.day_start:%H:%M}"
        raise InvalidInput(f"day_end: {message}", code="invalid_time", issues=[InputIssue("day_end", message)])
    row = session.get(ReservationSettingsRow, record.id) or ReservationSettingsRow(school_id=record.id)
    row.approval, row.day_start, row.day_end = new.approval, new.day_start, new.day_end
    session.add(row)
    return new


# ---- reading ------------------------------------------------------------------------------------
def _views(session: Session, rows: list[BookingRow]) -> list[ReservationView]:
    ids = [row.id for row in rows]
    slots: dict[int, list[BookingSlotRow]] = {i: [] for i in ids}
    if ids:
        query = select(BookingSlotRow).where(BookingSlotRow.booking_id.in_(ids)).order_by(BookingSlotRow.starts_at)
        for slot in session.scalars(query):
            slots[slot.booking_id].append(slot)
    return [ReservationView(row, slots[row.id]) for row in rows]


def _booking(session: Session, actor: Actor, record: SchoolRow, key: str) -> BookingRow:
    """A reservation the caller may see: a teacher only their own (404 for others': ids are not probed)."""
    row = session.scalar(select(BookingRow).where(BookingRow.school_id == record.id, BookingRow.key == key))
    if row is None or (actor.role == "teacher" and row.staff != actor.subject):
        raise NotFound(f"no reservation {key!r} of yours in school {record.key!r}", code="reservation_not_found")
    return row


def get_reservation(session: Session, actor: Actor, school: str, key: str) -> ReservationView:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    return _views(session, [_booking(session, actor, record, key)])[0]


def list_reservations(
    session: Session,
    actor: Actor,
    school: str,
    *,
    day: dt.date | None = None,
    week: dt.date | None = None,
    staff: str | None = None,
    status: str | None = None,
) -> list[ReservationView]:
    """Schedulers see every reservation (filter by a day or a week); a teacher sees their own."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    query = select(BookingRow).where(BookingRow.school_id == record.id)
    if actor.role == "teacher":
        query = query.where(BookingRow.staff == actor.subject)
    elif staff is not None:
        query = query.where(BookingRow.staff == staff)
    if status is not None:
        query = query.where(BookingRow.status == status)
    if day is not None or week is not None:
        slots = select(BookingSlotRow.booking_id).where(BookingSlotRow.school_id == record.id)
        if day is not None:
            slots = slots.where(BookingSlotRow.date == day)
        if week is not None:
            slots = slots.where(BookingSlotRow.week == week)
        query = query.where(BookingRow.id.in_(slots))
    return _views(session, list(session.scalars(query.order_by(BookingRow.id).limit(1000))))


def granted_since(session: Session, school: SchoolRow, week: dt.date, since: dt.datetime | None) -> bool:
    """Whether a reservation of ``week`` was approved after ``since`` (a solve that started before it
    did not see it, so its plan may collide)."""
    if since is None:
        return False
    query = (
        select(BookingRow.id)
        .join(BookingSlotRow, BookingSlotRow.booking_id == BookingRow.id)
        .where(BookingRow.school_id == school.id, BookingSlotRow.week == week, BookingRow.status == "approved")
        .where(BookingRow.decided_at >= since)
        .limit(1)
    )
    return session.scalar(query) is not None


def check_entity_change(session: Session, school: SchoolRow, kind: str, key: str, quantity: int | None = None) -> None:
    """Refuse (409 naming the reservation) deleting a space, resource or staff member an active
    reservation holds, or (``quantity``) lowering a resource below what active reservations hold at
    once; week validation alone would miss weeks whose blocks are not imported yet."""
    if kind not in ("spaces", "resources", "staff"):
        return
    _lock(session, school)
    rows = session.scalars(
        select(BookingRow).where(BookingRow.school_id == school.id, BookingRow.status.in_(ACTIVE))
    ).all()
    field = {"spaces": "space", "staff": "staff"}.get(kind)
    holding = [r for r in rows if (getattr(r, field) == key if field else key in r.resources)]
    if not holding:
        return
    if quantity is None:
        first = holding[0]
        message = f"held by reservation {first.key} ({first.status}); cancel it first"
        issues = [InputIssue(f"reservations[{r.key}]", f"{r.status}, {kind} {key!r}") for r in holding]
        raise Conflict(f"{kind} {key!r} is {message}", code="record_in_use", issues=issues)
    slots = session.scalars(select(BookingSlotRow).where(BookingSlotRow.booking_id.in_([r.id for r in holding])))
    units = {r.id: int(r.resources[key]) for r in holding}
    uses = [(s.starts_at, s.ends_at, units[s.booking_id]) for s in slots if s.active]
    if uses:
        peak = peak_units(uses, min(u[0] for u in uses), max(u[1] for u in uses))
        if peak > quantity:
            message = f"active reservations hold {peak} at once; cancel some before lowering it to {quantity}"
            raise Conflict(
                f"resources {key!r}: {message}", code="record_in_use", issues=[InputIssue("quantity", message)]
            )


def check_space_change(session: Session, school: SchoolRow, key: str, features: list[str], capacity: int) -> None:
    """Refuse (409 naming the reservation) taking from a space a feature, or the seats, that an active
    reservation of it asked for: what was granted must stay true."""
    _lock(session, school)
    rows = session.scalars(
        select(BookingRow).where(
            BookingRow.school_id == school.id, BookingRow.status.in_(ACTIVE), BookingRow.space == key
        )
    ).all()
    issues = []
    for row in rows:
        missing = sorted(set(row.features) - set(features))
        if missing:
            issues.append(InputIssue("features", f"reservation {row.key} asked for {', '.join(missing)}"))
        if row.seats and row.seats > capacity:
            issues.append(InputIssue("capacity", f"reservation {row.key} asked for {row.seats} seats"))
    if issues:
        raise Conflict(
            f"spaces {key!r}: {issues[0].message}; cancel it before changing the space",
            code="record_in_use",
            issues=issues,
        )


# ---- filing -------------------------------------------------------------------------------------
def _bad(path: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(f"{path}: {message}", code=code, issues=[InputIssue(path, message)])


def _lock(session: Session, school: SchoolRow) -> None:
    """Serialize this school's reservation writes (a no-op on SQLite, whose writes are serial)."""
    session.execute(select(SchoolRow.id).where(SchoolRow.id == school.id).with_for_update(key_share=True))


def _calendar(session: Session, school: SchoolRow) -> Calendar:
    blocks = list(session.scalars(select(BlockRow).where(BlockRow.school_id == school.id).order_by(BlockRow.id)))
    return Calendar(ZoneInfo(school.timezone), blocks)


def _occurrences(calendar: Calendar, ask: ReservationRequest, hours: ReservationSettings) -> list[Occurrence]:
    if ask.block is not None:
        if ask.week is None:
            raise _bad("week", "a block reservation needs the week (its Monday)", "week_required")
        if ask.date is not None or ask.start is not None or ask.end is not None:
            raise _bad("date", "give either block and week, or date, start and end", "ambiguous_time")
        return block_occurrences(calendar, ask.week, ask.block, ask.repeat_weeks)
    for name in ("date", "start", "end"):
        if getattr(ask, name) is None:
            raise _bad(name, "missing: give block and week, or date, start and end", "time_required")
    assert ask.date and ask.start and ask.end
    hours_span = (hours.day_start, hours.day_end)
    return window_occurrences(calendar, ask.date, ask.start, ask.end, ask.repeat_weeks, hours_span)


def _need(school: School, ask: ReservationRequest, staff: str | None) -> Need:
    """The request checked against the school's spaces and resources (422 naming the field)."""
    for resource, units in ask.resources.items():
        row = school.resources.get(resource)
        if row is None:
            raise _bad(f"resources.{resource}", f"unknown resource {resource!r}", "unknown_resource")
        if units > row.quantity:
            message = f"{units} asked but the school has only {row.quantity} {school.resource_name(resource)}"
            raise _bad(f"resources.{resource}", message, "quantity_too_large")
    wants_space = ask.space is not None or bool(ask.features) or ask.seats is not None
    if not wants_space and not ask.resources:
        raise _bad("space", "ask for a space (by id, or by features and seats) or for resources", "empty_request")
    if ask.space is not None:
        space = school.spaces.get(ask.space)
        if space is None:
            raise _bad("space", f"unknown space {ask.space!r}", "unknown_space")
        name = school.space_name(space.key)
        misfits = [f"{name} has no feature {f!r}" for f in ask.features if f not in (space.features or [])]
        if ask.seats is not None and ask.seats > space.capacity:
            misfits.append(f"{name} seats {space.capacity}, fewer than the {ask.seats} asked")
        features = sorted(set(ask.features) | set(space.features or []))
        seats = ask.seats or space.capacity
        candidates = [] if misfits else [space.key]
        return Need(True, candidates, space.key, features, seats, ask.resources, staff, misfits)
    seats = ask.seats or 0
    fitting = [s for s in school.spaces.values() if set(ask.features) <= set(s.features or []) and s.capacity >= seats]
    if wants_space and not fitting:
        message = f"no space has features {sorted(ask.features)} and {seats} seats"
        raise _bad("features", message, "no_such_space")
    candidates = [s.key for s in sorted(fitting, key=lambda s: (s.capacity, s.key))] if wants_space else []
    return Need(wants_space, candidates, None, list(ask.features), seats, ask.resources, staff)


def _staff(actor: Actor, school: School, ask: ReservationRequest) -> str | None:
    if actor.role == "teacher":
        if ask.staff not in (None, actor.subject):
            raise Forbidden("a teacher reserves as themself", code="forbidden_subject")
        if ask.override:
            raise Forbidden("only a scheduler may override the published plan", code="forbidden_override")
        return actor.subject
    if ask.staff is not None and ask.staff not in school.staff_names:
        raise _bad("staff", f"unknown staff member {ask.staff!r}", "unknown_staff")
    return ask.staff


def _digest(ask: ReservationRequest, staff: str | None) -> str:
    text = json.dumps([ask.model_dump(mode="json"), staff], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _by_key(session: Session, school: SchoolRow, key: str) -> BookingRow | None:
    return earlier_request(session, BookingRow, school.id, key)


def _refuse(clashes: list[Clash], extra: dict[str, object]) -> ReservationRefused:
    weeks = sorted({c.week for c in clashes})
    shown = "; ".join(c.message for c in clashes[:4])
    where = f" (week of {weeks[0].isoformat()})" if len(weeks) == 1 else f" ({len(weeks)} weeks clash)"
    body = {
        "conflicts": [
            {
                "week": c.week.isoformat(),
                "date": c.date.isoformat(),
                "kind": c.kind,
                "subject": c.subject,
                "message": c.message,
            }
            for c in clashes
        ],
        "alternatives": extra,
    }
    return ReservationRefused(f"refused{where}: {shown}", code="reservation_refused", extra=body)


def _occupancy(session: Session, school: School, weeks: set[dt.date], exclude: int | None = None) -> Occupancy:
    holders = booking_holders(session, school, weeks, exclude)
    for plan in plans_of(session, school.row, weeks, "published"):
        holders += plan_holders(session, school, plan)
    return Occupancy(school, holders)


def _mark_plans(
    session: Session, school: School, booking: BookingRow, occurrences: list[Occurrence], need: Need, state: str
) -> None:
    """Flag the week's plans of ``state`` whose sessions collide with the reservation now granted."""
    weeks = {o.week for o in occurrences}
    others = booking_holders(session, school, weeks, exclude=booking.id)
    space = booking.space
    for plan in plans_of(session, school.row, weeks, state):
        occupancy = Occupancy(school, others + plan_holders(session, school, plan))
        mine = [o for o in occurrences if o.week == plan.week]
        if any(occupancy.clashes(o, space, need.resources, need.staff) for o in mine):
            plan.needs_resolve = True


def _grant_check(
    session: Session,
    school: School,
    occurrences: list[Occurrence],
    need: Need,
    hours: ReservationSettings,
    *,
    override: bool,
    exclude: int | None = None,
) -> str | None:
    """The space to hold, or ``ReservationRefused``. With ``override``, clashes with published
    sessions are let through (the caller marks the published plan)."""
    weeks = {o.week for o in occurrences}
    occupancy = _occupancy(session, school, weeks, exclude)
    space, clashes = evaluate(occupancy, occurrences, need)
    if clashes and override:
        without_plan = Occupancy(school, booking_holders(session, school, weeks, exclude))
        space, clashes = evaluate(without_plan, occurrences, need)
    if clashes:
        raise _refuse(clashes, alternatives(occupancy, occurrences, need, clashes, (hours.day_start, hours.day_end)))
    return space


def _store(
    session: Session,
    school: School,
    ask: ReservationRequest,
    need: Need,
    occurrences: list[Occurrence],
    *,
    space: str | None,
    status: str,
    actor: Actor,
    key: str | None,
    digest: str,
) -> BookingRow:
    row = BookingRow(
        school_id=school.row.id,
        key=f"rv-{secrets.token_hex(5)}",
        staff=need.staff,
        space=space,
        features=list(ask.features),
        seats=ask.seats,
        resources=dict(ask.resources),
        block=ask.block,
        repeat_weeks=ask.repeat_weeks,
        status=status,
        note=ask.note,
        filed_by=actor.role,
        decided_at=utc_now() if status == "approved" else None,
        idempotency_key=key,
        request_digest=digest,
    )
    session.add(row)
    session.flush()
    slots = [
        BookingSlotRow(
            booking_id=row.id,
            school_id=school.row.id,
            week=o.week,
            date=o.date,
            start=o.start,
            end=o.end,
            block=o.block,
            starts_at=o.held_from,
            ends_at=o.held_to,
            space=space,
            active=True,
        )
        for o in occurrences
    ]
    session.add_all(slots)
    session.flush()
    return row


def _after_grant(
    session: Session, school: School, booking: BookingRow, occurrences: list[Occurrence], need: Need, override: bool
) -> None:
    """Drafts that collide need a re-solve; so does the published plan after an override. The
    week's problem must still validate (it now lists this reservation)."""
    _mark_plans(session, school, booking, occurrences, need, "draft")
    if override:
        _mark_plans(session, school, booking, occurrences, need, "published")
    weeks = sorted({o.week for o in occurrences} & set(store.school_weeks(session, school.row)))
    validate_weeks(session, school.row, weeks)


def create_reservation(
    session: Session,
    actor: Actor,
    school: str,
    ask: ReservationRequest,
    idempotency_key: str | None = None,
    *,
    feeds: FeedOptions,
) -> tuple[ReservationView, bool]:
    """Grant, hold pending or refuse; True when this call stored a new reservation. A granted one
    joins the calendar feeds of its teacher, space and resources at once."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    _lock(session, record)
    facts = load_school(session, record, _calendar(session, record))
    staff = _staff(actor, facts, ask)
    digest = _digest(ask, staff)
    if idempotency_key is not None:
        earlier = _by_key(session, record, idempotency_key)
        if earlier is not None:
            return _views(session, [replay(earlier, digest)])[0], False
    hours = settings_of(session, record)
    occurrences = _occurrences(facts.calendar, ask, hours)
    need = _need(facts, ask, staff)
    space = _grant_check(session, facts, occurrences, need, hours, override=ask.override)
    pending = hours.approval == "scheduler" and actor.role == "teacher"
    status = "pending" if pending else "approved"
    try:
        with session.begin_nested():
            row = _store(
                session,
                facts,
                ask,
                need,
                occurrences,
                space=space,
                status=status,
                actor=actor,
                key=idempotency_key,
                digest=digest,
            )
    except IntegrityError:  # the same key committed a moment ago, or the exclusion constraint
        earlier = _by_key(session, record, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise Conflict(
                "another reservation took this time a moment ago; ask again", code="reservation_race"
            ) from None
        return _views(session, [replay(earlier, digest)])[0], False
    if status == "approved":
        _after_grant(session, facts, row, occurrences, need, ask.override)
        refresh_reservation_feeds(session, record, row, feeds)
    return _views(session, [row])[0], True


# ---- deciding and cancelling --------------------------------------------------------------------
def _set_status(session: Session, row: BookingRow, status: str, note: str | None) -> None:
    row.status, row.decided_at = status, utc_now()
    if note is not None:
        row.decision_note = note
    active = status in ACTIVE
    session.execute(update(BookingSlotRow).where(BookingSlotRow.booking_id == row.id).values(active=active))


def _slots_as_occurrences(calendar: Calendar, slots: list[BookingSlotRow]) -> list[Occurrence]:
    return [calendar.occurrence(s.date, s.start, s.end, s.block) for s in slots]


def approve(
    session: Session,
    actor: Actor,
    school: str,
    key: str,
    *,
    feeds: FeedOptions,
    override: bool = False,
    note: str | None = None,
) -> ReservationView:
    """A pending reservation becomes approved once it still fits the published plan."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    _lock(session, record)
    row = _booking(session, actor, record, key)
    if row.status == "approved":
        return _views(session, [row])[0]
    if row.status != "pending":
        raise Conflict(f"reservation {key} is {row.status}; only a pending one can be approved", code="not_pending")
    facts = load_school(session, record, _calendar(session, record))
    view = _views(session, [row])[0]
    occurrences = _slots_as_occurrences(facts.calendar, view.slots)
    candidates = [row.space] if row.space else []
    need = Need(bool(row.space), candidates, row.space, list(row.features), row.seats or 0, row.resources, row.staff)
    hours = settings_of(session, record)
    _grant_check(session, facts, occurrences, need, hours, override=override, exclude=row.id)
    _set_status(session, row, "approved", note)
    session.flush()
    _after_grant(session, facts, row, occurrences, need, override)
    refresh_reservation_feeds(session, record, row, feeds)
    return view


def decline(session: Session, actor: Actor, school: str, key: str, note: str | None = None) -> ReservationView:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    row = _booking(session, actor, record, key)
    if row.status != "declined":
        if row.status != "pending":
            raise Conflict(f"reservation {key} is {row.status}; only a pending one can be declined", code="not_pending")
        _set_status(session, row, "declined", note)
    return _views(session, [row])[0]


def cancel(session: Session, actor: Actor, school: str, key: str, *, feeds: FeedOptions) -> ReservationView:
    """A teacher cancels their own; a scheduler anyone's. Cancelling twice changes nothing. An
    approved one leaves the feeds as a cancelled event."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler", "teacher")
    row = _booking(session, actor, record, key)
    if row.status in ACTIVE:
        was_approved = row.status == "approved"
        _set_status(session, row, "cancelled", None)
        if was_approved:
            refresh_reservation_feeds(session, record, row, feeds)
    return _views(session, [row])[0]
