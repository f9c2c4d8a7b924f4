"""The ten hard rules as plain constraint rows, each rule of each entity behind its own guard.

Only what can happen gets a variable: a session per (offering, block) the offering may run in (an
allowed block, its staff free, a fitting free room), a room choice per session and fitting room, and
a student variable per (student, offering, block) the student may attend (rule 2) in a block they
are available. Those facts are the data's own limits and are never blamed themselves; a conflict's
message quotes them as context ("reading-t3 can run only in mon and fri").

Every other rule is stated per entity under a guard: "s-0001's needs", "room lab-2 hosts one session
per block", "lock of s-0003 in mon"... Rows are kept solver-free (variables are keys, not CP-SAT
objects) so ``model.py`` can build the full model once and, while shrinking a core, a slice holding
only what the core's guards touch. Guards whose rule can never bind (a room only one offering can
use, a capacity nobody can fill) are not created, so the solver only juggles switches that matter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.domain.index import ProblemIndex
from scheduler.domain.rules import Rule

# Guard groups are named after the ``Rule`` they state ("<rule>", or "<rule>.<part>" for a rule stated
# in several parts), the same names the plan checker and the prechecks use. Rule 2 has no group: it
# is stated by which student variables exist (only allowed triples get one) and is never blamed.
PLACED = Rule.ONE_SESSION_PER_BLOCK.value
NEED = Rule.NEEDS_MET.value
REPEAT = Rule.NOT_REPEATED.value
RUNS = Rule.OFFERING_RUNS.value
ROOM = f"{Rule.SPACE.value}.room"
CAPACITY = f"{Rule.SPACE.value}.capacity"
MINIMUM = f"{Rule.SPACE.value}.minimum"
STAFF_ONCE = f"{Rule.STAFF.value}.once_per_block"
STAFF_MAX = f"{Rule.STAFF.value}.max_sessions"
RESOURCE = Rule.RESOURCES.value
AVOID = Rule.AVOID.value
LOCK = f"{Rule.LOCKS_AND_REQUESTS.value}.lock"
REQUEST = f"{Rule.LOCKS_AND_REQUESTS.value}.request"

# Deletion order when shrinking a core: generic guards are dropped first, so the explanation that
# survives is phrased in the school's specific facts (needs, locks, requests, avoid pairs).
GROUPS = (PLACED, ROOM, CAPACITY, MINIMUM, RESOURCE, STAFF_ONCE, STAFF_MAX, RUNS, REPEAT, AVOID, REQUEST, LOCK, NEED)


def group_rule(group: str) -> Rule:
    """The rule a guard group states: "space.room" -> Rule.SPACE."""
    return Rule(group.split(".", 1)[0])


Key = tuple[str, ...]  # ("x", student, offering, block), ("run", offering, block), ("room", offering, block, space)
Term = tuple[Key, int]  # a variable and its coefficient (in an "or" row: 1 the literal, -1 its negation)


@dataclass(frozen=True)
class Guard:
    """One switchable rule of one entity: ``group`` from GROUPS and the ids it is about."""

    group: str
    key: tuple[str, ...]

    @property
    def rule(self) -> Rule:
        return group_rule(self.group)

    @property
    def order(self) -> tuple[int, tuple[str, ...]]:
        return GROUPS.index(self.group), self.key


@dataclass(frozen=True)
class Row:
    """One constraint: "or" (a clause), "linear" (lo <= sum <= hi) or "never" (its guard cannot hold)."""

    kind: str
    terms: tuple[Term, ...] = ()
    lo: int = 0
    hi: int = 0
    guard: Guard | None = None


def x_key(student: str, offering: str, block: str) -> Key:
    return ("x", student, offering, block)


def run_key(offering: str, block: str) -> Key:
    return ("run", offering, block)


def room_key(offering: str, block: str, space: str) -> Key:
    return ("room", offering, block, space)


def session_of(key: Key) -> tuple[str, str]:
    """The (offering, block) session a variable belongs to."""
    return (key[2], key[3]) if key[0] == "x" else (key[1], key[2])


def ones(keys: list[Key]) -> tuple[Term, ...]:
    return tuple((k, 1) for k in keys)


@dataclass
class Rows:
    """Every row of the model, by role, with the variables indexed the way the rules read them."""

    structure: dict[tuple[str, str], list[Row]] = field(default_factory=lambda: defaultdict(list))
    slots: dict[tuple[str, str], list[Key]] = field(default_factory=lambda: defaultdict(list))
    guarded: dict[Guard, list[Row]] = field(default_factory=lambda: defaultdict(list))
    by_session: dict[tuple[str, str], list[Key]] = field(default_factory=lambda: defaultdict(list))
    by_attendance: dict[tuple[str, str], list[Key]] = field(default_factory=lambda: defaultdict(list))
    rooms: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    attend: set[Key] = field(default_factory=set)

    def add(self, guard: Guard, row: Row) -> None:
        self.guarded[guard].append(Row(row.kind, row.terms, row.lo, row.hi, guard))

    def never(self, guard: Guard) -> None:
        """The guarded rule cannot hold at all (it needs a variable the data rules out)."""
        self.guarded[guard].append(Row("never", guard=guard))


def build_rows(index: ProblemIndex) -> Rows:
    """All rows of the feasibility model of ``index``'s problem."""
    rows = Rows()
    _sessions(index, rows)
    _students(index, rows)
    for add in (
        _placed,
        _needs,
        _repeat,
        _runs,
        _capacity,
        _minimum,
        _rooms,
        _staff,
        _resources,
        _avoid,
        _locks,
        _requests,
    ):
        add(index, rows)
    return rows


# ---- structure (never blamed) --------------------------------------------------------------------
def _sessions(index: ProblemIndex, rows: Rows) -> None:
    """Rules 5 to 7 facts that need no other session: a possible session per runnable block, one room each."""
    for offering in index.problem.offerings:
        for block in index.run_blocks(offering):
            spaces = [s.id for s in index.spaces_for(offering, block)]
            if spaces:
                rows.rooms[(offering.id, block)] = spaces
                terms = (*ones([room_key(offering.id, block, s) for s in spaces]), (run_key(offering.id, block), -1))
                rows.structure[(offering.id, block)].append(Row("linear", terms, 0, 0))


def _students(index: ProblemIndex, rows: Rows) -> None:
    """Rules 1, 2 and 5 structure: allowed triples only, attending means the session runs, and a
    session with no students does not run."""
    for student in index.problem.students:
        options = index.options(student)
        for block in index.available_blocks(student):
            for offering_id in options:
                if (offering_id, block) not in rows.rooms:
                    continue
                x = x_key(student.id, offering_id, block)
                rows.structure[(offering_id, block)].append(Row("or", ((x, -1), (run_key(offering_id, block), 1))))
                rows.by_session[(offering_id, block)].append(x)
                rows.by_attendance[(student.id, offering_id)].append(x)
                rows.slots[(student.id, block)].append(x)
                rows.attend.add(x)
    for session in rows.rooms:
        students = rows.by_session.get(session, [])
        rows.structure[session].append(Row("or", (*ones(students), (run_key(*session), -1))))


# ---- guarded rules ---------------------------------------------------------------------------
def _placed(index: ProblemIndex, rows: Rows) -> None:
    """Rule 1: the student is in a session in every block they are available."""
    for student in index.problem.students:
        guard = Guard(PLACED, (student.id,))
        for block in index.available_blocks(student):
            slot = rows.slots.get((student.id, block), [])
            if not slot:
                rows.never(guard)
                break
            rows.add(guard, Row("or", ones(slot)))


def _needs(index: ProblemIndex, rows: Rows) -> None:
    """Rule 3: each need met exactly."""
    for student in index.problem.students:
        for need in student.needs:
            guard = Guard(NEED, (student.id, need.offering))
            xs = rows.by_attendance.get((student.id, need.offering), [])
            if len(xs) < need.sessions:
                rows.never(guard)
            else:
                rows.add(guard, Row("linear", ones(xs), need.sessions, need.sessions))


def _repeat(index: ProblemIndex, rows: Rows) -> None:
    """Rule 4: a non-repeatable offering attended at most once per student."""
    for (_, offering_id), xs in rows.by_attendance.items():
        if len(xs) > 1 and not index.offerings[offering_id].is_repeatable:
            rows.add(Guard(REPEAT, (offering_id,)), Row("linear", ones(xs), 0, 1))


def _runs(index: ProblemIndex, rows: Rows) -> None:
    """Rule 5: runs.min <= sessions <= runs.max."""
    runs: dict[str, list[Key]] = defaultdict(list)
    for offering_id, block in rows.rooms:
        runs[offering_id].append(run_key(offering_id, block))
    for offering in index.problem.offerings:
        keys = runs.get(offering.id, [])
        low, high = offering.runs.min, index.runs_max(offering)
        guard = Guard(RUNS, (offering.id,))
        if low > len(keys):
            rows.never(guard)
        elif low > 0 or high < len(keys):
            rows.add(guard, Row("linear", ones(keys), low, high))


def _capacity(index: ProblemIndex, rows: Rows) -> None:
    """Rule 6: enrollment at most min(offering capacity, room capacity)."""
    for (offering_id, block), spaces in rows.rooms.items():
        offering = index.offerings[offering_id]
        xs = rows.by_session.get((offering_id, block), [])
        seats = {s: index.seat_limit(offering, index.spaces[s]) for s in spaces}
        if len(xs) > min(seats.values()):
            terms = (*ones(xs), *((room_key(offering_id, block, s), -n) for s, n in seats.items()))
            rows.add(Guard(CAPACITY, (offering_id,)), Row("linear", terms, -sum(seats.values()), 0))


def _minimum(index: ProblemIndex, rows: Rows) -> None:
    """Rule 6: enrollment at least min_students when the session runs."""
    for offering_id, block in rows.rooms:
        low = index.offerings[offering_id].min_students
        if low > 1:
            xs = rows.by_session.get((offering_id, block), [])
            terms = (*ones(xs), (run_key(offering_id, block), -low))
            rows.add(Guard(MINIMUM, (offering_id,)), Row("linear", terms, 0, len(xs)))


def _rooms(index: ProblemIndex, rows: Rows) -> None:
    """Rule 6: a room hosts at most one session per block."""
    hosted: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for (offering_id, block), spaces in rows.rooms.items():
        for space_id in spaces:
            hosted[(space_id, block)].append(room_key(offering_id, block, space_id))
    for (space_id, _), keys in hosted.items():
        if len(keys) > 1:
            rows.add(Guard(ROOM, (space_id,)), Row("linear", ones(keys), 0, 1))


def _staff(index: ProblemIndex, rows: Rows) -> None:
    """Rule 7: one session per block per staff member, at most max_sessions a week."""
    led: dict[str, dict[str, list[Key]]] = defaultdict(lambda: defaultdict(list))
    for offering_id, block in rows.rooms:
        for staff_id in index.offerings[offering_id].staff:
            led[staff_id][block].append(run_key(offering_id, block))
    for staff_id, blocks in led.items():
        for keys in blocks.values():
            if len(keys) > 1:
                rows.add(Guard(STAFF_ONCE, (staff_id,)), Row("linear", ones(keys), 0, 1))
        limit = index.staff[staff_id].max_sessions
        every = [k for keys in blocks.values() for k in keys]
        if limit is not None and len(every) > limit:
            rows.add(Guard(STAFF_MAX, (staff_id,)), Row("linear", ones(every), 0, limit))


def _resources(index: ProblemIndex, rows: Rows) -> None:
    """Rule 8: per_session + per_student x enrollment, plus reservations, within quantity."""
    use: dict[tuple[str, str], list[Term]] = defaultdict(list)
    for offering_id, block in rows.rooms:
        for item in index.offerings[offering_id].resources:
            if item.per_session:
                use[(item.resource, block)].append((run_key(offering_id, block), item.per_session))
            if item.per_student:
                xs = rows.by_session.get((offering_id, block), [])
                use[(item.resource, block)].extend((x, item.per_student) for x in xs)
    for (resource_id, block), terms in use.items():
        free = index.resources[resource_id].quantity - index.reserved_units.get((block, resource_id), 0)
        most = sum(c for _, c in terms)
        if most > free:
            rows.add(Guard(RESOURCE, (resource_id, block)), Row("linear", tuple(terms), min(0, free), free))
    for (block, resource_id), units in index.reserved_units.items():
        resource = index.resources.get(resource_id)
        if resource is not None and units > resource.quantity:
            rows.never(Guard(RESOURCE, (resource_id, block)))


def _avoid(index: ProblemIndex, rows: Rows) -> None:
    """Rule 9: two students who avoid each other never share a session."""
    for pair in sorted(index.avoid_pairs, key=sorted):
        first, second = sorted(pair)
        guard = Guard(AVOID, (first, second))
        for (student_id, offering_id), xs in rows.by_attendance.items():
            if student_id != first:
                continue
            for x in xs:
                other = x_key(second, offering_id, x[3])
                if other in rows.attend:
                    rows.add(guard, Row("or", ((x, -1), (other, -1))))


def _locks(index: ProblemIndex, rows: Rows) -> None:
    """Rule 10: every lock holds."""
    for lock in index.problem.locks:
        guard = Guard(LOCK, (lock.student, lock.block))
        x = x_key(lock.student, lock.offering, lock.block)
        if x in rows.attend:
            rows.add(guard, Row("or", ((x, 1),)))
        else:
            rows.never(guard)


def _requests(index: ProblemIndex, rows: Rows) -> None:
    """Rule 10: every required request met at least once."""
    for request in index.problem.requests:
        if request.priority != "required":
            continue
        guard = Guard(REQUEST, (request.id,))
        xs = rows.by_attendance.get((request.student, request.offering), [])
        if xs:
            rows.add(guard, Row("or", ones(xs)))
        else:
            rows.never(guard)
