"""Prechecks on students' weeks: sessions they must attend and blocks they must fill.

Each conflict alone proves the week impossible (see ``prechecks``). Hall's theorem turns "these
items cannot all get their own block" into a message naming the crowded blocks and offerings.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Student
from scheduler.domain.rules import Rule
from scheduler.solver.explain.matching import hall_violation
from scheduler.solver.explain.reach import Reach, need_of
from scheduler.solver.explain.words import (
    block_ref,
    blocks_phrase,
    conflict,
    listing,
    offering_ref,
    plural,
    student_ref,
)

Item = tuple[str, str, int]  # (offering, why the student must attend it, copy number)


def _demand_items(reach: Reach, student: Student) -> tuple[list[Item], dict[Item, list[str]]]:
    """The sessions a student must attend as items (offering, why, copy) with the blocks each may use."""
    locks = reach.index.locks.get(student.id, {})
    items: list[Item] = []
    edges: dict[Item, list[str]] = {}
    for block, offering_id in locks.items():
        item = (offering_id, f"locked in {block}", 0)
        items.append(item)
        edges[item] = [block]
    for need in student.needs:
        offering = reach.index.offerings[need.offering]
        locked = sum(1 for o in locks.values() if o == need.offering)
        usable = [b for b in reach.usable_blocks(student, offering) if locks.get(b) != need.offering]
        for copy in range(max(0, need.sessions - locked)):
            item = (need.offering, "needed", copy)
            items.append(item)
            edges[item] = usable
    covered = {n.offering for n in student.needs} | set(locks.values())
    for request in reach.index.requests_by_student.get(student.id, []):
        if request.priority == "required" and request.offering not in covered:
            covered.add(request.offering)
            item = (request.offering, f"requested by {request.staff}", 0)
            items.append(item)
            edges[item] = reach.usable_blocks(student, reach.index.offerings[request.offering])
    return items, edges


def check_student_load(reach: Reach) -> list[Conflict]:
    """Rules 1, 3 and 10: sessions a student must attend that cannot all get their own block."""
    out = []
    for student in reach.index.problem.students:
        items, edges = _demand_items(reach, student)
        found = hall_violation(items, edges)
        if found is None:
            continue
        groups = {(o, why) for o, why, _ in found.items}
        involved = [i for i in items if (i[0], i[1]) in groups]
        offerings = list(dict.fromkeys(o for o, _, _ in involved))
        if len(offerings) < 2:
            continue  # one offering alone: check_needs_reach / check_requests_reach say why
        slots = sorted({b for i in involved for b in edges[i]}, key=reach.index.block_ids.index)
        counts = Counter((o, why) for o, why, _ in involved)
        parts = [f"{n} of {o}" if why == "needed" else f"{o} ({why})" for (o, why), n in counts.items()]
        needs_any = any(why == "needed" for _, why in groups)
        out.append(
            conflict(
                Rule.NEEDS_MET if needs_any else Rule.LOCKS_AND_REQUESTS,
                f"{student.id} must attend {plural(len(involved), 'session')} ({listing(parts)}), "
                f"but can attend them only in {blocks_phrase(slots)}",
                [student_ref(student.id), *map(offering_ref, offerings)],
            )
        )
    return out


def _block_options(reach: Reach, student: Student) -> tuple[list[str], dict[str, list[tuple[str, int]]]]:
    """Blocks a student must fill (not locked) that no unlimited offering can fill, and the offering
    seats each may take (an offering the student may attend in every open block is unlimited)."""
    locks = reach.index.locks.get(student.id, {})
    open_blocks = [b for b in reach.index.available_blocks(student) if b not in locks]
    locked_count = Counter(locks.values())
    needs = {n.offering: n.sessions for n in student.needs}
    capacity: dict[str, int] = {}
    for offering_id in reach.options[student.id]:
        offering = reach.index.offerings[offering_id]
        most = needs.get(offering_id) or len(open_blocks)
        if not offering.is_repeatable:
            most = min(most, 1)
        capacity[offering_id] = most - locked_count[offering_id]
    unlimited = {o for o, c in capacity.items() if c >= len(open_blocks) > 0}
    limited = sorted(o for o, c in capacity.items() if 0 < c < len(open_blocks))
    todo, edges = [], {}
    for block in open_blocks:
        if any(reach.can_hold(o, block) for o in unlimited):
            continue
        todo.append(block)
        edges[block] = [(o, copy) for o in limited if reach.can_hold(o, block) for copy in range(capacity[o])]
    return todo, edges


def check_student_blocks(reach: Reach) -> list[Conflict]:
    """Rules 1 and 2: students with blocks that the offerings they may attend cannot all fill.

    When the offerings they may attend run there but too few times for them (not repeatable, or a
    need's exact count), the list of offerings open to them is what falls short: rule 2. When none
    of them can run in a block at all, the block is left empty: rule 1. Students stuck the same way
    (same blocks, same few offerings) are reported together.
    """
    stuck: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...], str], list[Student]] = defaultdict(list)
    for student in reach.index.problem.students:
        todo, edges = _block_options(reach, student)
        found = hall_violation(todo, edges)
        if found is not None:
            where = tuple(sorted(found.items, key=reach.index.block_ids.index))
            offerings = tuple((o, _capacity_phrase(student, o)) for o in dict.fromkeys(o for o, _ in found.slots))
            stuck[(where, offerings, _no_fallback(reach, student))].append(student)
    out = []
    for (blocks, offerings, tail), students in stuck.items():
        who = students[0].id if len(students) == 1 else f"{len(students)} students ({listing(s.id for s in students)})"
        refs = [*map(block_ref, blocks), *(student_ref(s.id) for s in students)]
        if offerings:
            message = (
                f"{who} must have a session in each of {listing(blocks)}, "
                f"but can attend there only {listing(phrase for _, phrase in offerings)}{tail}"
            )
            refs += [offering_ref(o) for o, _ in offerings]
            rule = Rule.ALLOWED_OFFERING
        else:
            rule = Rule.ONE_SESSION_PER_BLOCK
            verb = "has" if len(students) == 1 else "have"
            message = (
                f"{who} {verb} nowhere to go in block {blocks[0]}: "
                f"none of the offerings they may attend can run there{tail}"
            )
        out.append(conflict(rule, message, refs))
    return out


def _capacity_phrase(student: Student, offering_id: str) -> str:
    need = need_of(student, offering_id)
    if need:
        return f"{offering_id} (needed {plural(need, 'time')})"
    return f"{offering_id} (once: not repeatable)"


def _no_fallback(reach: Reach, student: Student) -> str:
    fallbacks = [o for o in reach.index.fallback_offerings if o.open_to(student.grade)]
    return "" if fallbacks else f", and no fallback offering is open to grade {student.grade}"
