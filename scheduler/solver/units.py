"""Placement units: the student side of the models, one student each or a group merged for speed.

A unit stands for one or more students of the same grade. Merging students is a *relaxation*: a
group may use any option of any member at the cheapest member's cost, up to the number of members
who have it, and its fallback slots cost the cheapest way they could be spread over the members
(the sorted union of the members' convex marginal costs). Every plan maps onto the merged problem
at no higher cost, so the merged LP's optimum is a valid lower bound, and on far fewer variables.
Terms that only exist per student (avoid pairs, stability) are kept only for single-student units;
dropping non-negative costs keeps the bound valid. The no-choice cost is kept per group, as a count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.domain.problem import Student
from scheduler.solver.instance import Instance
from scheduler.solver.objective import choice_cost, fallback_cost, free_slot_count, needs_no_choice_guard


@dataclass
class Unit:
    id: str
    grade: int
    members: list[Student]
    # block -> members to place there (available, not locked into a fallback)
    slots: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # (offering, block) -> [cost, members who may take it, members locked into it]
    options: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # offering -> most attendances over the week (non-repeatable, or a request that is not a choice)
    at_most: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    required: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    preferred: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fallback_marginals: list[int] = field(default_factory=list)
    # (offering, block) -> summed cost over the members who may take it (for ``mean_costs``)
    cost_sums: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    @property
    def single(self) -> Student | None:
        return self.members[0] if len(self.members) == 1 else None


def _add_student(inst: Instance, unit: Unit, student: Student) -> None:
    index = inst.index
    policy = index.problem.policy
    locks = index.locks.get(student.id, {})
    options = index.options(student)
    fallback_blocks = 0
    for block in index.available_blocks(student):
        locked = locks.get(block)
        if locked is not None and index.offerings[locked].kind == "fallback":
            continue
        unit.slots[block] += 1
        candidates = [options[locked]] if locked is not None and locked in options else list(options.values())
        if locked is not None and locked not in options:
            candidates = []
        for option in candidates:
            fallback = index.offerings[option.offering].kind == "fallback"  # pooled, even when locked elsewhere
            if fallback or (option.offering, block) not in inst.session_classes:
                continue
            cost = choice_cost(policy, option.rank) if option.rank else 0
            entry = unit.options.setdefault((option.offering, block), [cost, 0, 0])
            entry[0] = min(entry[0], cost)
            entry[1] += 1
            entry[2] += int(locked is not None)
            unit.cost_sums[(option.offering, block)] += cost
        if locked is None and (student.id, block) in inst.pooled_slots:
            fallback_blocks += 1
    needs = {n.offering: n.sessions for n in student.needs}
    for offering, sessions in needs.items():
        unit.needs[offering] += sessions
    for offering_id in options:
        offering = index.offerings[offering_id]
        if offering.kind == "fallback" or offering_id in needs:
            continue
        if offering.is_repeatable and offering_id in student.choices:
            unit.at_most[offering_id] += len(index.block_ids)
        else:
            unit.at_most[offering_id] += max(1, sum(1 for o in locks.values() if o == offering_id))
    for request in index.requests_by_student.get(student.id, []):
        target = unit.required if request.priority == "required" else unit.preferred
        target[request.offering] += 1
    unit.fallback_marginals += [fallback_cost(policy, k) for k in range(1, fallback_blocks + 1)]


def make_units(inst: Instance, group_size: int = 1, *, mean_costs: bool = False) -> list[Unit]:
    """One unit per student, or groups of up to ``group_size`` similar students of one grade.

    With ``mean_costs`` a group's option costs its members' average instead of the cheapest
    member's: no longer a relaxation (no bound may be read from it), but a far closer picture of
    what the group's students will really get, which is what choosing a timetable needs.
    """
    students = inst.problem.students
    if group_size <= 1:
        ordered = [[s] for s in students]
    else:
        alone = [s for s in students if _decided_in_one_slot(inst, s) or _named_by_a_rule(inst, s)]
        alone_ids = {s.id for s in alone}
        by_grade: dict[int, list[Student]] = defaultdict(list)
        for s in sorted(students, key=lambda s: (s.grade, bool(s.needs), tuple(s.choices[:3]), s.id)):
            if s.id not in alone_ids:
                by_grade[s.grade].append(s)
        ordered = [[s] for s in alone] + [
            members[i : i + group_size] for members in by_grade.values() for i in range(0, len(members), group_size)
        ]
    units = []
    for number, members in enumerate(ordered):
        unit = Unit(
            id=members[0].id if len(members) == 1 else f"group{number}", grade=members[0].grade, members=members
        )
        for student in members:
            _add_student(inst, unit, student)
        unit.fallback_marginals.sort()
        if mean_costs and len(members) > 1:
            for key, entry in unit.options.items():
                entry[0] = round(unit.cost_sums[key] / entry[1])
        units.append(unit)
    return units


def _named_by_a_rule(inst: Instance, student: Student) -> bool:
    """Locks and teacher requests name one student: in a group, any member who chose the offering
    would keep them, and the timetable could leave the named student no session to attend (a
    1,500-student high school: no seat for a required request in the merged search's timetable)."""
    return student.id in inst.index.locks or student.id in inst.index.requests_by_student


def _decided_in_one_slot(inst: Instance, student: Student) -> bool:
    """A student with choices and a single free slot stays a unit of their own in merged models:
    in a group their lack of a choice hides behind the members' many (2,000 students, seed 1: a
    tier-3 student free only on Friday, where none of their seven choices ran, was left without
    any choice; a unit of their own pays for it, and the aimed move can reach it)."""
    return needs_no_choice_guard(inst.index, student) and free_slot_count(inst.index, student) == 1


def no_choice_members(inst: Instance, unit: Unit) -> list[Student]:
    """Members who pay the no-choice cost when none of their choices is met. For a group, the
    model asks for one choice placement per such member among the group's choice options, which
    every real plan satisfies at the same cost: merging stays a relaxation."""
    return [
        student
        for student in unit.members
        if needs_no_choice_guard(inst.index, student) and free_slot_count(inst.index, student) > 0
    ]
