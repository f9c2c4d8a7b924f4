"""Who sees what: from a problem and its plan, the events of every student, staff, space and resource feed.

Every entity of the problem gets a feed here, even an empty one: the service may serve it, and the
history step needs it to cancel what it showed before. Wording and the privacy rule live in
``wording``, UIDs in ``uids``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from scheduler.calendar import wording
from scheduler.calendar.model import EventFacts, Feed, FeedKind, TimedHold
from scheduler.calendar.uids import dated_uid, event_uid
from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Plan, Session
from scheduler.domain.problem import Block, Offering, Problem, Reservation

# Where a teacher reads a session's roster, below the base URL given by the caller (the service's
# week view of the sessions a staff member leads).
ROSTER_PATH = "/schools/{school}/weeks/{week}/staff/{staff}/sessions"


FEED_TITLES: dict[FeedKind, str] = {
    "students": "flex blocks: {}",
    "staff": "flex sessions: {}",
    "spaces": "flex: {}",
    "resources": "flex: {}",
}


def feed_title(school_name: str, kind: FeedKind, owner_name: str) -> str:
    """A feed's calendar name, e.g. "Riverside Middle School flex blocks: Ada Park"."""
    return f"{school_name} {FEED_TITLES[kind].format(owner_name)}"


class FeedDataError(ValueError):
    """The plan does not fit the problem (unknown ids): feeds would be wrong, so none are built."""

    def __init__(self, issues: list[str]) -> None:
        self.issues = issues
        super().__init__("; ".join(issues))


def _check_plan(index: ProblemIndex, plan: Plan) -> None:
    """Every id the plan uses must exist in the problem; otherwise say which, all at once."""
    issues: list[str] = []
    if plan.school != index.problem.school.id:
        issues.append(f"plan is for school {plan.school!r}, problem is {index.problem.school.id!r}")
    known = {"block": index.blocks, "offering": index.offerings, "space": index.spaces}
    sessions = {s.id: s for s in plan.sessions}
    for s in plan.sessions:
        for what, value in (("block", s.block), ("offering", s.offering), ("space", s.space)):
            if value is not None and value not in known[what]:
                issues.append(f"session {s.id}: unknown {what} {value!r}")
        issues += [f"session {s.id}: unknown staff {t!r}" for t in s.staff if t not in index.staff]
        issues += [f"session {s.id}: unknown resource {r!r}" for r in s.resources if r not in index.resources]
    for a in plan.assignments:
        if a.student not in index.students:
            issues.append(f"assignment of {a.student!r}: unknown student")
        if a.session not in sessions:
            issues.append(f"assignment of {a.student}: unknown session {a.session!r}")
        elif sessions[a.session].block != a.block:
            issues.append(f"assignment of {a.student}: session {a.session} is not in block {a.block!r}")
    if issues:
        raise FeedDataError(issues)


def _lines(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


class _Context:
    """Lookups and event construction shared by the four kinds of feed."""

    def __init__(self, problem: Problem, plan: Plan, roster_base_url: str | None) -> None:
        self.problem = problem
        self.school = problem.school.id
        self.school_name = problem.school.name or problem.school.id
        self.index = ProblemIndex(problem)
        _check_plan(self.index, plan)
        self.zone = ZoneInfo(problem.school.timezone)
        self.sessions = {s.id: s for s in plan.sessions}
        self.roster_base_url = roster_base_url.rstrip("/") if roster_base_url else None
        self.roster_size: Counter[str] = Counter(a.session for a in plan.assignments)

    # ---- names ------------------------------------------------------------------------------
    def space_name(self, space: str | None) -> str | None:
        return None if space is None else self.index.spaces[space].name or space

    def staff_names(self, staff: list[str], leave_out: str | None = None) -> str:
        return wording.names_list(self.index.staff[t].name or t for t in staff if t != leave_out)

    def resource_lines(self, resources: dict[str, int]) -> list[str]:
        return [f"{self.index.resources[r].name or r}: {n}" for r, n in sorted(resources.items()) if n > 0]

    def offering(self, session: Session) -> Offering:
        return self.index.offerings[session.offering]

    def block(self, block: str) -> Block:
        return self.index.blocks[block]

    # ---- events -----------------------------------------------------------------------------
    def roster_url(self, staff: str, block: Block) -> str | None:
        if self.roster_base_url is None:
            return None
        week = block.date - dt.timedelta(days=block.date.weekday())
        return self.roster_base_url + ROSTER_PATH.format(school=self.school, week=week.isoformat(), staff=staff)

    def event(
        self,
        kind: FeedKind,
        owner: str,
        block: Block,
        item: str,
        *,
        place: str | None,
        session: str,
        summary: str,
        description: str,
        url: str | None = None,
    ) -> EventFacts:
        """An event of the block, at the block's wall-clock times in the school's zone (never floating)."""
        return EventFacts(
            uid=event_uid(self.school, kind, owner, block, item),
            block=block.id,
            start=dt.datetime.combine(block.date, block.start, tzinfo=self.zone),
            end=dt.datetime.combine(block.date, block.end, tzinfo=self.zone),
            summary=summary,
            place=place,
            session=session,
            location=self.space_name(place),
            description=description,
            url=url,
        )

    def reservation(self, kind: FeedKind, owner: str, reservation: Reservation, summary: str, item: str) -> EventFacts:
        block = self.block(reservation.block)
        holder = reservation.staff and f"Reserved by {self.staff_names([reservation.staff])}"
        return self.event(
            kind,
            owner,
            block,
            item,
            place=reservation.space,
            session=f"reservation:{reservation.id}",
            summary=summary,
            description=_lines(block.label, holder, *self.resource_lines(reservation.resources)),
        )

    def timed_hold(self, kind: FeedKind, owner: str, hold: TimedHold, summary: str) -> EventFacts:
        """A reservation of its own time window (no block): its times, its place, who holds it."""
        holder = hold.staff and f"Reserved by {self.staff_names([hold.staff])}"
        item = f"reservation:{hold.id}"
        return EventFacts(
            uid=dated_uid(self.school, kind, owner, hold.date, item),
            block="",
            start=dt.datetime.combine(hold.date, hold.start, tzinfo=self.zone),
            end=dt.datetime.combine(hold.date, hold.end, tzinfo=self.zone),
            summary=summary,
            place=hold.space,
            session=f"{item}:{sum(hold.resources.values())}",
            location=self.space_name(hold.space),
            description=_lines(holder, *self.resource_lines(hold.resources)),
        )

    def feed(self, kind: FeedKind, owner: str, owner_name: str, events: list[EventFacts]) -> Feed:
        """The feed, with UIDs kept unique should a plan that breaks a rule book an owner twice in a block.

        A valid plan never does (one placement per student and block, one session per staff member,
        one booking per space); a broken one must still give a feed every client can read.
        """
        events = list(dict.fromkeys(events))  # the same fact twice is one event
        repeated = {uid for uid, n in Counter(e.uid for e in events).items() if n > 1}
        if repeated:
            events = [
                replace(e, uid=event_uid(self.school, kind, owner, self.block(e.block), e.session))
                if e.uid in repeated
                else e
                for e in events
            ]
        return Feed(kind, owner, feed_title(self.school_name, kind, owner_name), tuple(events))


# ---- students ---------------------------------------------------------------------------------


def _placement(ctx: _Context, student: str, session: Session, reason: str) -> EventFacts:
    """A student's placement: real title (theirs alone to read), room, teachers and why they are there."""
    block = ctx.block(session.block)
    staff = ctx.staff_names(session.staff)
    return ctx.event(
        "students",
        student,
        block,
        "",
        place=session.space,
        session=session.id,
        summary=wording.own_title(ctx.offering(session)),
        description=_lines(block.label, staff and f"With {staff}", f"Why: {wording.reason_text(reason)}"),
    )


def _student_feeds(ctx: _Context, plan: Plan) -> Iterator[Feed]:
    placements = defaultdict(list)
    for a in plan.assignments:
        placements[a.student].append(_placement(ctx, a.student, ctx.sessions[a.session], a.reason))
    for student in ctx.problem.students:
        yield ctx.feed("students", student.id, student.name or student.id, placements[student.id])


# ---- staff ------------------------------------------------------------------------------------


def _led_session(ctx: _Context, staff: str, session: Session) -> EventFacts:
    """A led session: neutral title for interventions, roster count and link, never student names."""
    block = ctx.block(session.block)
    others = ctx.staff_names(session.staff, leave_out=staff)
    url = ctx.roster_url(staff, block)
    return ctx.event(
        "staff",
        staff,
        block,
        "",
        place=session.space,
        session=session.id,
        summary=wording.public_title(ctx.offering(session)),
        description=_lines(
            block.label,
            f"Roster: {wording.students_count(ctx.roster_size[session.id])}",
            others and f"With {others}",
            url and f"Roster link: {url}",
        ),
        url=url,
    )


def _held_reservation(ctx: _Context, staff: str, reservation: Reservation) -> EventFacts:
    summary = _hold_summary(ctx, reservation.space, reservation.resources)
    return ctx.reservation("staff", staff, reservation, summary, item=f"reservation:{reservation.id}")


def _hold_summary(ctx: _Context, space: str | None, resources: dict[str, int]) -> str:
    what = ctx.space_name(space) or ", ".join(ctx.resource_lines(resources))
    return f"Reserved: {what}" if what else "Reservation"


def _staff_feeds(ctx: _Context, plan: Plan, timed: Sequence[TimedHold]) -> Iterator[Feed]:
    """A teacher's week: the sessions they lead and the reservations they hold."""
    events = defaultdict(list)
    for session in plan.sessions:
        for staff in session.staff:
            events[staff].append(_led_session(ctx, staff, session))
    for reservation in ctx.problem.reservations:
        if reservation.staff is not None:
            events[reservation.staff].append(_held_reservation(ctx, reservation.staff, reservation))
    for hold in timed:
        if hold.staff is not None:
            events[hold.staff].append(
                ctx.timed_hold("staff", hold.staff, hold, _hold_summary(ctx, hold.space, hold.resources))
            )
    for member in ctx.problem.staff:
        yield ctx.feed("staff", member.id, member.name or member.id, events[member.id])


# ---- spaces -----------------------------------------------------------------------------------


def _hosted_session(ctx: _Context, space: str, session: Session) -> EventFacts:
    block = ctx.block(session.block)
    staff = ctx.staff_names(session.staff)
    return ctx.event(
        "spaces",
        space,
        block,
        "",
        place=space,
        session=session.id,
        summary=wording.public_title(ctx.offering(session)),
        description=_lines(
            block.label,
            staff and f"Led by {staff}",
            wording.students_count(ctx.roster_size[session.id]),
            *ctx.resource_lines(session.resources),
        ),
    )


def _space_feeds(ctx: _Context, plan: Plan, timed: Sequence[TimedHold]) -> Iterator[Feed]:
    """The office's view of a room: what runs there, who leads it, how full it is, who reserved it.

    A room has one booking per block (rule 6), so a session and a reservation share the block's UID:
    a room that changes from a session to a reservation updates in place.
    """
    events = defaultdict(list)
    for session in plan.sessions:
        if session.space is not None:
            events[session.space].append(_hosted_session(ctx, session.space, session))
    for r in ctx.problem.reservations:
        if r.space is not None:
            summary = f"Reserved by {ctx.staff_names([r.staff])}" if r.staff else "Reserved"
            events[r.space].append(ctx.reservation("spaces", r.space, r, summary, item=""))
    for hold in timed:
        if hold.space is not None:
            summary = f"Reserved by {ctx.staff_names([hold.staff])}" if hold.staff else "Reserved"
            events[hold.space].append(ctx.timed_hold("spaces", hold.space, hold, summary))
    for space in ctx.problem.spaces:
        yield ctx.feed("spaces", space.id, space.name or space.id, events[space.id])


# ---- resources --------------------------------------------------------------------------------


def _block_use(ctx: _Context, resource: str, block_id: str, sessions: list[Session]) -> EventFacts:
    """All the plan's use of one resource in one block, as one event: the total the office hands
    out, then each session's share. One event per block, not per session, keeps a busy resource's
    feed readable and small (232 sessions took Chromebooks in one generated 5,000-student week)."""
    block = ctx.block(block_id)
    total = sum(session.resources[resource] for session in sessions)
    quantity = ctx.index.resources[resource].quantity
    name = ctx.index.resources[resource].name or resource
    shares = sorted(
        (
            f"{session.resources[resource]} × {wording.public_title(ctx.offering(session))}"
            + (f", {ctx.space_name(session.space)}" if session.space else "")
            + (f" ({staff})" if (staff := ctx.staff_names(session.staff)) else "")
            for session in sessions
        ),
    )
    return ctx.event(
        "resources",
        resource,
        block,
        "sessions",
        place=None,
        session=f"in-use:{total}",  # the count handed out is what the office must notice
        summary=f"{name}: {total} of {quantity} in use",
        description=_lines(block.label, f"{wording.sessions_count(len(sessions))}:", *shares),
    )


def _reserved_use(ctx: _Context, resource: str, reservation: Reservation) -> EventFacts:
    count = reservation.resources[resource]
    name = ctx.index.resources[resource].name or resource
    holder = f" by {ctx.staff_names([reservation.staff])}" if reservation.staff else ""
    event = ctx.reservation(
        "resources", resource, reservation, f"{count} × {name}: reserved{holder}", item=f"reservation:{reservation.id}"
    )
    return replace(event, session=f"{event.session}:{count}")


def _resource_feeds(ctx: _Context, plan: Plan, timed: Sequence[TimedHold]) -> Iterator[Feed]:
    """The office's view of equipment: per block, how many units sessions take and which; each
    reservation that holds units, with the count."""
    used: dict[str, dict[str, list[Session]]] = defaultdict(lambda: defaultdict(list))
    for session in plan.sessions:
        for resource, count in sorted(session.resources.items()):
            if count > 0:
                used[resource][session.block].append(session)
    events = defaultdict(list)
    for resource, by_block in used.items():
        for block_id, sessions in by_block.items():
            events[resource].append(_block_use(ctx, resource, block_id, sessions))
    for reservation in ctx.problem.reservations:
        for resource, count in sorted(reservation.resources.items()):
            if count > 0:
                events[resource].append(_reserved_use(ctx, resource, reservation))
    for hold in timed:
        for resource, count in sorted(hold.resources.items()):
            if count > 0:
                name = ctx.index.resources[resource].name or resource
                holder = f" by {ctx.staff_names([hold.staff])}" if hold.staff else ""
                summary = f"{count} × {name}: reserved{holder}"
                events[resource].append(ctx.timed_hold("resources", resource, hold, summary))
    for resource in ctx.problem.resources:
        yield ctx.feed("resources", resource.id, resource.name or resource.id, events[resource.id])


def derive_feeds(
    problem: Problem, plan: Plan, *, roster_base_url: str | None = None, timed: Sequence[TimedHold] = ()
) -> list[Feed]:
    """Every feed of the school for this plan, in a stable order (kind, then the problem's order).

    ``roster_base_url``: where the service answers (e.g. ``https://flex.example.org/api/v1``); staff
    events then link to the roster. ``timed``: reservations of time windows outside every block
    (the service's; a problem file has none). Raises ``FeedDataError`` when the plan names unknown ids.
    """
    ctx = _Context(problem, plan, roster_base_url)
    return [
        *_student_feeds(ctx, plan),
        *_staff_feeds(ctx, plan, timed),
        *_space_feeds(ctx, plan, timed),
        *_resource_feeds(ctx, plan, timed),
    ]
