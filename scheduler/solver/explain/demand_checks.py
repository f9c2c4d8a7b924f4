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
from scheduler.solver.explain.reach import Reach, need_of
from scheduler.solver.explain.words import (
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
