"""Turn the guards of a CP-SAT core into conflicts a school scheduler can act on.

Each guard becomes one fact in plain words, with the entities it is about, and with the data limits
the model took as given quoted as context (where an offering can run, when a student is away), since
those limits are usually half of the story: "s-0002 needs 1 session of reading-t3; reading-t3 can run
only in mon: t-ng is unavailable (tue, wed, thu and fri)". Many students who must simply be placed
in every block are merged into one conflict, so a crowded block reads as one fact, not sixty.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Offering, Student
from scheduler.domain.rules import Rule
from scheduler.solver.explain.constraints import (
    AVOID,
    CAPACITY,
    GROUPS,
    LOCK,
    MINIMUM,
    NEED,
    PLACED,
    REPEAT,
    REQUEST,
    RESOURCE,
    ROOM,
    RUNS,
    STAFF_MAX,
    STAFF_ONCE,
    Guard,
)
from scheduler.solver.explain.reach import Reach
from scheduler.solver.explain.words import (
    block_ref,
    conflict,
    listing,
    offering_ref,
    plural,
    resource_ref,
    space_ref,
    staff_ref,
    student_ref,
)

MERGE_PLACED = 4  # this many PLACED ("one_session_per_block") guards or more read as one conflict
OPTIONS_SHOWN = 6  # list a student's options in the message when they have at most this many


def where_it_runs(reach: Reach, offering: Offering) -> tuple[str, list[str], list[str]]:
    """ "; reading-t3 can run only in mon: t-ng is unavailable (tue, wed, thu and fri)" (or ""), the
    entities it names, and the blocks it can run in (who may attend left aside: that is the story)."""
    runnable = reach.static_blocks(offering)
    blocked = [b for b in reach.index.block_ids if b not in runnable]
    if not blocked:
        return "", [], runnable
    summary, _, refs = reach.blocker_summary(offering, blocked)
    where = f"can run only in {listing(runnable)}" if runnable else "cannot run in any block"
    return f"; {offering.id} {where}: {summary}", list(refs), runnable


def _away(student: Student, blocks: list[str]) -> str:
    away = [b for b in blocks if b in student.unavailable]
    return f"; {student.id} is unavailable in {listing(away)}" if away else ""


def _placed(reach: Reach, guard: Guard) -> Conflict:
    student = reach.index.students[guard.key[0]]
    blocks = reach.index.available_blocks(student)
    message = f"{student.id} must be in a session in each of their {plural(len(blocks), 'available block')}"
    options = sorted(reach.options[student.id])
    if len(options) <= OPTIONS_SHOWN:
        message += f", and may only attend {listing(options)}" if options else ", but may attend no offering"
    if not any(o.open_to(student.grade) for o in reach.index.fallback_offerings):
        message += f" (no fallback offering is open to grade {student.grade})"
    message += _tightest_block(reach, student, blocks)
    return conflict(Rule.ONE_SESSION_PER_BLOCK, message, [student_ref(student.id)])


def _tightest_block(reach: Reach, student: Student, blocks: list[str]) -> str:
    """ "; in fri they can only attend app-design or film-making": the block with the fewest options."""
    if not blocks:
        return ""
    runs = {
        b: sorted(o for o in reach.options[student.id] if b in reach.session_blocks(reach.index.offerings[o]))
        for b in blocks
    }
    block = min(blocks, key=lambda b: len(runs[b]))
    if len(runs[block]) > OPTIONS_SHOWN // 2:
        return ""
    if not runs[block]:
        return f"; in {block} none of them can run"
    return f"; in {block} they can only attend {' or '.join(runs[block])}"


def _need(reach: Reach, guard: Guard) -> Conflict:
    student = reach.index.students[guard.key[0]]
    offering = reach.index.offerings[guard.key[1]]
    sessions = next(n.sessions for n in student.needs if n.offering == offering.id)
    context, refs, runnable = where_it_runs(reach, offering)
    return conflict(
        Rule.NEEDS_MET,
        f"{student.id} needs {plural(sessions, 'session')} of {offering.id}{context}{_away(student, runnable)}",
        [student_ref(student.id), offering_ref(offering.id), *map(staff_ref, offering.staff), *refs],
    )


def _repeat(reach: Reach, guard: Guard) -> Conflict:
    offering_id = guard.key[0]
    return conflict(
        Rule.NOT_REPEATED,
        f"{offering_id} is not repeatable: a student attends it at most once",
        [offering_ref(offering_id)],
    )


def _runs(reach: Reach, guard: Guard) -> Conflict:
    offering = reach.index.offerings[guard.key[0]]
    low, high = offering.runs.min, reach.index.runs_max(offering)
    if low and high < len(reach.index.block_ids):
        message = f"{offering.id} runs between {low} and {plural(high, 'time')}"
    elif low:
        message = f"{offering.id} must run at least {plural(low, 'time')}"
    else:
        message = f"{offering.id} runs at most {plural(high, 'time')} a week"
    context, refs, _ = where_it_runs(reach, offering)
    return conflict(Rule.OFFERING_RUNS, message + context, [offering_ref(offering.id), *refs])


def _capacity(reach: Reach, guard: Guard) -> Conflict:
    offering = reach.index.offerings[guard.key[0]]
    fitting = [reach.index.spaces[s] for s in reach.fitting_spaces(offering)]
    best = max(fitting, key=lambda s: s.capacity)
    seats = reach.index.seat_limit(offering, best)
    message = f"{offering.id} seats at most {plural(seats, 'student')} per session"
    if seats < offering.capacity:
        message += f" (its largest fitting room, {best.id}, seats {best.capacity})"
    return conflict(Rule.SPACE, message, [offering_ref(offering.id)])


def _minimum(reach: Reach, guard: Guard) -> Conflict:
    offering = reach.index.offerings[guard.key[0]]
    return conflict(
        Rule.SPACE,
        f"{offering.id} only runs with at least {offering.min_students} students",
        [offering_ref(offering.id)],
    )


def _room(reach: Reach, guard: Guard) -> Conflict:
    space_id = guard.key[0]
    only = [o.id for o in reach.index.problem.offerings if reach.fitting_spaces(o) == [space_id]]
    message = f"room {space_id} hosts at most one session per block"
    if only:
        message += f", and it is the only room for {listing(only)}"
    return conflict(Rule.SPACE, message, [space_ref(space_id), *map(offering_ref, only)])


def _led_by(reach: Reach, staff_id: str) -> list[str]:
    return [o.id for o in reach.index.problem.offerings if staff_id in o.staff]


def _staff_once(reach: Reach, guard: Guard) -> Conflict:
    staff_id = guard.key[0]
    led = _led_by(reach, staff_id)
    return conflict(
        Rule.STAFF,
        f"{staff_id} leads at most one session per block, and leads {listing(led)}",
        [staff_ref(staff_id), *map(offering_ref, led)],
    )


def _staff_max(reach: Reach, guard: Guard) -> Conflict:
    staff_id = guard.key[0]
    limit = reach.index.staff[staff_id].max_sessions or 0
    led = _led_by(reach, staff_id)
    return conflict(
        Rule.STAFF,
        f"{staff_id} leads at most {plural(limit, 'session')} a week ({listing(led)})",
        [staff_ref(staff_id), *map(offering_ref, led)],
    )


def _resource(reach: Reach, guard: Guard) -> Conflict:
    resource_id, block = guard.key
    quantity = reach.index.resources[resource_id].quantity
    reserved = reach.index.reserved_units.get((block, resource_id), 0)
    held = f", {reserved} of them reserved" if reserved else ""
    return conflict(
        Rule.RESOURCES,
        f"block {block} has {quantity} {resource_id} in all{held}",
        [resource_ref(resource_id), block_ref(block)],
    )


def _avoid(reach: Reach, guard: Guard) -> Conflict:
    first, second = guard.key
    return conflict(
        Rule.AVOID,
        f"{first} and {second} must be kept apart (never in the same session)",
        [student_ref(first), student_ref(second)],
    )


def _lock(reach: Reach, guard: Guard) -> Conflict:
    student_id, block = guard.key
    offering_id = reach.index.locks[student_id][block]
    return conflict(
        Rule.LOCKS_AND_REQUESTS,
        f"{student_id} is locked into {offering_id} in block {block}",
        [student_ref(student_id), offering_ref(offering_id), block_ref(block)],
    )


def _request(reach: Reach, guard: Guard) -> Conflict:
    request = next(r for r in reach.index.problem.requests if r.id == guard.key[0])
    offering = reach.index.offerings[request.offering]
    student = reach.index.students[request.student]
    context, refs, runnable = where_it_runs(reach, offering)
    return conflict(
        Rule.LOCKS_AND_REQUESTS,
        f"{request.staff} requires {request.student} in {request.offering} (request {request.id}){context}"
        f"{_away(student, runnable)}",
        [student_ref(request.student), offering_ref(request.offering), staff_ref(request.staff), *refs],
    )


DESCRIBE: dict[str, Callable[[Reach, Guard], Conflict]] = {
    PLACED: _placed,
    NEED: _need,
    REPEAT: _repeat,
    RUNS: _runs,
    CAPACITY: _capacity,
    MINIMUM: _minimum,
    ROOM: _room,
    STAFF_ONCE: _staff_once,
    STAFF_MAX: _staff_max,
    RESOURCE: _resource,
    AVOID: _avoid,
    LOCK: _lock,
    REQUEST: _request,
}
assert set(DESCRIBE) == set(GROUPS)


def _merged_placed(reach: Reach, guards: list[Guard]) -> Conflict:
    students = [g.key[0] for g in guards]
    return conflict(
        Rule.ONE_SESSION_PER_BLOCK,
        f"{len(students)} students ({listing(students)}) must each be in a session in every block they are available",
        map(student_ref, students),
    )


def describe_core(reach: Reach, guards: list[Guard]) -> list[Conflict]:
    """One conflict per guard, the school's specific facts first, many "placed" guards merged."""
    ordered = sorted(guards, key=lambda g: (-GROUPS.index(g.group), g.key))
    placed = [g for g in ordered if g.group == PLACED]
    out = [DESCRIBE[g.group](reach, g) for g in ordered if g.group != PLACED or len(placed) < MERGE_PLACED]
    if len(placed) >= MERGE_PLACED:
        out.append(_merged_placed(reach, placed))
    return out
