"""Infeasible variants: a feasible generated school with one small change that provably breaks one kind of fact.

Each variant returns the changed problem and a short machine-readable ``cause`` (a dict whose
``kind`` is the variant), so a test or a benchmark can check an explanation against it. Every
cause is a fact on the data alone, needing no solver to see:

* ``seats``: in one block, the spaces open then (not unavailable, not reserved) seat fewer
  students than are present. Rule 1 places every present student in a session, rule 6 gives each
  session its own space and at most its capacity.
* ``needs``: a student needs k sessions of an intervention whose only interventionist is now away
  in all but k - 1 blocks it may run in (rules 3, 5, 7).
* ``staff``: an offering led by one teacher must now run ``runs.min`` times, above that
  teacher's ``max_sessions`` (rules 5, 7).
* ``resources``: in one block a reservation holds every unit of a resource while a locked student
  attends a session that uses it (rules 8, 10).
* ``locks``: more students are locked into one session than any space it may use seats (rules 6, 10).

The change is chosen so other facts stay as they were where it is cheap to: the locked students
have no needs, locks or requests and do not avoid each other; the staff member still leads
sessions (when the offering may run twice); small-group rooms stay open; the seats block has the
fewest locks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import parse_problem
from scheduler.domain.problem import Offering, Problem
from scheduler.generate.builder import GeneratedSchool
from scheduler.generate.state import Record

Cause = dict[str, Any]


@dataclass(frozen=True)
class InfeasibleSchool:
    problem: Problem
    data: dict[str, Any]
    cause: Cause


def infeasible_kinds() -> tuple[str, ...]:
    """The names ``make_infeasible`` (and ``scheduler generate --infeasible``) accept."""
    return tuple(_VARIANTS)


def make_infeasible(school: GeneratedSchool, kind: str) -> InfeasibleSchool:
    """``school`` changed so that it breaks the facts of ``kind`` (module doc); ValueError for an
    unknown kind, or a school too small to break that way."""
    if kind not in _VARIANTS:
        raise ValueError(f"unknown infeasible kind {kind!r}; valid kinds: {', '.join(_VARIANTS)}")
    data = copy.deepcopy(school.data)
    data["school"]["id"] = f"{data['school']['id']}-no-{kind}"
    cause = _VARIANTS[kind](school, data)
    return InfeasibleSchool(parse_problem(data), data, cause)


def _by_id(records: list[Record]) -> dict[str, Record]:
    return {r["id"]: r for r in records}


# ---- seats ---------------------------------------------------------------------------------------
def _break_seats(school: GeneratedSchool, data: dict[str, Any]) -> Cause:
    """Close the biggest rooms in the block with the fewest locks (then the most students) until the
    rooms left open there seat fewer than the students present."""
    problem, index = school.problem, ProblemIndex(school.problem)
    locked = {b: sum(1 for lock in problem.locks if lock.block == b) for b in index.block_ids}
    present = {b: sum(1 for s in problem.students if b not in s.unavailable) for b in index.block_ids}
    block = min(index.block_ids, key=lambda b: (locked[b], -present[b]))
    open_spaces = [s for s in problem.spaces if block not in s.unavailable and s.id not in index.reserved_spaces[block]]
    order = sorted(open_spaces, key=lambda s: ("small-group" in s.features, -s.capacity, s.id))
    seats = sum(s.capacity for s in open_spaces)
    closed: list[str] = []
    spaces = _by_id(data["spaces"])
    for space in order:
        if seats < present[block]:
            break
        spaces[space.id]["unavailable"] = [*spaces[space.id]["unavailable"], block]
        seats -= space.capacity
        closed.append(space.id)
    return {"kind": "seats", "block": block, "students": present[block], "seats": seats, "closed": closed}


# ---- needs ---------------------------------------------------------------------------------------
def _break_needs(school: GeneratedSchool, data: dict[str, Any]) -> Cause:
    """The interventionist of a student's biggest need is away in all but sessions - 1 of its blocks."""
    problem, index = school.problem, ProblemIndex(school.problem)
    candidates = [(n.sessions, s.id, n.offering) for s in problem.students for n in s.needs]
    if not candidates:
        raise ValueError("the school has no student with a need to break")
    sessions, student, oid = max(candidates, key=lambda c: (c[0], c[1]))
    offering = index.offerings[oid]
    (staff,) = offering.staff
    runs = [b for b in index.run_blocks(offering) if b not in index.students[student].unavailable]
    keep = runs[: sessions - 1]
    member = _by_id(data["staff"])[staff]
    member["unavailable"] = [b for b in index.block_ids if b not in keep]
    return {"kind": "needs", "student": student, "offering": oid, "sessions": sessions, "staff": staff, "blocks": keep}


# ---- staff ---------------------------------------------------------------------------------------
def _break_staff(school: GeneratedSchool, data: dict[str, Any]) -> Cause:
    """An offering with one teacher and enough students to fill it must run ``runs.max`` times; its
    teacher may lead one session fewer."""
    problem, index = school.problem, ProblemIndex(school.problem)
    rankers = {o.id: sum(1 for s in problem.students if o.id in s.choices) for o in problem.offerings}

    def score(o: Offering) -> tuple[bool, int, str]:
        runs = min(index.runs_max(o), len(index.run_blocks(o)))
        return (rankers[o.id] >= runs * o.min_students, runs, o.id)

    single = [o for o in problem.offerings if o.kind == "choice" and len(o.staff) == 1 and index.run_blocks(o)]
    if not single:
        raise ValueError("the school has no offering led by a single teacher")
    offering = max(single, key=score)
    runs = score(offering)[1]
    (staff,) = offering.staff
    _by_id(data["offerings"])[offering.id]["runs"]["min"] = runs
    _by_id(data["staff"])[staff]["max_sessions"] = runs - 1
    return {"kind": "staff", "offering": offering.id, "staff": staff, "runs_min": runs, "max_sessions": runs - 1}


# ---- resources -----------------------------------------------------------------------------------
def _break_resources(school: GeneratedSchool, data: dict[str, Any]) -> Cause:
    """Lock a student into a session that uses a resource (one the witness has, when it has one) and
    reserve every unit of that resource in that block."""
    problem, index = school.problem, ProblemIndex(school.problem)
    choice = _resource_placement(school, index) or _resource_lock(problem, index)
    if choice is None:
        raise ValueError("no session using a resource can be locked in this school")
    student, block, oid, resource = choice
    data["locks"].append({"student": student, "block": block, "offering": oid})
    quantity = index.resources[resource].quantity
    number = len(data["reservations"]) + 1
    data["reservations"].append({"id": f"r-all-{number}", "block": block, "resources": {resource: quantity}})
    return {
        "kind": "resources",
        "block": block,
        "resource": resource,
        "quantity": quantity,
        "reserved": quantity,
        "locked": {"student": student, "offering": oid},
    }


def _resource_placement(school: GeneratedSchool, index: ProblemIndex) -> tuple[str, str, str, str] | None:
    """A witness placement in an offering using a resource, of a student with no lock in that block."""
    for (student, block), oid in sorted(school.witness.placements.items()):
        uses = index.offerings[oid].resources
        if uses and block not in index.locks.get(student, {}):
            return student, block, oid, uses[0].resource
    return None


def _resource_lock(problem: Problem, index: ProblemIndex) -> tuple[str, str, str, str] | None:
    """Else any offering using a resource that can run in a block where a free student may attend it."""
    for offering in (o for o in problem.offerings if o.kind == "choice" and o.resources):
        for block in index.run_blocks(offering):
            for student in problem.students:
                free = block not in student.unavailable and block not in index.locks.get(student.id, {})
                if free and offering.open_to(student.grade) and not student.needs:
                    return student.id, block, offering.id, offering.resources[0].resource
    return None


# ---- locks ---------------------------------------------------------------------------------------
def _break_locks(school: GeneratedSchool, data: dict[str, Any]) -> Cause:
    """Lock one student more than its largest fitting space seats into one session (no resources,
    teachers free there), choosing students without needs, locks or requests, no two of whom avoid
    each other."""
    problem, index = school.problem, ProblemIndex(school.problem)
    pulled = {lock.student for lock in problem.locks} | {r.student for r in problem.requests}
    for offering in sorted(
        (o for o in problem.offerings if o.kind == "choice" and not o.resources), key=lambda o: (o.capacity, o.id)
    ):
        for block in index.run_blocks(offering):
            spaces = index.spaces_for(offering, block)
            if not spaces:
                continue
            seats = min(offering.capacity, max(s.capacity for s in spaces))
            free = [
                s.id
                for s in problem.students
                if offering.open_to(s.grade) and block not in s.unavailable and not s.needs and s.id not in pulled
            ]
            chosen = _apart(free, index.avoid_pairs, seats + 1)
            if len(chosen) > seats:
                data["locks"] += [{"student": sid, "block": block, "offering": offering.id} for sid in chosen]
                return {"kind": "locks", "offering": offering.id, "block": block, "locked": seats + 1, "seats": seats}
    raise ValueError("the school has too few students to overfill a session with locks")


def _apart(students: list[str], avoid_pairs: set[frozenset[str]], most: int) -> list[str]:
    """Up to ``most`` of ``students``, in order, no two of whom avoid each other."""
    chosen: list[str] = []
    for sid in students:
        if len(chosen) >= most:
            break
        if all(frozenset((sid, other)) not in avoid_pairs for other in chosen):
            chosen.append(sid)
    return chosen


_VARIANTS: dict[str, Callable[[GeneratedSchool, dict[str, Any]], Cause]] = {
    "seats": _break_seats,
    "needs": _break_needs,
    "staff": _break_staff,
    "resources": _break_resources,
    "locks": _break_locks,
}
