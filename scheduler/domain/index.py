"""Derived facts about a validated problem, computed once and shared by solver, checker and baseline.

Everything here applies the spec's defaults (runs.max = number of blocks, allowed_blocks = all,
grades = all, repeatable by kind) and its hard rules about who may be where, so the three consumers
agree on them by construction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from scheduler.domain.problem import Block, Offering, Problem, Resource, Space, Staff, Student


@dataclass(frozen=True)
class Option:
    """Why a student may attend an offering: the spec's ``reason`` vocabulary (rule 2)."""

    offering: str
    reason: str  # "choice N", "need", "request", "lock", "fallback"
    rank: int | None = None  # choice rank (1 = first) when the offering is one of the student's choices


class ProblemIndex:
    """Lookup tables and effective values of one problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.blocks: dict[str, Block] = {b.id: b for b in problem.blocks}
        self.block_ids: list[str] = [b.id for b in sorted(problem.blocks, key=lambda b: (b.date, b.start))]
        self.spaces: dict[str, Space] = {s.id: s for s in problem.spaces}
        self.resources: dict[str, Resource] = {r.id: r for r in problem.resources}
        self.staff: dict[str, Staff] = {s.id: s for s in problem.staff}
        self.offerings: dict[str, Offering] = {o.id: o for o in problem.offerings}
        self.students: dict[str, Student] = {s.id: s for s in problem.students}

    # ---- offerings -------------------------------------------------------------------------
    def allowed_blocks(self, offering: Offering) -> list[str]:
        if offering.allowed_blocks is None:
            return list(self.block_ids)
        allowed = set(offering.allowed_blocks)
        return [b for b in self.block_ids if b in allowed]

    def runs_max(self, offering: Offering) -> int:
        return len(self.block_ids) if offering.runs.max is None else offering.runs.max

    def staff_free(self, staff_id: str, block: str) -> bool:
        """Rule 7: not unavailable and not holding a reservation in the block."""
        member = self.staff.get(staff_id)
        if member is None or block in member.unavailable:
            return False
        return block not in self.staff_reserved_blocks[staff_id]

    def can_run(self, offering: Offering, block: str) -> bool:
        """Rule 5 and 7 facts that need no other session: allowed block and every staff member free."""
        return block in self.allowed_blocks(offering) and all(self.staff_free(t, block) for t in offering.staff)

    def run_blocks(self, offering: Offering) -> list[str]:
        return [b for b in self.allowed_blocks(offering) if self.can_run(offering, b)]

    def seat_limit(self, offering: Offering, space: Space) -> int:
        return min(offering.capacity, space.capacity)

    def space_fits(self, offering: Offering, space: Space) -> bool:
        """Rule 6 facts independent of the block: features present and the fixed space respected."""
        if offering.space is not None and offering.space != space.id:
            return False
        return set(offering.needs_features) <= set(space.features)

    def spaces_for(self, offering: Offering, block: str) -> list[Space]:
        """Spaces the offering may use in the block: fit, available and not reserved."""
        reserved = self.reserved_spaces[block]
        return [
            s
            for s in self.problem.spaces
            if self.space_fits(offering, s) and block not in s.unavailable and s.id not in reserved
        ]

    def resource_use(self, offering: Offering, enrolled: int) -> dict[str, int]:
        """Rule 8: per_session + per_student x enrollment, for a running session."""
        use: dict[str, int] = defaultdict(int)
        for item in offering.resources:
            use[item.resource] += item.per_session + item.per_student * enrolled
        return dict(use)

    # ---- reservations ----------------------------------------------------------------------
    @cached_property
    def reserved_spaces(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for r in self.problem.reservations:
            if r.space is not None:
                out[r.block].add(r.space)
        return out

    @cached_property
    def reserved_units(self) -> dict[tuple[str, str], int]:
        """(block, resource) -> units held by reservations."""
        out: dict[tuple[str, str], int] = defaultdict(int)
        for r in self.problem.reservations:
            for resource, quantity in r.resources.items():
                out[(r.block, resource)] += quantity
        return out

    @cached_property
    def staff_reserved_blocks(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for r in self.problem.reservations:
            if r.staff is not None:
                out[r.staff].add(r.block)
        return out

    # ---- students --------------------------------------------------------------------------
    def available_blocks(self, student: Student) -> list[str]:
        away = set(student.unavailable)
        return [b for b in self.block_ids if b not in away]

    @cached_property
    def locks(self) -> dict[str, dict[str, str]]:
        """student -> block -> locked offering."""
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for lock in self.problem.locks:
            out[lock.student][lock.block] = lock.offering
        return out

    @cached_property
    def requests_by_student(self) -> dict[str, list]:
        out: dict[str, list] = defaultdict(list)
        for request in self.problem.requests:
            out[request.student].append(request)
        return out

    @cached_property
    def avoid_pairs(self) -> set[frozenset[str]]:
        """Rule 9: either side listing the other is enough."""
        return {frozenset((s.id, other)) for s in self.problem.students for other in s.avoid}

    @cached_property
    def fallback_offerings(self) -> list[Offering]:
        return [o for o in self.problem.offerings if o.kind == "fallback"]

    def options(self, student: Student) -> dict[str, Option]:
        """Every offering the student may attend (rule 2) with the best reason for it."""
        out: dict[str, Option] = {}
        for offering in self.fallback_offerings:
            if offering.open_to(student.grade):
                out[offering.id] = Option(offering.id, "fallback")
        for lock_offering in self.locks.get(student.id, {}).values():
            out[lock_offering] = Option(lock_offering, "lock")
        for request in self.requests_by_student.get(student.id, []):
            out[request.offering] = Option(request.offering, "request")
        for need in student.needs:
            out[need.offering] = Option(need.offering, "need")
        for rank, choice in enumerate(student.choices, start=1):
            out[choice] = Option(choice, f"choice {rank}", rank)
        return {k: v for k, v in out.items() if self.offerings[k].open_to(student.grade)}
