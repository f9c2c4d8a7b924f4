"""Prechecks on resources (rule 8): use the hard rules force, against what is free.

Two kinds of forced use, each a proof when it exceeds the supply:

* In one block: students present there whose every possible session in that block uses a resource
  per student (their choices, needs and fallbacks there all need a Chromebook, say) use at least
  that many units, whichever session they end up in.
* Over the week: sessions students must attend (needs, locks, required requests) of offerings that
  use a resource, plus the per-session use of the fewest sessions those offerings must hold, need at
  least that many units in the blocks where those offerings can run; each block gives at most what
  is free there (quantity minus reservations).

Reservations alone above the quantity, and the sessions locks force into one block, are checked in
``lock_checks``.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.domain.plan import Conflict
from scheduler.domain.rules import Rule
from scheduler.solver.explain.demand_checks import attendance_floor, session_floor
from scheduler.solver.explain.reach import Reach
from scheduler.solver.explain.words import (
    block_ref,
    conflict,
    listing,
    offering_ref,
    plural,
    resource_ref,
    student_ref,
)


def free_units(reach: Reach, resource_id: str, block: str) -> int:
    """Units of the resource not held by reservations in the block (reservations above the quantity are
    ``check_reserved_resources``'s)."""
    held = reach.index.reserved_units.get((block, resource_id), 0)
    return max(0, reach.index.resources[resource_id].quantity - held)


def _per_student(reach: Reach) -> dict[str, dict[str, int]]:
    """offering -> resource -> units each student uses (offerings without per-student use left out)."""
    out: dict[str, dict[str, int]] = {}
    for offering in reach.index.problem.offerings:
        use: dict[str, int] = defaultdict(int)
        for item in offering.resources:
            if item.per_student:
                use[item.resource] += item.per_student
        if use:
            out[offering.id] = dict(use)
    return out


def check_block_resource_students(reach: Reach) -> list[Conflict]:
    """Rule 8: in a block, students who can only attend sessions using a resource need more units than are free."""
    index = reach.index
    per_student = _per_student(reach)
    forced: dict[tuple[str, str], int] = defaultdict(int)
    who: dict[tuple[str, str], list[str]] = defaultdict(list)
    through: dict[tuple[str, str], set[str]] = defaultdict(set)
    if not per_student:
        return []
    for student in index.problem.students:
        locks = index.locks.get(student.id, {})
        options = reach.options[student.id]
        plain = [o for o in options if o not in per_student]  # usually a fallback: nothing is forced
        for block in index.available_blocks(student):
            locked = locks.get(block)
            if locked is None and any(reach.can_hold(o, block) for o in plain):
                continue
            runnable = [o for o in ([locked] if locked is not None else options) if reach.can_hold(o, block)]
            if not runnable or any(o not in per_student for o in runnable):
                continue
            common = set.intersection(*(set(per_student[o]) for o in runnable))
            for resource_id in common:
                forced[(block, resource_id)] += min(per_student[o][resource_id] for o in runnable)
                who[(block, resource_id)].append(student.id)
                through[(block, resource_id)].update(runnable)
    out = []
    for (block, resource_id), units in sorted(forced.items(), key=lambda kv: (index.block_ids.index(kv[0][0]), kv[0])):
        free = free_units(reach, resource_id, block)
        if units <= free:
            continue
        students, offerings = who[(block, resource_id)], sorted(through[(block, resource_id)])
        out.append(
            conflict(
                Rule.RESOURCES,
                f"in block {block}, {plural(len(students), 'student')} ({listing(students)}) can only attend "
                f"sessions that use {resource_id} ({listing(offerings)}), {units} {resource_id} in all, "
                f"but only {free} of {index.resources[resource_id].quantity} are free there",
                [
                    resource_ref(resource_id),
                    block_ref(block),
                    *map(offering_ref, offerings),
                    *map(student_ref, students),
                ],
            )
        )
    return out


def check_resource_demand(reach: Reach) -> list[Conflict]:
    """Rule 8: over the week, the use that needs, locks and requests force exceeds what the blocks free."""
    index = reach.index
    floors = attendance_floor(reach)
    demand: dict[str, dict[str, int]] = defaultdict(dict)  # resource -> offering -> forced units
    for offering in index.problem.offerings:
        takers = floors.get(offering.id, {})
        attended = sum(takers.values())
        sessions = session_floor(reach, offering, takers)
        for item in offering.resources:
            units = item.per_student * attended + item.per_session * sessions
            if units:
                demand[item.resource][offering.id] = demand[item.resource].get(offering.id, 0) + units
    out = []
    for resource_id, by_offering in sorted(demand.items()):
        groups = [[o] for o in by_offering]
        if len(by_offering) > 1:
            groups.append(list(by_offering))
        for offerings in groups:
            found = _demand_conflict(reach, resource_id, offerings, by_offering, floors)
            if found is not None:
                out.append(found)
                break  # the first (one offering) is the most precise
    return out


def _demand_conflict(
    reach: Reach,
    resource_id: str,
    offerings: list[str],
    by_offering: dict[str, int],
    floors: dict[str, dict[str, int]],
) -> Conflict | None:
    index = reach.index
    blocks = [b for b in index.block_ids if any(reach.can_hold(o, b) for o in offerings)]
    supply = {b: free_units(reach, resource_id, b) for b in blocks}
    units = sum(by_offering[o] for o in offerings)
    if units <= sum(supply.values()):
        return None
    takers = sorted({s for o in offerings for s in floors.get(o, {})})
    where = listing(f"{n} in {b}" for b, n in supply.items()) if supply else "no block where they can run"
    each = f" ({listing(f'{o} {by_offering[o]}' for o in offerings)})" if len(offerings) > 1 else ""
    return conflict(
        Rule.RESOURCES,
        f"students must attend sessions of {listing(offerings)} that use at least {units} {resource_id} this week"
        f"{each}, but only {sum(supply.values())} are free in the blocks where they can run ({where})",
        [resource_ref(resource_id), *map(offering_ref, offerings), *map(block_ref, blocks), *map(student_ref, takers)],
    )
