"""The compact view of a problem that the optimisation models are built on.

Only what can happen gets a variable: a session candidate is an (offering, block) the offering may
run in with at least one fitting free space; a student option is a (student, offering, block) triple
the student may attend (rule 2) where that session can exist. Interchangeable rooms are grouped into
*space classes* (same capacity and features, not fixed by any offering), so the models count rooms
per class instead of choosing among identical ones. Fallback offerings are pooled per block: the
models decide who goes to fallback, a later step decides which fallback session (see ``extract``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from scheduler.domain.index import ProblemIndex
from scheduler.domain.problem import Offering, Problem, Space, Student
from scheduler.solver.objective import fallback_cost, space_fit_cost


@dataclass(frozen=True)
class SpaceClass:
    """Rooms that are interchangeable for every offering: same capacity and features."""

    id: int
    capacity: int
    features: frozenset[str]
    spaces: tuple[Space, ...]
    fixed: bool  # a singleton class of a space some offering fixes

    def available(self, index: ProblemIndex, block: str) -> list[Space]:
        reserved = index.reserved_spaces[block]
        return [s for s in self.spaces if block not in s.unavailable and s.id not in reserved]


@dataclass
class Instance:
    index: ProblemIndex
    classes: list[SpaceClass]
    # (offering, block) -> list of (class id, seats, fit cost)
    session_classes: dict[tuple[str, str], list[tuple[int, int, int]]] = field(default_factory=dict)
    class_counts: dict[tuple[int, str], int] = field(default_factory=dict)
    # (student, block) pairs that may go to the fallback pool (available, not locked, a fallback runs)
    pooled_slots: set[tuple[str, str]] = field(default_factory=set)
    # (student, block) -> fallback offering the student is locked into
    fallback_locks: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def problem(self) -> Problem:
        return self.index.problem

    def offering(self, offering_id: str) -> Offering:
        return self.index.offerings[offering_id]

    @cached_property
    def class_of_space(self) -> dict[str, int]:
        """space id -> the id of its space class (how a plan's rooms map onto the models)."""
        return {space.id: c.id for c in self.classes for space in c.spaces}


def _space_classes(index: ProblemIndex) -> list[SpaceClass]:
    fixed_ids = {o.space for o in index.problem.offerings if o.space is not None}
    groups: dict[tuple[int, frozenset[str]], list[Space]] = defaultdict(list)
    classes: list[SpaceClass] = []
    for space in index.problem.spaces:
        if space.id in fixed_ids:
            classes.append(SpaceClass(len(classes), space.capacity, frozenset(space.features), (space,), True))
        else:
            groups[(space.capacity, frozenset(space.features))].append(space)
    for (capacity, features), spaces in sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
        classes.append(SpaceClass(len(classes), capacity, features, tuple(spaces), False))
    return classes


def _session_candidates(inst: Instance) -> None:
    index = inst.index
    policy = index.problem.policy
    for c in inst.classes:
        for block in index.block_ids:
            inst.class_counts[(c.id, block)] = len(c.available(index, block))
    for offering in index.problem.offerings:
        for block in index.run_blocks(offering):
            fits = []
            for c in inst.classes:
                if inst.class_counts[(c.id, block)] == 0 or not index.space_fits(offering, c.spaces[0]):
                    continue
                seats = min(offering.capacity, c.capacity)
                if seats < offering.min_students:
                    continue
                fits.append((c.id, seats, space_fit_cost(policy, offering, c.spaces[0])))
            if fits and _per_session_fits(index, offering, block):
                inst.session_classes[(offering.id, block)] = fits


def _per_session_fits(index: ProblemIndex, offering: Offering, block: str) -> bool:
    """A session whose fixed resource use alone exceeds what is free in the block can never run."""
    for use in offering.resources:
        free = index.resources[use.resource].quantity - index.reserved_units.get((block, use.resource), 0)
        if use.per_session + use.per_student * offering.min_students > free:
            return False
    return True


def _fallback_slots(inst: Instance, student: Student) -> None:
    index = inst.index
    locks = index.locks.get(student.id, {})
    for block in index.available_blocks(student):
        locked = locks.get(block)
        if locked is not None:
            if index.offerings[locked].kind == "fallback":
                inst.fallback_locks[(student.id, block)] = locked
            continue
        if any((o.id, block) in inst.session_classes for o in index.fallback_offerings if o.open_to(student.grade)):
            inst.pooled_slots.add((student.id, block))


def build_instance(problem: Problem) -> Instance:
    index = ProblemIndex(problem)
    inst = Instance(index=index, classes=_space_classes(index))
    _session_candidates(inst)
    for student in problem.students:
        _fallback_slots(inst, student)
    return inst


def fallback_piece_costs(problem: Problem, slots: int) -> list[int]:
    """Marginal cost of a student's 1st, 2nd, ... fallback slot (increasing: a convex cost)."""
    return [fallback_cost(problem.policy, k) for k in range(1, slots + 1)]
