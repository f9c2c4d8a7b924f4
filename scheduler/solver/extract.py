"""Turn a model solution into concrete placements: which fallback session, which room.

The models decide who is in the fallback pool and which *class* of room a session uses; this step
picks the concrete fallback session for each pooled student (grade, seats, avoid pairs, locks, and
the previous plan's choice when there was one) and a concrete room of the class for each session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler.domain.problem import Offering
from scheduler.solver.instance import Instance
from scheduler.solver.session_flow import Arc, assign


class PlacementError(RuntimeError):
    """The pooled fallback students of a block could not all be seated in its fallback sessions."""


@dataclass(frozen=True)
class Guide:
    """The timetable search's merged placement: student -> group, and (group, offering, block) ->
    how many of the group's students it placed there (fractional)."""

    group_of: Mapping[str, str] = field(default_factory=dict)
    counts: Mapping[tuple[str, str, str], float] = field(default_factory=dict)
    # Cost of a seat beyond the picture: small for a merged picture (mean costs, only a sketch),
    # large for an exact model's LP (near-integral, and what the exact MIP would do).
    over_quota: int = 10

    def quota(self, student: str, offering: str, block: str) -> float:
        return self.counts.get((self.group_of.get(student, student), offering, block), 0.0)


@dataclass(frozen=True)
class Timetable:
    """Sessions chosen: (offering, block) -> space class id; with a suggested placement
    ((student, block) -> offering) when one is known, to start the exact placement from, and the
    merged search's picture (``guide``) when the timetable came from merged students."""

    sessions: Mapping[tuple[str, str], int]
    suggested: Mapping[tuple[str, str], str] = field(default_factory=dict)
    guide: Guide | None = None


def assign_rooms(inst: Instance, timetable: Timetable) -> dict[tuple[str, str], str]:
    """A concrete room for every session, taken from its class's free rooms in the block."""
    taken: dict[tuple[int, str], int] = defaultdict(int)
    rooms: dict[tuple[str, str], str] = {}
    available = {}
    for (offering, block), c in sorted(timetable.sessions.items()):
        key = (c, block)
        if key not in available:
            available[key] = inst.classes[c].available(inst.index, block)
        free = available[key]
        if taken[key] >= len(free):
            raise PlacementError(f"space class {c} has no free room left in block {block}")
        rooms[(offering, block)] = free[taken[key]].id
        taken[key] += 1
    return rooms


def _seats(inst: Instance, offering: str, block: str, c: int) -> int:
    return next(seats for cls, seats, _ in inst.session_classes[(offering, block)] if cls == c)


def seat_fallback(
    inst: Instance,
    timetable: Timetable,
    pooled: Mapping[str, list[str]],
    prefer: Mapping[tuple[str, str], str] | None = None,
) -> dict[tuple[str, str], str]:
    """Place each block's pooled students (block -> students) into running fallback sessions.

    One min-cost flow per block (grades and seats exact; a student's previous fallback session, or
    the one ``prefer`` names, is free, any other costs one), then avoid pairs that share a session
    are parted by moving one of them to another session with a seat, or by swapping with a student
    there. A greedy that seated
    students one by one in the roomiest session could leave a later student of a narrower grade
    with no seat although the block had one for everyone (a re-plan of 600 students).
    """
    index = inst.index
    previous = prefer if prefer is not None else {(p.student, p.block): p.offering for p in inst.problem.previous}
    out: dict[tuple[str, str], str] = {}
    for block in index.block_ids:
        sessions: list[Offering] = [o for o in index.fallback_offerings if (o.id, block) in timetable.sessions]
        left = {o.id: _seats(inst, o.id, block, timetable.sessions[(o.id, block)]) for o in sessions}
        for (student, b), offering in sorted(inst.fallback_locks.items()):
            if b == block:
                out[(student, block)] = offering
                left[offering] = left.get(offering, 0) - 1
        students = sorted(pooled.get(block, []))
        if not students:
            continue
        arcs = [
            Arc(s, o.id, 0 if previous.get((s, block)) == o.id else 1)
            for s in students
            for o in sessions
            if o.open_to(index.students[s].grade)
        ]
        seats = dict(left)
        seated = assign(dict.fromkeys(students, 1), arcs, {o: max(0, n) for o, n in left.items()})
        mine: dict[tuple[str, str], str] = {}
        try:
            for student in students:
                if student not in seated:
                    raise PlacementError(f"no fallback seat for {student} in block {block}")
                mine[(student, block)] = str(seated[student][0])
                left[mine[(student, block)]] -= 1
            _part_avoid_pairs(inst, block, sessions, out | mine, left, mine)
        except PlacementError:
            # Avoid pairs packed too densely for moves and swaps (a student kept apart from
            # several others): the block's study halls as a small exact model.
            mine = seat_block_exactly(inst, block, sessions, students, seats, out, previous)
        out.update(mine)
    return out


def seat_block_exactly(
    inst: Instance,
    block: str,
    sessions: list[Offering],
    students: list[str],
    seats: Mapping[str, int],
    locked: Mapping[tuple[str, str], str],
    previous: Mapping[tuple[str, str], str],
) -> dict[tuple[str, str], str]:
    """Every pooled student of the block in a study hall open to their grade, within seats,
    apart from every student they avoid (locked ones included), previous halls kept where
    possible: CP-SAT, hundreds of students and a few halls, well under a second."""
    from ortools.sat.python import cp_model

    index = inst.index
    model = cp_model.CpModel()
    sit: dict[tuple[str, str], cp_model.IntVar] = {}
    for student in students:
        options = [o.id for o in sessions if o.open_to(index.students[student].grade)]
        for offering in options:
            sit[(student, offering)] = model.new_bool_var(f"{student}@{offering}")
        model.add_exactly_one(sit[(student, o)] for o in options)
    for offering in (o.id for o in sessions):
        model.add(sum(var for (_, o), var in sit.items() if o == offering) <= max(0, seats[offering]))
    for pair in index.avoid_pairs:
        first, second = sorted(pair)
        for offering in (o.id for o in sessions):
            ones = [sit[(s, offering)] for s in (first, second) if (s, offering) in sit]
            fixed = sum(locked.get((s, block)) == offering for s in (first, second))
            if len(ones) + fixed > 1:
                model.add(sum(ones) <= 1 - fixed)
    model.maximize(sum(var for (s, o), var in sit.items() if previous.get((s, block)) == o))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 5.0
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise PlacementError(f"no way to seat block {block}'s study-hall students apart from those they avoid")
    return {(s, block): o for (s, o), var in sit.items() if solver.value(var)}


def _part_avoid_pairs(
    inst: Instance,
    block: str,
    sessions: list[Offering],
    seated: dict[tuple[str, str], str],
    left: dict[str, int],
    mine: dict[tuple[str, str], str],
) -> None:
    """Move one student of each avoid pair sharing a fallback session elsewhere in the block: to a
    session with a free seat, else by swapping with a student there (rule 9). ``seated`` is
    everyone in the block's halls (locked students too), ``mine`` the pooled ones, updated."""
    seating = _FallbackSeating(inst, block, sessions, seated, left)
    for first, second in sorted(sorted(p) for p in inst.index.avoid_pairs):
        here = seated.get((first, block))
        if here is not None and here == seated.get((second, block)):
            seating.part(first, second, here)
    mine.update({key: offering for key, offering in seated.items() if key in mine})


class _FallbackSeating:
    """One block's fallback sessions and who sits in each, while avoid pairs are parted."""

    def __init__(
        self,
        inst: Instance,
        block: str,
        sessions: list[Offering],
        out: dict[tuple[str, str], str],
        left: dict[str, int],
    ) -> None:
        self.index = inst.index
        self.block = block
        self.sessions = sessions
        self.out = out
        self.left = left
        self.locked = {s for (s, b) in inst.fallback_locks if b == block}
        self.previous = {p.student: p.offering for p in inst.problem.previous if p.block == block}
        self.members: dict[str, set[str]] = defaultdict(set)
        for (student, b), offering in out.items():
            if b == block:
                self.members[offering].add(student)

    def clash(self, student: str, offering: str, ignore: str = "") -> bool:
        return any(frozenset((student, m)) in self.index.avoid_pairs for m in self.members[offering] if m != ignore)

    def fits(self, student: str, offering: Offering) -> bool:
        return offering.open_to(self.index.students[student].grade)

    def kept(self, student: str, offering: str) -> bool:
        """Is the student in the study hall the previous plan had them in?"""
        return self.previous.get(student) == offering

    def seat(self, student: str, offering: str) -> None:
        self.members[offering].add(student)
        self.out[(student, self.block)] = offering

    def part(self, first: str, second: str, here: str) -> None:
        """Move one of the pair out of ``here``: either may go, to a free seat first, else by a swap."""
        # A student the previous plan had here stays, if the other can go.
        movers = sorted((s for s in (second, first) if s not in self.locked), key=lambda s: self.kept(s, here))
        if not movers:
            raise PlacementError(f"{first} and {second} are both locked into {here} in block {self.block}")
        for mover in movers:
            if self.move_to_free_seat(mover, here):
                return
        for mover in movers:
            found = self.swap_partner(mover, here)
            if found is not None:
                target, other = found
                self.members[here].discard(mover)
                self.members[target].discard(other)
                self.seat(other, here)
                self.seat(mover, target)
                return
        raise PlacementError(f"no fallback session keeps {first} and {second} apart in block {self.block}")

    def move_to_free_seat(self, mover: str, here: str) -> bool:
        for offering in self.sessions:
            free = offering.id != here and self.left[offering.id] > 0 and self.fits(mover, offering)
            if free and not self.clash(mover, offering.id):
                self.members[here].discard(mover)
                self.left[here] += 1
                self.left[offering.id] -= 1
                self.seat(mover, offering.id)
                return True
        return False

    def swap_partner(self, mover: str, here: str) -> tuple[str, str] | None:
        """A session and a student in it who can trade places with ``mover`` without a new clash."""
        home = self.index.offerings[here]
        for offering in self.sessions:
            if offering.id == here or not self.fits(mover, offering) or self.clash(mover, offering.id):
                continue
            for other in sorted(self.members[offering.id] - self.locked, key=lambda s: (self.kept(s, offering.id), s)):
                if (
                    self.fits(other, home)
                    and not self.clash(other, here, mover)
                    and not self.clash(mover, offering.id, other)
                ):
                    return offering.id, other
        return None
