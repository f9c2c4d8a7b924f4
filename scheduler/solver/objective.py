"""The cost a plan is judged by: one definition shared by the engine, the baseline and reports.

Per student, every placement is classified (``classify_student``): need, lock, request, choice of
rank r, or fallback. Costs (weights from ``Policy``):

* choice of rank r: ``(r - 1) * choice_rank_step``
* the k-th fallback slot of a student: ``fallback + (k - 1) * fallback_growth`` (convex: fairness)
* a student who listed choices and has free slots but got none of them: ``no_choice``
* such a student who never got their first choice: ``first_choice_missed``
* a preferred request left unmet: ``preferred_request_missed``
* a ``previous`` placement not kept: ``previous_changed``
* a session's room: ``space_fit`` per special feature it does not need, plus one per 10 spare seats

The total has no constant part: each student's *ideal* (a lower bound on what any plan must cost
them, computed from their own data alone) is subtracted, so 0 means every student got the best they
could possibly get.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler.domain.index import ProblemIndex
from scheduler.domain.policy import Policy
from scheduler.domain.problem import Offering, Space, Student

# Priorities as reported in a plan's objective_breakdown, in the spec's order.
TERMS = ("preferred_requests", "choices", "fairness", "stability", "space_fit")


def fallback_cost(policy: Policy, k: int) -> int:
    """Cost of a student's k-th fallback slot (k >= 1); grows with k so misses are spread out."""
    return policy.fallback + (k - 1) * policy.fallback_growth


def choice_cost(policy: Policy, rank: int) -> int:
    return (rank - 1) * policy.choice_rank_step


def space_fit_cost(policy: Policy, offering: Offering, space: Space) -> int:
    """Special features the session does not need, and spare seats, make a room a poor fit."""
    extra_features = len(set(space.features) - set(offering.needs_features))
    spare_seats = max(0, space.capacity - offering.capacity)
    return policy.space_fit * (extra_features + spare_seats // 10)


def fixed_slot_offerings(index: ProblemIndex, student: Student) -> tuple[dict[str, int], set[str]]:
    """Needs (offering -> sessions) and the request offerings that are neither choices nor needs."""
    needs = {n.offering: n.sessions for n in student.needs}
    choices = set(student.choices)
    requests = {
        r.offering
        for r in index.requests_by_student.get(student.id, [])
        if r.offering not in choices and r.offering not in needs
    }
    return needs, requests


def free_slot_count(index: ProblemIndex, student: Student) -> int:
    """Available blocks not taken by needs or by locks on offerings the student did not choose."""
    needs, _ = fixed_slot_offerings(index, student)
    choices = set(student.choices)
    available = set(index.available_blocks(student))
    locked_other = sum(
        1
        for block, offering in index.locks.get(student.id, {}).items()
        if block in available and offering not in choices and offering not in needs
    )
    return max(0, len(available) - sum(needs.values()) - locked_other)


def student_ideal(index: ProblemIndex, student: Student) -> int:
    """A lower bound on the student's choice and fairness cost in any plan.

    Relaxation: fill the free slots with the cheapest items, ignoring blocks and capacities. Items
    are each choice (once, or every slot when repeatable), each non-choice request offering (cost 0,
    once) and the convex fallback slots.
    """
    policy = index.problem.policy
    slots = free_slot_count(index, student)
    if slots == 0:
        return 0
    _, requests = fixed_slot_offerings(index, student)
    items: list[tuple[int, bool]] = [(0, False)] * len(requests)  # (cost, is a choice)
    for rank, choice in enumerate(student.choices, start=1):
        copies = slots if index.offerings[choice].is_repeatable else 1
        items += [(choice_cost(policy, rank), True)] * copies
    items += [(fallback_cost(policy, k), False) for k in range(1, slots + 1)]
    items.sort(key=lambda item: item[0])
    picked = items[:slots]
    cost = sum(c for c, _ in picked)
    if needs_no_choice_guard(index, student) and not any(is_choice for _, is_choice in picked):
        # Either pay the no-choice cost, or swap the dearest pick for the cheapest choice.
        cheapest_choice = min(c for c, is_choice in items if is_choice)
        cost = min(cost + policy.no_choice, cost - picked[-1][0] + cheapest_choice)
    # The first choice (cost 0) is always among the picks when the guard applies, so the
    # first-choice cost adds nothing to the ideal.
    return cost


def needs_no_choice_guard(index: ProblemIndex, student: Student) -> bool:
    """Fairness applies to students who listed choices and have a slot left after requests."""
    _, requests = fixed_slot_offerings(index, student)
    return bool(student.choices) and free_slot_count(index, student) > len(requests)


@dataclass
class StudentCost:
    choices: int = 0
    fairness: int = 0
    preferred_requests: int = 0
    chosen_slots: int = 0
    fallback_slots: int = 0


@dataclass
class PlanCost:
    """A plan's cost per priority; ``total`` is what the engine minimises."""

    terms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TERMS, 0.0))
    ideal: float = 0.0

    @property
    def total(self) -> float:
        return max(0.0, sum(self.terms.values()) - self.ideal)

    def breakdown(self) -> dict[str, float]:
        """Reported terms, with the ideal taken off the choice term so they add up to ``total``."""
        out = dict(self.terms)
        out["choices"] = out["choices"] - self.ideal
        return out


def student_cost(index: ProblemIndex, student: Student, placed: Mapping[str, str]) -> StudentCost:
    """Classify one student's placements (block -> offering) and price them."""
    policy = index.problem.policy
    needs, requests = fixed_slot_offerings(index, student)
    ranks = {c: r for r, c in enumerate(student.choices, start=1)}
    locks = index.locks.get(student.id, {})
    seen: Counter[str] = Counter()
    out = StudentCost()
    for block in index.block_ids:
        offering = placed.get(block)
        if offering is None:
            continue
        seen[offering] += 1
        if offering in ranks:
            if seen[offering] == 1 or index.offerings[offering].is_repeatable:
                out.choices += choice_cost(policy, ranks[offering])
                out.chosen_slots += 1
                continue
        elif offering in needs or (locks.get(block) == offering) or (offering in requests and seen[offering] == 1):
            continue
        out.fallback_slots += 1
        out.choices += fallback_cost(policy, 1)
        out.fairness += fallback_cost(policy, out.fallback_slots) - fallback_cost(policy, 1)
    if needs_no_choice_guard(index, student):
        if out.chosen_slots == 0:
            out.fairness += policy.no_choice
        if student.choices[0] not in seen:
            out.fairness += policy.first_choice_missed
    attended = set(placed.values())
    for request in index.requests_by_student.get(student.id, []):
        if request.priority == "preferred" and request.offering not in attended:
            out.preferred_requests += policy.preferred_request_missed
    return out


def evaluate(
    index: ProblemIndex,
    placements: Mapping[tuple[str, str], str],
    session_spaces: Mapping[tuple[str, str], str],
) -> PlanCost:
    """Cost of a plan given as (student, block) -> offering and (offering, block) -> space."""
    policy = index.problem.policy
    by_student: dict[str, dict[str, str]] = {}
    for (student, block), offering in placements.items():
        by_student.setdefault(student, {})[block] = offering
    cost = PlanCost()
    for student in index.problem.students:
        sc = student_cost(index, student, by_student.get(student.id, {}))
        cost.terms["choices"] += sc.choices
        cost.terms["fairness"] += sc.fairness
        cost.terms["preferred_requests"] += sc.preferred_requests
        cost.ideal += student_ideal(index, student)
    for prev in index.problem.previous:
        if placements.get((prev.student, prev.block)) != prev.offering:
            cost.terms["stability"] += policy.previous_changed
    running = {(o, b) for (_, b), o in placements.items()}
    for (offering, block), space in session_spaces.items():
        if (offering, block) in running and space in index.spaces:
            cost.terms["space_fit"] += space_fit_cost(policy, index.offerings[offering], index.spaces[space])
    return cost
