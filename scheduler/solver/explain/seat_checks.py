"""Prechecks on the seats of each block: can the sessions that may run there seat everyone present?

Rule 1 puts every available student in a session in each block. How many students a block can seat
is bounded, from the loosest to the tightest bound used here, by:

1. the capacities of its free rooms, summed (a room hosts one session, rule 6);
2. the best assignment of sessions to free rooms: each room hosts one session, each offering runs at
   most once per block (rule 5), a session in a room seats min(offering capacity, room capacity)
   (rule 6) and never more students than may attend it and are free then (rule 2); staff are left
   out, so a shortfall here is the rooms' fault;
3. the same assignment over the offerings whose staff are free in the block, each staff member
   leading at most one session (rule 7; an offering with several staff is charged to its first,
   which relaxes the rule and keeps the bound valid); a shortfall only here is the staff's.

Bounds 2 and 3 are a maximum-weight assignment, solved exactly as a min-cost flow (OR-Tools): staff
-> offering -> room class -> sink, a room class being the interchangeable free rooms of one capacity
and feature set. Each is also taken per grade, over the sessions open to that grade. Every bound is
a relaxation of the hard rules, so a block with more students than its bound proves the week
impossible; the message names the block, its closed rooms (or absent staff) and the figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ortools.graph.python import min_cost_flow

from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Space
from scheduler.domain.rules import Rule
from scheduler.solver.explain.reach import Reach, RoomKey
from scheduler.solver.explain.words import block_ref, conflict, listing, plural, space_ref, staff_ref

RoomClass = tuple[int, frozenset[str], str | None]  # capacity, features, id when some offering fixes the room


@dataclass
class BlockRooms:
    """The free rooms of one block, by class, and the rooms closed there with why."""

    classes: list[RoomClass]
    counts: list[int]  # free rooms of each class
    free: list[Space]
    closed: list[tuple[str, str]]  # (space, "unavailable" | "reserved")
    _fitting: dict[RoomKey, list[int]] = field(default_factory=dict)

    @property
    def seats(self) -> int:
        return sum(s.capacity for s in self.free)

    def fitting(self, key: RoomKey) -> list[int]:
        """The room classes (positions in ``classes``) an offering with these room needs may use."""
        found = self._fitting.get(key)
        if found is None:
            found = self._fitting[key] = [i for i, room in enumerate(self.classes) if _fits(key, room)]
        return found


def block_rooms(reach: Reach, block: str) -> BlockRooms:
    index = reach.index
    fixed = {o.space for o in index.problem.offerings if o.space is not None}
    counts: dict[RoomClass, int] = defaultdict(int)
    free, closed = [], []
    for space in index.problem.spaces:
        if block in space.unavailable:
            closed.append((space.id, "unavailable"))
        elif space.id in index.reserved_spaces[block]:
            closed.append((space.id, "reserved"))
        else:
            free.append(space)
            counts[(space.capacity, frozenset(space.features), space.id if space.id in fixed else None)] += 1
    return BlockRooms(list(counts), list(counts.values()), free, closed)


def _fits(needs: RoomKey, room: RoomClass) -> bool:
    space, features = needs
    if space is not None and space != room[2]:
        return False
    return features <= room[1]


SessionKind = tuple[RoomKey, int, int]  # room needs, most students one session may hold, min_students


@dataclass(frozen=True)
class Candidate:
    """An offering that can hold a session in the block, with what the bound needs of it."""

    needs: RoomKey
    capacity: int
    min_students: int
    lead: str  # its first staff member
    staffed: bool  # its staff are free in the block (not away, not holding a reservation)
    grades: list[int] | None
    takers: dict[int, int]  # grade -> students of that grade who may attend it and are free


def candidates(reach: Reach, block: str, rooms: BlockRooms) -> list[Candidate]:
    """Offerings whose session is possible in the block, their staff aside, and that fit a free room."""
    out = []
    for offering in reach.index.problem.offerings:
        needs = reach.room_needs(offering)
        if reach.blocker_apart_from_staff(offering, block) is not None or not rooms.fitting(needs):
            continue
        takers = {g: n for g in reach.grades if (n := reach.free_count(offering.id, block, g))}
        staffed = reach.blocker(offering, block) is None
        lead = offering.staff[0]
        out.append(Candidate(needs, offering.capacity, offering.min_students, lead, staffed, offering.grades, takers))
    return out


def _session_kinds(
    found: list[Candidate], grade: int | None, staff: bool
) -> tuple[Counter[SessionKind], Counter[tuple[str, SessionKind]]]:
    """Candidates merged by what matters to the bound: the rooms they fit, the students a session may
    hold (capacity, and those who may attend and are free) and the minimum. Merging is exact:
    candidates of one kind have the same arcs. Also (first staff member, kind) pairs."""
    kinds: Counter[SessionKind] = Counter()
    led: Counter[tuple[str, SessionKind]] = Counter()
    for candidate in found:
        if staff and not candidate.staffed:
            continue
        if grade is not None and candidate.grades is not None and grade not in candidate.grades:
            continue
        takers = candidate.takers.get(grade, 0) if grade is not None else sum(candidate.takers.values())
        if takers == 0:
            continue
        kind = (candidate.needs, min(candidate.capacity, takers), candidate.min_students)
        kinds[kind] += 1
        led[(candidate.lead, kind)] += 1
    return kinds, led


@dataclass(frozen=True)
class SeatBound:
    """Most students (of one grade, or all) a block's sessions can seat, and what it was computed over."""

    seats: int
    offerings: int
    staff: int


def most_seats(rooms: BlockRooms, found: list[Candidate], *, grade: int | None, staff: bool) -> SeatBound:
    """Bound 2 (``staff`` False) or 3 of the students (of ``grade``) the block's sessions can seat.

    Nodes: 0 the source, 1 the sink, then one per room class, session kind and staff member.
    """
    kinds, led = _session_kinds(found, grade, staff)
    leads = sorted({lead for lead, _ in led})
    if not kinds:
        return SeatBound(0, 0, len(leads))
    source, sink, first_kind = 0, 1, 2 + len(rooms.classes)
    kind_node = {kind: first_kind + i for i, kind in enumerate(kinds)}
    staff_node = {lead: first_kind + len(kinds) + i for i, lead in enumerate(leads)}
    tails, heads, caps, costs = [], [], [], []
    for kind, count in kinds.items():
        needs, takers, minimum = kind
        fits = [i for i in rooms.fitting(needs) if rooms.classes[i][0] >= minimum]
        tails += [kind_node[kind]] * len(fits)
        heads += [2 + i for i in fits]
        caps += [count] * len(fits)
        costs += [-min(takers, rooms.classes[i][0]) for i in fits]
    if staff:
        arcs = [(staff_node[lead], kind_node[kind], count) for (lead, kind), count in led.items()]
        arcs += [(source, node, 1) for node in staff_node.values()]
    else:
        arcs = [(source, kind_node[kind], count) for kind, count in kinds.items()]
    sessions = sum(kinds.values())
    arcs += [(2 + i, sink, count) for i, count in enumerate(rooms.counts)]
    arcs.append((source, sink, sessions))  # sessions that do not run
    tails += [a[0] for a in arcs]
    heads += [a[1] for a in arcs]
    caps += [a[2] for a in arcs]
    costs += [0] * len(arcs)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, sessions)
    flow.set_node_supply(sink, -sessions)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - a network with a bypass arc is always feasible
        raise RuntimeError(f"seat bound: min-cost flow ended with status {status}")
    return SeatBound(-flow.optimal_cost(), sessions, len(leads))


def _closed_phrase(rooms: BlockRooms) -> str:
    if not rooms.closed:
        return ""
    parts = [f"{space} {why}" for space, why in rooms.closed]
    return f"; closed there: {listing(parts)}"


def _absent_staff(reach: Reach, block: str) -> list[str]:
    led = {t for o in reach.index.problem.offerings for t in o.staff}
    return [t for t in sorted(led) if not reach.index.staff_free(t, block)]


def _who(present: int, grade: int | None) -> str:
    return plural(present, "student") if grade is None else plural(present, f"grade-{grade} student")


def _block_conflict(
    reach: Reach, block: str, rooms: BlockRooms, found: list[Candidate], grade: int | None, present: int
) -> Conflict | None:
    """The loosest of bounds 1 to 3 that ``present`` students exceed, in words; None when all hold."""
    refs = [block_ref(block), *(space_ref(s) for s, _ in rooms.closed)]
    who, closed = _who(present, grade), _closed_phrase(rooms)
    free_rooms = plural(len(rooms.free), "free room")
    if grade is None and present > rooms.seats:
        message = f"block {block} has {who} to place, but its {free_rooms} seat {rooms.seats} in all{closed}"
        return conflict(Rule.SPACE, message, refs)
    with_staff = most_seats(rooms, found, grade=grade, staff=True)
    if present <= with_staff.seats:
        return None
    open_to = "" if grade is None else f" open to grade {grade}"
    without_staff = most_seats(rooms, found, grade=grade, staff=False)
    if without_staff.seats == 0:
        return None  # no session at all: check_student_blocks says who has nowhere to go
    if present > without_staff.seats:
        message = (
            f"block {block} has {who} to place, but its {free_rooms} can seat at most {without_staff.seats} "
            f"of them, even with every teacher free: each room hosts one session of an offering{open_to} that "
            "may run there, seating at most the smaller of the two capacities and only students who may attend "
            f"it{closed}"
        )
        return conflict(Rule.SPACE, message, refs)
    absent = _absent_staff(reach, block)
    away = f"; away or holding a reservation there: {listing(absent)}" if absent else ""
    message = (
        f"block {block} has {who} to place, but at most {with_staff.seats} seats: "
        f"only {plural(with_staff.offerings, 'offering')}{open_to} can run there with their staff free, "
        f"led by {plural(with_staff.staff, 'staff member')} who can each lead one session per block{away}"
    )
    return conflict(Rule.STAFF, message, [block_ref(block), *map(staff_ref, absent)])


def check_block_seats(reach: Reach) -> list[Conflict]:
    """Rules 1, 6 and 7: more students present in a block than its sessions can seat (bounds 1 to 3),
    for the whole school and, when that holds, for each grade."""
    index = reach.index
    out = []
    for block in index.block_ids:
        present = [s for s in index.problem.students if block not in s.unavailable]
        if not present:
            continue
        rooms = block_rooms(reach, block)
        possible = candidates(reach, block, rooms)
        found = _block_conflict(reach, block, rooms, possible, None, len(present))
        if found is not None:
            out.append(found)
            continue
        for grade in reach.grades:
            count = sum(1 for s in present if s.grade == grade)
            found = _block_conflict(reach, block, rooms, possible, grade, count) if count else None
            if found is not None:
                out.append(found)
    return out
