"""Prechecks on reservations and locks: fixed placements that cannot hold, alone or together.

Each conflict alone proves the week impossible (see ``prechecks``).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Conflict
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
    resource_ref,
    space_ref,
    staff_ref,
    student_ref,
)


def check_reserved_resources(reach: Reach) -> list[Conflict]:
    """Rule 8: reservations alone hold more of a resource in a block than the school owns."""
    out = []
    for (block, resource_id), units in sorted(reach.index.reserved_units.items()):
        resource = reach.index.resources.get(resource_id)
        if resource is not None and units > resource.quantity:
            out.append(
                conflict(
                    Rule.RESOURCES,
                    f"reservations in block {block} hold {units} {resource_id}, "
                    f"but the school has only {resource.quantity}",
                    [resource_ref(resource_id), block_ref(block)],
                )
            )
    return out


# ---- locks -------------------------------------------------------------------------------------
def _locked_sessions(index: ProblemIndex) -> dict[tuple[str, str], list[str]]:
    """(offering, block) -> students locked into it."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for lock in index.problem.locks:
        out[(lock.offering, lock.block)].append(lock.student)
    return out


def check_locks_can_run(reach: Reach) -> list[Conflict]:
    """Rule 10: a lock into a block where its offering cannot hold a session at all."""
    out = []
    for lock in reach.index.problem.locks:
        offering = reach.index.offerings[lock.offering]
        found = reach.blocker(offering, lock.block)
        if found is not None:
            out.append(
                conflict(
                    Rule.LOCKS_AND_REQUESTS,
                    f"{lock.student} is locked into {lock.offering} in block {lock.block}, "
                    f"but {lock.offering} cannot run there: {found.reason}",
                    [student_ref(lock.student), offering_ref(lock.offering), block_ref(lock.block), *found.entities],
                )
            )
    return out


def check_locks_together(reach: Reach) -> list[Conflict]:
    """Rules 6, 7 and 9: locks in one block that cannot all hold at once."""
    index = reach.index
    sessions = _locked_sessions(index)
    out = []
    for (offering_id, block), students in sessions.items():
        offering = index.offerings[offering_id]
        refs = [offering_ref(offering_id), block_ref(block)]
        for first, second in combinations(sorted(set(students)), 2):
            if frozenset((first, second)) in index.avoid_pairs:
                out.append(
                    conflict(
                        Rule.AVOID,
                        f"{first} and {second} must be kept apart, "
                        f"but both are locked into {offering_id} in block {block}",
                        [student_ref(first), student_ref(second), *refs],
                    )
                )
        seats = reach.best_seats(offering, block)
        if seats and len(students) > seats:
            out.append(
                conflict(
                    Rule.SPACE,
                    f"{len(students)} students are locked into {offering_id} in block {block}, "
                    f"but it seats at most {seats} there",
                    [*refs, *(student_ref(s) for s in students)],
                )
            )
    out.extend(_locked_pairs_in_block(reach, sessions))
    out.extend(_locked_rooms(reach, sessions))
    return out


def _locked_rooms(reach: Reach, sessions: dict[tuple[str, str], list[str]]) -> list[Conflict]:
    """Rule 6: the sessions locks force to run in a block need more fitting free rooms than there are.

    Each locked session needs its own room (a room hosts one session per block) that fits it and
    seats its locked students and its minimum; Hall's theorem names the offerings crowding the rooms.
    """
    by_block: dict[str, list[str]] = defaultdict(list)
    for offering_id, block in sessions:
        if reach.blocker(reach.index.offerings[offering_id], block) is None:  # else check_locks_can_run
            by_block[block].append(offering_id)
    out = []
    for block, offering_ids in by_block.items():
        edges: dict[str, list[str]] = {}
        for offering_id in offering_ids:
            offering = reach.index.offerings[offering_id]
            least = max(offering.min_students, len(set(sessions[(offering_id, block)])))
            rooms = reach.free_rooms(offering, block)
            edges[offering_id] = [s.id for s in rooms if reach.index.seat_limit(offering, s) >= least]
        found = hall_violation(offering_ids, edges)
        if found is None or len(found.items) < 2:
            continue  # one session alone: check_locks_together (seats) or check_locks_can_run
        crowded = sorted(found.items)
        rooms = sorted(found.slots)
        students = [sessions[(o, block)][0] for o in crowded]
        if not rooms:
            where = "no free room there fits them"
        else:
            verb = "fits" if len(rooms) == 1 else "fit"
            where = f"only {plural(len(rooms), 'free room')} there {verb} them ({listing(rooms)})"
        out.append(
            conflict(
                Rule.SPACE,
                f"locks in block {block} need {plural(len(crowded), 'session')} "
                f"({listing(f'{o} for {s}' for o, s in zip(crowded, students, strict=True))}), "
                f"each in its own room, but {where}",
                [block_ref(block), *map(offering_ref, crowded), *map(space_ref, rooms), *map(student_ref, students)],
            )
        )
    return out


def _locked_pairs_in_block(reach: Reach, sessions: dict[tuple[str, str], list[str]]) -> list[Conflict]:
    """Two offerings locked into the same block that share a staff member or a fixed room."""
    by_block: dict[str, list[str]] = defaultdict(list)
    for offering_id, block in sessions:
        by_block[block].append(offering_id)
    out = []
    for block, offering_ids in by_block.items():
        for first_id, second_id in combinations(offering_ids, 2):
            first, second = reach.index.offerings[first_id], reach.index.offerings[second_id]
            locked = sessions[(first_id, block)][:1] + sessions[(second_id, block)][:1]
            refs = [offering_ref(first_id), offering_ref(second_id), block_ref(block), *map(student_ref, locked)]
            why = f"{locked[0]} is locked into {first_id} and {locked[1]} into {second_id} in block {block}"
            for staff_id in sorted(set(first.staff) & set(second.staff)):
                out.append(
                    conflict(
                        Rule.STAFF,
                        f"{why}, but {staff_id} leads both and can lead one session per block",
                        [staff_ref(staff_id), *refs],
                    )
                )
            if first.space is not None and first.space == second.space:
                out.append(
                    conflict(
                        Rule.SPACE,
                        f"{why}, but both must meet in room {first.space}, which hosts one session per block",
                        [space_ref(first.space), *refs],
                    )
                )
    return out


def check_lock_counts(reach: Reach) -> list[Conflict]:
    """Rules 3, 4, 5 and 7: more locked sessions than a student, offering or staff member may have."""
    index = reach.index
    out = []
    per_student: dict[tuple[str, str], list[str]] = defaultdict(list)
    for lock in index.problem.locks:
        per_student[(lock.student, lock.offering)].append(lock.block)
    for (student_id, offering_id), blocks in per_student.items():
        refs = [student_ref(student_id), offering_ref(offering_id)]
        need = need_of(index.students[student_id], offering_id)
        if len(blocks) > 1 and not index.offerings[offering_id].is_repeatable:
            out.append(
                conflict(
                    Rule.NOT_REPEATED,
                    f"{student_id} is locked into {offering_id} in {listing(blocks)}, "
                    "but it is not repeatable: a student attends it at most once",
                    refs,
                )
            )
        elif need and len(blocks) > need:
            out.append(
                conflict(
                    Rule.NEEDS_MET,
                    f"{student_id} is locked into {offering_id} in {blocks_phrase(blocks)}, "
                    f"but needs exactly {plural(need, 'session')} of it",
                    refs,
                )
            )
    out.extend(_locked_runs(reach))
    return out


def _locked_runs(reach: Reach) -> list[Conflict]:
    """Locks forcing an offering, or a staff member, past its session limit."""
    index = reach.index
    sessions = sorted(_locked_sessions(index))
    out = []
    runs: dict[str, list[str]] = defaultdict(list)
    led: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for offering_id, block in sessions:
        runs[offering_id].append(block)
        for staff_id in index.offerings[offering_id].staff:
            led[staff_id].append((offering_id, block))
    for offering_id, blocks in runs.items():
        runs_max = index.runs_max(index.offerings[offering_id])
        if len(blocks) > runs_max:
            out.append(
                conflict(
                    Rule.OFFERING_RUNS,
                    f"students are locked into {offering_id} in {blocks_phrase(blocks)}, "
                    f"but it runs at most {plural(runs_max, 'time')}",
                    [offering_ref(offering_id), *map(block_ref, blocks)],
                )
            )
    for staff_id, pairs in led.items():
        limit = index.staff[staff_id].max_sessions
        if limit is not None and len(pairs) > limit:
            out.append(
                conflict(
                    Rule.STAFF,
                    f"locks need {staff_id} to lead {plural(len(pairs), 'session')} "
                    f"({listing(f'{o} in {b}' for o, b in pairs)}), but they lead at most {limit} a week",
                    [staff_ref(staff_id), *dict.fromkeys(offering_ref(o) for o, _ in pairs)],
                )
            )
    return out


def check_locked_resources(reach: Reach) -> list[Conflict]:
    """Rule 8: the sessions locks force to run in a block need more of a resource than is free there."""
    index = reach.index
    use: dict[tuple[str, str], int] = defaultdict(int)
    users: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (offering_id, block), students in sorted(_locked_sessions(index).items()):
        offering = index.offerings[offering_id]
        if reach.blocker(offering, block) is not None:
            continue  # reported by check_locks_can_run
        enrolled = max(offering.min_students, len(set(students)))
        for resource_id, units in index.resource_use(offering, enrolled).items():
            if units:
                use[(block, resource_id)] += units
                users[(block, resource_id)].append(offering_id)
    out = []
    for (block, resource_id), units in use.items():
        resource = index.resources[resource_id]
        reserved = index.reserved_units.get((block, resource_id), 0)
        if units + reserved > resource.quantity:
            held = f" ({reserved} reserved)" if reserved else ""
            out.append(
                conflict(
                    Rule.RESOURCES,
                    f"the sessions locked into block {block} ({listing(users[(block, resource_id)])}) need {units} "
                    f"{resource_id}, but only {resource.quantity - reserved} of {resource.quantity} are free{held}",
                    [resource_ref(resource_id), block_ref(block), *map(offering_ref, users[(block, resource_id)])],
                )
            )
    return out
