"""Fast checks for the common reasons a school's data cannot be scheduled.

Each check looks at one kind of fact and returns conflicts that *each alone* prove the problem
infeasible (they only count what the hard rules force, using the blockers of ``reach``), so a
scheduler can fix them one by one. They run in milliseconds, before any solver; the CP-SAT core in
``core.py`` handles what they cannot see (interactions between many students and sessions).

Aggregate checks (seats of an offering, load of a staff member or a student) stay quiet when a finer
check already explains the same shortage, so one cause is reported once, by its most precise fact.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import combinations

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Offering, Problem, Student
from scheduler.domain.rules import Rule
from scheduler.solver.explain.matching import hall_violation
from scheduler.solver.explain.reach import Reach
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

Precheck = Callable[[Reach], list[Conflict]]


# ---- reservations ----------------------------------------------------------------------------
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
        need = _need_of(index.students[student_id], offering_id)
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


# ---- offerings that must run ---------------------------------------------------------------------
def check_runs_min(reach: Reach) -> list[Conflict]:
    """Rule 5: an offering that must run more often than it can."""
    out = []
    for offering in reach.index.problem.offerings:
        low = offering.runs.min
        if low == 0:
            continue
        found = reach.shortfall(offering, low)
        if found is not None:
            out.append(
                conflict(
                    Rule.OFFERING_RUNS,
                    f"{offering.id} must run at least {plural(low, 'time')}, but {found.phrase}",
                    [offering_ref(offering.id), *found.entities],
                )
            )
        elif not offering.is_repeatable:
            out.extend(_runs_min_students(reach, offering))
    return out


def _runs_min_students(reach: Reach, offering: Offering) -> list[Conflict]:
    """A non-repeatable offering's minimum runs need more students than may attend it, once each."""
    blocks = set(reach.session_blocks(offering))
    students = [
        s for s in reach.eligible.get(offering.id, []) if any(reach.free_for(s, offering.id, b) for b in blocks)
    ]
    needed = offering.runs.min * offering.min_students
    if needed <= len(students):
        return []
    return [
        conflict(
            Rule.OFFERING_RUNS,
            f"{offering.id} must run at least {plural(offering.runs.min, 'time')} with at least "
            f"{offering.min_students} students each ({needed} seats), but only {plural(len(students), 'student')} "
            "may attend it, each once",
            [offering_ref(offering.id)],
        )
    ]


def _need_of(student: Student, offering_id: str) -> int:
    return next((n.sessions for n in student.needs if n.offering == offering_id), 0)


def check_needs_reach(reach: Reach) -> list[Conflict]:
    """Rule 3: a need that its offering cannot give the student, however the week is arranged."""
    out = []
    for student in reach.index.problem.students:
        for need in student.needs:
            offering = reach.index.offerings[need.offering]
            found = reach.shortfall(offering, need.sessions, student)
            if found is not None:
                out.append(
                    conflict(
                        Rule.NEEDS_MET,
                        f"{student.id} needs {plural(need.sessions, 'session')} of {need.offering}, but {found.phrase}",
                        [student_ref(student.id), offering_ref(need.offering), *found.entities],
                    )
                )
    return out


def check_requests_reach(reach: Reach) -> list[Conflict]:
    """Rule 10: a required teacher request that can never be met."""
    out = []
    for request in reach.index.problem.requests:
        if request.priority != "required":
            continue
        offering = reach.index.offerings[request.offering]
        found = reach.shortfall(offering, 1, reach.index.students[request.student])
        if found is not None:
            out.append(
                conflict(
                    Rule.LOCKS_AND_REQUESTS,
                    f"{request.staff} requires {request.student} in {request.offering} (request {request.id}), "
                    f"but {found.phrase}",
                    [
                        student_ref(request.student),
                        offering_ref(request.offering),
                        staff_ref(request.staff),
                        *found.entities,
                    ],
                )
            )
    return out


def attendance_floor(reach: Reach) -> dict[str, dict[str, int]]:
    """offering -> student -> fewest sessions of it the student must attend (needs, locks, requests)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)

    def raise_to(offering_id: str, student_id: str, count: int) -> None:
        out[offering_id][student_id] = max(out[offering_id].get(student_id, 0), count)

    for student in reach.index.problem.students:
        for need in student.needs:
            raise_to(need.offering, student.id, need.sessions)
    for (student_id, offering_id), count in Counter((k.student, k.offering) for k in reach.index.problem.locks).items():
        raise_to(offering_id, student_id, count)
    for request in reach.index.problem.requests:
        if request.priority == "required":
            raise_to(request.offering, request.student, 1)
    return out


def _shortfall_free(reach: Reach, offering: Offering, floors: dict[str, int]) -> bool:
    """No single student's demand on the offering is already impossible (a finer check reports it)."""
    return all(reach.shortfall(offering, n, reach.index.students[s]) is None for s, n in floors.items())


def check_offering_seats(reach: Reach) -> list[Conflict]:
    """Rules 3, 6 and 10: the seats an offering can give this week fall short of what students must take."""
    index = reach.index
    out = []
    for offering_id, floors in attendance_floor(reach).items():
        offering = index.offerings[offering_id]
        cap = reach.run_cap(offering)
        if cap == 0 or not _shortfall_free(reach, offering, floors):
            continue
        seats = sorted(((reach.best_seats(offering, b), b) for b in reach.session_blocks(offering)), reverse=True)[:cap]
        total, demand = sum(n for n, _ in seats), sum(floors.values())
        if demand <= total:
            continue
        takers = sorted(floors.items(), key=lambda kv: (-kv[1], kv[0]))
        needs_any = any(_need_of(index.students[s], offering_id) for s in floors)
        out.append(
            conflict(
                Rule.NEEDS_MET if needs_any else Rule.LOCKS_AND_REQUESTS,
                f"students must take {demand} seats in {offering_id} this week "
                f"({listing(f'{s} {n}' for s, n in takers)}), but it seats at most {total} "
                f"({listing(f'{n} in {b}' for n, b in seats)})",
                [
                    offering_ref(offering_id),
                    *(staff_ref(t) for t in offering.staff),
                    *(student_ref(s) for s, _ in takers),
                ],
            )
        )
    return out


def session_floor(reach: Reach, offering: Offering, floors: dict[str, int]) -> int:
    """Fewest sessions the offering must hold: runs.min, the largest need, locked blocks, seats needed."""
    locked_blocks = {k.block for k in reach.index.problem.locks if k.offering == offering.id}
    best = max((reach.best_seats(offering, b) for b in reach.session_blocks(offering)), default=0)
    by_seats = math.ceil(sum(floors.values()) / best) if best else 0
    return max(offering.runs.min, max(floors.values(), default=0), len(locked_blocks), by_seats)


def check_staff_load(reach: Reach) -> list[Conflict]:
    """Rule 7: a staff member whose offerings together need more sessions than they can lead."""
    index = reach.index
    floors = attendance_floor(reach)
    out = []
    for member in index.problem.staff:
        led = [o for o in index.problem.offerings if member.id in o.staff]
        need = {o.id: session_floor(reach, o, floors.get(o.id, {})) for o in led}
        need = {k: v for k, v in need.items() if v > 0}
        blocks = sorted({b for o in led if o.id in need for b in reach.session_blocks(o)}, key=index.block_ids.index)
        cap, limit = len(blocks), member.max_sessions
        if limit is not None:
            cap = min(cap, limit)
        total = sum(need.values())
        if len(need) < 2 or total <= cap or any(v > cap for v in need.values()):
            continue
        if limit is not None and limit < len(blocks):
            why = f"they lead at most {plural(limit, 'session')} a week"
        else:
            why = f"their offerings can run in only {blocks_phrase(blocks)}"
        out.append(
            conflict(
                Rule.STAFF,
                f"{member.id} must lead at least {total} sessions this week "
                f"({listing(f'{o} {n}' for o, n in need.items())}), but {why}",
                [staff_ref(member.id), *map(offering_ref, need)],
            )
        )
    return out


# ---- students ----------------------------------------------------------------------------------
def _demand_items(reach: Reach, student: Student) -> tuple[list[tuple[str, str, int]], dict]:
    """The sessions a student must attend as items (offering, why, copy) with the blocks each may use."""
    locks = reach.index.locks.get(student.id, {})
    items: list[tuple[str, str, int]] = []
    edges: dict[tuple[str, str, int], list[str]] = {}
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


def _block_options(reach: Reach, student: Student) -> tuple[list[str], dict[str, list[tuple[str, int]]], set[str]]:
    """Blocks a student must fill (not locked), the offering seats each may take, and unlimited offerings."""
    locks = reach.index.locks.get(student.id, {})
    open_blocks = [b for b in reach.index.available_blocks(student) if b not in locks]
    locked_count = Counter(locks.values())
    capacity: dict[str, int] = {}
    for offering_id in reach.options[student.id]:
        offering = reach.index.offerings[offering_id]
        most = _need_of(student, offering_id) or len(open_blocks)
        if not offering.is_repeatable:
            most = min(most, 1)
        capacity[offering_id] = most - locked_count[offering_id]
    edges: dict[str, list[tuple[str, int]]] = {}
    for block in open_blocks:
        edges[block] = [
            (o, copy)
            for o in sorted(reach.options[student.id])
            if block in reach.session_blocks(reach.index.offerings[o])
            for copy in range(max(0, capacity[o]))
        ]
    return open_blocks, edges, {o for o, c in capacity.items() if c >= len(open_blocks) > 0}


def check_student_blocks(reach: Reach) -> list[Conflict]:
    """Rule 1: a student with a block no offering they may attend can fill."""
    nowhere: dict[tuple[str, str], list[Student]] = defaultdict(list)
    out = []
    for student in reach.index.problem.students:
        blocks, edges, unlimited = _block_options(reach, student)
        todo = [b for b in blocks if not any(o in unlimited for o, _ in edges[b])]
        found = hall_violation(todo, edges)
        if found is None:
            continue
        if not found.slots:
            nowhere[(found.items[0], _no_fallback(reach, student))].append(student)
            continue
        offerings = list(dict.fromkeys(o for o, _ in found.slots))
        out.append(
            conflict(
                Rule.ONE_SESSION_PER_BLOCK,
                f"{student.id} must have a session in each of {listing(found.items)}, but can attend there only "
                f"{listing(_capacity_phrase(reach, student, o) for o in offerings)}"
                f"{_no_fallback(reach, student)}",
                [student_ref(student.id), *map(offering_ref, offerings), *map(block_ref, found.items)],
            )
        )
    for (block, tail), students in nowhere.items():
        who = students[0].id if len(students) == 1 else f"{len(students)} students ({listing(s.id for s in students)})"
        verb = "has" if len(students) == 1 else "have"
        out.append(
            conflict(
                Rule.ONE_SESSION_PER_BLOCK,
                f"{who} {verb} nowhere to go in block {block}: none of the offerings they may attend can run there"
                f"{tail}",
                [block_ref(block), *(student_ref(s.id) for s in students)],
            )
        )
    return out


def _capacity_phrase(reach: Reach, student: Student, offering_id: str) -> str:
    need = _need_of(student, offering_id)
    if need:
        return f"{offering_id} (needed {plural(need, 'time')})"
    return f"{offering_id} (once: not repeatable)"


def _no_fallback(reach: Reach, student: Student) -> str:
    fallbacks = [o for o in reach.index.fallback_offerings if o.open_to(student.grade)]
    return "" if fallbacks else f", and no fallback offering is open to grade {student.grade}"


def check_block_seats(reach: Reach) -> list[Conflict]:
    """Rules 1 and 6: more students to place in a block than all its possible sessions can seat."""
    index = reach.index
    out = []
    for block in index.block_ids:
        present = sum(1 for s in index.problem.students if block not in s.unavailable)
        seats = sorted(
            (n for o in index.problem.offerings if (n := reach.best_seats(o, block)) > 0),
            reverse=True,
        )
        rooms = [
            s for s in index.problem.spaces if block not in s.unavailable and s.id not in index.reserved_spaces[block]
        ]
        total = sum(seats[: len(rooms)])
        if present > total:
            out.append(
                conflict(
                    Rule.SPACE,
                    f"block {block} has {plural(present, 'student')} to place, but at most {total} seats: "
                    f"{plural(len(seats), 'offering')} can run there, in {plural(len(rooms), 'free room')}",
                    [block_ref(block)],
                )
            )
    return out


PRECHECKS: tuple[Precheck, ...] = (
    check_reserved_resources,
    check_locks_can_run,
    check_locks_together,
    check_lock_counts,
    check_locked_resources,
    check_runs_min,
    check_needs_reach,
    check_requests_reach,
    check_offering_seats,
    check_staff_load,
    check_student_load,
    check_student_blocks,
    check_block_seats,
)


def run_prechecks(problem: Problem | ProblemIndex | Reach) -> list[Conflict]:
    """Every conflict the fast checks find; empty when none of them proves the problem infeasible."""
    if isinstance(problem, Problem):
        problem = ProblemIndex(problem)
    reach = problem if isinstance(problem, Reach) else Reach(problem)
    seen: set[str] = set()
    out = []
    for check in PRECHECKS:
        for found in check(reach):
            if found.message not in seen:
                seen.add(found.message)
                out.append(found)
    return out
