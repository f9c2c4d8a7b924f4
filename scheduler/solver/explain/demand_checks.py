"""Prechecks on demand: offerings, needs and requests that must be met, against where and how
often the offering can run, its seats and its staff's week.

Each conflict alone proves the week impossible (see ``prechecks``). The aggregate checks (seats of
an offering, load of a staff member) stay quiet when one student's demand is already impossible,
so a cause is reported once, by its most precise fact.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Offering
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
    staff_ref,
    student_ref,
)


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
            f"{plural(offering.min_students, 'student')} each ({needed} seats), "
            f"but only {plural(len(students), 'student')} may attend it, each once",
            [offering_ref(offering.id)],
        )
    ]


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
        needs_any = any(need_of(index.students[s], offering_id) for s in floors)
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


Item = tuple[str, str]  # (offering, locked block or copy number)


def _forced_sessions(reach: Reach, offering: Offering, floor: int) -> tuple[list[Item], dict[Item, list[str]]]:
    """The sessions an offering must hold as items with the blocks each may use: one per locked block
    (only there), the rest anywhere it can hold a session and no lock already puts one."""
    locked = sorted({k.block for k in reach.index.problem.locks if k.offering == offering.id})
    items: list[Item] = [(offering.id, block) for block in locked]
    edges: dict[Item, list[str]] = {item: [item[1]] for item in items}
    free = [b for b in reach.session_blocks(offering) if b not in locked]
    for copy in range(max(0, floor - len(locked))):
        item = (offering.id, f"#{copy}")
        items.append(item)
        edges[item] = free
    return items, edges


def check_staff_load(reach: Reach) -> list[Conflict]:
    """Rule 7: a staff member whose offerings together must hold more sessions than they can lead.

    Each offering must hold at least ``session_floor`` sessions, in distinct blocks where it can run
    (one in each block a lock puts it), and its staff lead one session per block and at most
    ``max_sessions`` a week: when those sessions cannot all get their own block (Hall's condition
    over the blocks), or outnumber ``max_sessions``, the week is impossible. One offering alone is
    left to the finer checks (runs, needs, seats), which name its own limits.
    """
    index = reach.index
    floors = attendance_floor(reach)
    out = []
    for member in index.problem.staff:
        led = [o for o in index.problem.offerings if member.id in o.staff]
        need = {o.id: n for o in led if (n := session_floor(reach, o, floors.get(o.id, {}))) > 0}
        if len(need) < 2:
            continue
        items: list[Item] = []
        edges: dict[Item, list[str]] = {}
        for offering_id, floor in need.items():
            more, where = _forced_sessions(reach, index.offerings[offering_id], floor)
            items += more
            edges.update(where)
        found = _staff_conflict(reach, member.id, member.max_sessions, (items, edges), floors)
        if found is not None:
            out.append(found)
    return out


def _staff_conflict(
    reach: Reach,
    staff_id: str,
    limit: int | None,
    forced: tuple[list[Item], dict[Item, list[str]]],
    floors: dict[str, dict[str, int]],
) -> Conflict | None:
    """The staff member's forced sessions against max_sessions, then against the blocks they can use."""
    items, edges = forced
    total = Counter(o for o, _ in items)
    takers = [student_ref(s) for o in total for s in sorted(floors.get(o, {}))]
    if limit is not None and len(items) > limit and len(total) > 1:
        return conflict(
            Rule.STAFF,
            f"{staff_id} must lead at least {len(items)} sessions this week "
            f"({listing(f'{o} {n}' for o, n in total.items())}), but they lead at most "
            f"{plural(limit, 'session')} a week",
            [staff_ref(staff_id), *map(offering_ref, total), *takers],
        )
    found = hall_violation(items, edges)
    if found is None:
        return None
    crowded, slots = list(found.items), set(found.slots)
    whole = [i for i in items if i[0] in {o for o, _ in crowded}]
    every = {b for i in whole for b in edges[i]}
    if len(whole) > len(every):  # all sessions of the crowded offerings: the same proof, told in full
        crowded, slots = whole, every
    involved = Counter(o for o, _ in crowded)
    if len(involved) < 2:
        return None
    blocks = sorted(slots, key=reach.index.block_ids.index)
    why = [f"locks put {o} in {b}" for o, b in crowded if b in reach.index.blocks]
    refs = [student_ref(s) for o in involved for s in sorted(floors.get(o, {}))]
    blocked = [b for b in reach.index.block_ids if b not in slots]
    reasons: dict[str, list[str]] = defaultdict(list)
    for offering_id in involved:
        summary, _, more = reach.blocker_summary(reach.index.offerings[offering_id], blocked)
        if summary:
            reasons[summary].append(offering_id)
            refs += more
    why += [f"{listing(offerings)}: {summary}" for summary, offerings in reasons.items()]
    return conflict(
        Rule.STAFF,
        f"{staff_id} must lead at least {len(crowded)} sessions this week "
        f"({listing(f'{o} {n}' for o, n in involved.items())}), one per block, but these can be held in only "
        f"{blocks_phrase(blocks)}" + (f": {'; '.join(why)}" if why else ""),
        [staff_ref(staff_id), *map(offering_ref, involved), *map(block_ref, blocks), *refs],
    )
