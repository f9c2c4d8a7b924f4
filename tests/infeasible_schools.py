"""Generated schools made infeasible one way at a time, each for a reason a scheduler can check by hand.

``infeasible_school(kind, seed)`` takes ``generate_school(300, seed)`` (feasible by construction) and
changes a few records so that one kind of hard rule can no longer hold, returning the data and what a
good explanation must say (the rule and the entities it must name). Every change is chosen so the
infeasibility follows from simple counting, independent of the code under test:

* ``seats``: rooms are closed in wed until the free rooms' capacities add up to fewer seats than
  the students present (rules 1 and 6).
* ``needs``: a student needing k sessions of an intervention is made unavailable in all but k - 1
  blocks (rules 1 and 3).
* ``staff``: an interventionist leads two groups that must hold f1 and f2 sessions (the largest need,
  and the seats their needs fill at the group's capacity); they are made unavailable until only
  f1 + f2 - 1 blocks are left, enough for either group alone (rule 7).
* ``resources``: an intervention whose students need D sessions in all now uses one headset per
  student, and the school has fewer than D / 5 headsets (rule 8, five blocks).
* ``locks``: a student is locked into one of their choices in a block where its teacher is away
  (rules 7 and 10).

Kept apart from the generator (``scheduler/generate.py``), whose own infeasible variants are
another engineer's work.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from scheduler.domain.rules import Rule
from scheduler.domain.serialize import problem_json
from scheduler.generate import generate_school

KINDS = ("seats", "needs", "staff", "resources", "locks")
BLOCKS = ("mon", "tue", "wed", "thu", "fri")
Data = dict[str, Any]


@dataclass(frozen=True)
class Expected:
    """A good explanation has a conflict of this rule naming (at least) these entities."""

    rule: Rule
    entities: tuple[str, ...]


def generated(students: int = 300, seed: int = 0) -> Data:
    return json.loads(problem_json(generate_school(students, seed)))


def infeasible_school(kind: str, seed: int = 0, students: int = 300) -> tuple[Data, Expected]:
    data = generated(students, seed)
    return data, MAKERS[kind](data)


def _by_id(items: list[Data]) -> dict[str, Data]:
    return {item["id"]: item for item in items}


def _seats(data: Data) -> Expected:
    block = "wed"
    present = sum(1 for s in data["students"] if block not in (s.get("unavailable") or []))
    free = [s for s in data["spaces"] if block not in (s.get("unavailable") or [])]
    closed = []
    for space in sorted(free, key=lambda s: (-s["capacity"], s["id"])):
        if sum(s["capacity"] for s in free if s["id"] not in closed) < present:
            break
        space["unavailable"] = [*(space.get("unavailable") or []), block]
        closed.append(space["id"])
    return Expected(Rule.SPACE, (f"blocks/{block}", *(f"spaces/{s}" for s in closed)))


def _needs(data: Data) -> Expected:
    locked = {lock["student"] for lock in data.get("locks") or []}
    for student in data["students"]:
        needs = student.get("needs") or []
        big = [n for n in needs if n["sessions"] >= 2]
        if student["id"] in locked or not big:
            continue
        need = big[0]
        student["unavailable"] = list(BLOCKS[need["sessions"] - 1 :])
        return Expected(Rule.NEEDS_MET, (f"students/{student['id']}", f"offerings/{need['offering']}"))
    raise AssertionError("no student with a need of two sessions or more")


def _session_floors(data: Data) -> dict[str, int]:
    """intervention -> fewest sessions its needs force: the largest need, and its seats filled."""
    demand: dict[str, list[int]] = defaultdict(list)
    for student in data["students"]:
        for need in student.get("needs") or []:
            demand[need["offering"]].append(need["sessions"])
    capacity = {o["id"]: o["capacity"] for o in data["offerings"]}
    return {o: max(max(n), math.ceil(sum(n) / capacity[o])) for o, n in demand.items()}


def _staff(data: Data) -> Expected:
    floors = _session_floors(data)
    led: dict[str, list[str]] = defaultdict(list)
    for offering in data["offerings"]:
        if offering["id"] in floors:
            led[offering["staff"][0]].append(offering["id"])
    for staff_id, groups in sorted(led.items()):
        if len(groups) != 2:
            continue
        first, second = (floors[g] for g in groups)
        left = first + second - 1
        if max(first, second) <= left < len(BLOCKS):
            _by_id(data["staff"])[staff_id]["unavailable"] = list(BLOCKS[left:])
            return Expected(Rule.STAFF, (f"staff/{staff_id}", *(f"offerings/{g}" for g in groups)))
    raise AssertionError("no interventionist with two groups that fit the week only together")


def _resources(data: Data) -> Expected:
    demand: dict[str, int] = defaultdict(int)
    for student in data["students"]:
        for need in student.get("needs") or []:
            demand[need["offering"]] += need["sessions"]
    offering_id, sessions = max(demand.items(), key=lambda kv: (kv[1], kv[0]))
    quantity = (sessions - 1) // len(BLOCKS)
    assert quantity >= 1, "the busiest intervention needs at least 6 sessions"
    data["resources"].append({"id": "headsets", "name": "Headsets", "quantity": quantity})
    offering = _by_id(data["offerings"])[offering_id]
    offering["resources"] = [*(offering.get("resources") or []), {"resource": "headsets", "per_student": 1}]
    return Expected(Rule.RESOURCES, ("resources/headsets", f"offerings/{offering_id}"))


def _locks(data: Data) -> Expected:
    offerings = _by_id(data["offerings"])
    locked = {lock["student"] for lock in data.get("locks") or []}
    for student in data["students"]:
        if student["id"] in locked or not student.get("choices"):
            continue
        choice = offerings[student["choices"][0]]
        allowed = choice.get("allowed_blocks") or list(BLOCKS)
        free = [b for b in allowed if b not in (student.get("unavailable") or [])]
        if not free:
            continue
        block, teacher = free[0], choice["staff"][0]
        data["locks"].append({"student": student["id"], "block": block, "offering": choice["id"]})
        member = _by_id(data["staff"])[teacher]
        member["unavailable"] = [*(member.get("unavailable") or []), block]
        refs = (f"students/{student['id']}", f"offerings/{choice['id']}", f"blocks/{block}", f"staff/{teacher}")
        return Expected(Rule.LOCKS_AND_REQUESTS, refs)
    raise AssertionError("no student to lock")


MAKERS = {"seats": _seats, "needs": _needs, "staff": _staff, "resources": _resources, "locks": _locks}
