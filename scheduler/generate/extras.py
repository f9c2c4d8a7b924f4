"""Hard extras of the study-hall witness (loose seats), each added only while the witness keeps every rule.

The study-hall witness runs no ordinary choice session (``runs.min`` is 0 everywhere), only the
interventions, the study halls and what locks and requests open:

* Locks and required teacher requests. A lock names a study hall, or a support offering
  (``min_students`` 1) the student ranked; a required request names a support offering led by the
  requesting teacher. Each is added only if the witness can open (or join) that session in a block
  where the student is free: allowed block, teachers free, under ``runs.max`` and ``max_sessions``, a
  fitting unused room, enough resources. A student gets at most one of them, and students with needs
  only get them in blocks their interventions leave free.
* Student unavailability only removes a block the witness does not use for the student's needs.
* Avoid pairs join students (each in at most one pair) who share no intervention and no witness
  session; everyone else then goes to a study hall, the two sides of a pair to different ones
  (there are at least two, with more seats than students).
* Reservations come last (``make_reservations``, shared with the seated witness): by teachers who
  lead no witness session in that block, on rooms the witness leaves unused (never a small-group
  room or a hall) and on resource units it leaves free.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from scheduler.generate.state import Draft, Record

PULL_NOTES = ("quiz retake", "missing lab work", "check-in", "essay conference", "make-up test")


def make_unavailability(d: Draft) -> None:
    """A few students are away one block their needs leave free (a field trip, an appointment)."""
    for student in d.students:
        if d.rng.random() < d.shape.student_away_share:
            free = d.free_blocks(student)
            if free:
                student["unavailable"] = [d.rng.choice(free)]


def make_locks_and_requests(d: Draft) -> None:
    """Locks (into a ranked support offering or a study hall) and teacher pulls, at most one per student."""
    rng, shape = d.rng, d.shape
    students = list(d.students)
    rng.shuffle(students)
    n_locks, n_required = d.scaled(shape.students_per_lock), d.scaled(shape.students_per_required)
    ranked_support = [s for s in students if set(s["choices"]) & set(d.support)]
    made: Counter[str] = Counter()
    for student in ranked_support:
        if made["choice-lock"] >= (n_locks + 1) // 2:
            break
        made["choice-lock"] += _try_choice_lock(d, student)
    for student in students:
        if made["lock"] + made["choice-lock"] >= n_locks and made["required"] >= n_required:
            break
        if student["id"] in d.fixed_slot or not d.free_blocks(student):
            continue
        if made["lock"] + made["choice-lock"] < n_locks:
            made["lock"] += _lock_in_fallback(d, student)
        else:
            made["required"] += _try_required_request(d, student)
    add_preferred_requests(d)


def add_preferred_requests(d: Draft) -> None:
    """Soft teacher requests (half into a choice of the student's, half into a support offering)."""
    rng = d.rng
    for _ in range(d.scaled(d.shape.students_per_preferred)):
        student = rng.choice(d.students)
        oid = rng.choice(student["choices"] if rng.random() < 0.5 else d.support)
        offering = d.offering_by_id[oid]
        if offering["grades"] and student["grade"] in offering["grades"]:
            d.add_request(rng.choice(offering["staff"]), student, oid, "preferred", "would benefit")


def _try_choice_lock(d: Draft, student: Record) -> bool:
    oid = d.rng.choice([o for o in student["choices"] if o in d.support])
    block = d.open_or_join(student, oid)
    if block is None:
        return False
    d.locks.append({"student": student["id"], "block": block, "offering": oid})
    d.fixed_slot.add(student["id"])
    return True


def _lock_in_fallback(d: Draft, student: Record) -> bool:
    block = d.rng.choice(d.free_blocks(student))
    oid = d.rng.choice(d.fallbacks)["id"]
    d.witness.placements[(student["id"], block)] = oid
    d.locks.append({"student": student["id"], "block": block, "offering": oid})
    d.fixed_slot.add(student["id"])
    return True


def _try_required_request(d: Draft, student: Record) -> bool:
    oid = d.rng.choice(d.support)
    if oid in student["choices"] and d.rng.random() < 0.5:
        return False  # prefer pulls into something the student did not pick
    if d.open_or_join(student, oid) is None:
        return False
    offering = d.offering_by_id[oid]
    d.add_request(d.rng.choice(offering["staff"]), student, oid, "required", d.rng.choice(PULL_NOTES))
    d.fixed_slot.add(student["id"])
    return True


def make_avoid_pairs(d: Draft) -> None:
    """Pairs of students (each in at most one pair) who share no intervention and no witness session."""
    rng = d.rng
    paired: set[str] = set()
    by_grade: dict[int, list[Record]] = defaultdict(list)
    for student in d.students:
        by_grade[student["grade"]].append(student)
    per = d.shape.students_per_avoid_pair
    wanted, tries = d.scaled(per), 0
    while wanted and tries < 50 * d.scaled(per):
        tries += 1
        a = rng.choice(d.students)
        b = rng.choice(by_grade[a["grade"]] if rng.random() < 0.7 else d.students)
        if a is b or a["id"] in paired or b["id"] in paired or share_a_session(d, a, b):
            continue
        a["avoid"].append(b["id"])
        if rng.random() < 0.3:
            b["avoid"].append(a["id"])
        paired.update((a["id"], b["id"]))
        wanted -= 1


def share_a_session(d: Draft, a: Record, b: Record) -> bool:
    """Same intervention group (any block), or the same witness session in some block."""
    if {n["offering"] for n in a["needs"]} & {n["offering"] for n in b["needs"]}:
        return True
    places = d.witness.placements
    return any(
        places.get((a["id"], block)) is not None and places.get((a["id"], block)) == places.get((b["id"], block))
        for block in d.block_ids
    )


def fill_fallbacks(d: Draft) -> None:
    """Everyone still free goes to a study hall; avoid partners first, into different halls."""
    partners: dict[str, set[str]] = defaultdict(set)
    for student in d.students:
        for other in student["avoid"]:
            partners[student["id"]].add(other)
            partners[other].add(student["id"])
    order = sorted(d.students, key=lambda s: s["id"] not in partners)
    for block in d.block_ids:
        rosters: dict[str, set[str]] = {f["id"]: set() for f in d.fallbacks}
        for (student, b), oid in d.witness.placements.items():
            if b == block and oid in rosters:
                rosters[oid].add(student)
        for student in order:
            if block in student["unavailable"] or (student["id"], block) in d.witness.placements:
                continue
            options = [
                f
                for f in d.fallbacks
                if len(rosters[f["id"]]) < f["capacity"] and not rosters[f["id"]] & partners[student["id"]]
            ]
            if not options:  # cannot happen: seats > students, two halls, one partner at most
                raise RuntimeError(f"no study hall left for {student['id']} in {block}")
            best = max(options, key=lambda f: f["capacity"] - len(rosters[f["id"]]))
            rosters[best["id"]].add(student["id"])
            d.witness.placements[(student["id"], block)] = best["id"]
        for oid, roster in rosters.items():
            if roster:
                d.witness.spaces[(oid, block)] = d.offering_by_id[oid]["space"]


def make_reservations(d: Draft) -> None:
    """Teachers hold rooms or equipment in blocks where the witness leaves them and the room idle."""
    rng = d.rng
    wanted = d.scaled(d.shape.students_per_reservation)
    made = 0
    for _ in range(10 * wanted):
        if made >= wanted:
            break
        teacher, block = rng.choice(d.teachers), rng.choice(d.block_ids)
        member = d.staff_by_id[teacher]
        if (teacher, block) in d.staff_busy or block in member["unavailable"]:
            continue
        reservation: dict[str, Any] = {"id": f"r-{made + 1}", "staff": teacher, "block": block}
        if rng.random() < 0.7:
            free = [s for s in d.rooms if block not in s["unavailable"] and (s["id"], block) not in d.space_busy]
            if free:
                reservation["space"] = rng.choice(free)["id"]
        if rng.random() < 0.6 or "space" not in reservation:
            rid = rng.choice([r["id"] for r in d.resources])
            spare = d.quantity[rid] - d.units[(block, rid)]
            want = {"chromebooks": 30, "vr-kits": rng.randint(4, 10), "3d-printers": 1}[rid]
            if spare >= 1:
                reservation["resources"] = {rid: min(spare, want)}
        if "space" not in reservation and "resources" not in reservation:
            continue
        if "space" in reservation:
            d.space_busy.add((reservation["space"], block))
        for rid, units in reservation.get("resources", {}).items():
            d.units[(block, rid)] += units
        d.staff_busy.add((teacher, block))
        d.reservations.append(reservation)
        made += 1
