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
) -> dict[tuple[str, str], str]:
    """Place each block's pooled students (block -> students) into running fallback sessions."""
    index = inst.index
    previous = {(p.student, p.block): p.offering for p in inst.problem.previous}
    out: dict[tuple[str, str], str] = {}
    for block in index.block_ids:
        sessions: list[Offering] = [o for o in index.fallback_offerings if (o.id, block) in timetable.sessions]
        left = {o.id: _seats(inst, o.id, block, timetable.sessions[(o.id, block)]) for o in sessions}
        members: dict[str, set[str]] = defaultdict(set)
        locked = [(s, o) for (s, b), o in sorted(inst.fallback_locks.items()) if b == block]
        for student, offering in locked:
            out[(student, block)] = offering
            left[offering] = left.get(offering, 0) - 1
            members[offering].add(student)
        # Students with few open sessions (grade limits) and previous placements go first.
        queue = sorted(pooled.get(block, []), key=lambda s: ((s, block) not in previous, s))
        for student_id in queue:
            student = index.students[student_id]
            fits = [
                o
                for o in sessions
                if left[o.id] > 0
                and o.open_to(student.grade)
                and not any(frozenset((student_id, m)) in index.avoid_pairs for m in members[o.id])
            ]
            if not fits:
                raise PlacementError(f"no fallback seat for {student_id} in block {block}")
            wanted = previous.get((student_id, block))
            best = next((o for o in fits if o.id == wanted), None) or max(fits, key=lambda o: (left[o.id], o.id))
            out[(student_id, block)] = best.id
            left[best.id] -= 1
            members[best.id].add(student_id)
    return out
