"""Hard extras of the seated witness, each read off the finished witness so it keeps every rule.

* Choices: every offering the witness seats a student in is on their list (or, for a support
  offering they did not rank, a required pull by its teacher).
* Required requests: for a session the witness gives the student, by a teacher who leads it.
* Locks: on a placement the witness makes, half into a ranked choice session, half into a hall.
* ``runs.min``: for some offerings the witness runs, at most the runs it has (each of them keeps
  ``min_students``, since the witness filled them).
* Avoid pairs: the study-hall witness's pairs (each student in at most one), then, with
  ``dense_avoid_share``, students who avoid several others; never two students who share a
  witness session in any block or an intervention group.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.generate import extras
from scheduler.generate.state import Draft


def finish_choices(d: Draft, wishes: dict[str, list[str]], attended: dict[str, set[str]]) -> None:
    """Every witness offering on the student's list, or (support offerings) a required pull instead.

    An offering they did not rank replaces a random entry they are not seated in (never a hot first
    choice), so the witness is not simply everyone's first choice.
    """
    wanted = d.scaled(d.shape.students_per_required)
    pulls = 0
    hot_first = {s["id"]: s["choices"][0] for s in d.students}
    for student in d.students:
        sid = student["id"]
        seated = attended[sid]
        choices = wishes[sid]
        for oid in sorted(seated - set(choices)):
            if oid in d.support and pulls < wanted and sid not in d.fixed_slot:
                offering = d.offering_by_id[oid]
                note = d.rng.choice(extras.PULL_NOTES)
                d.add_request(d.rng.choice(offering["staff"]), student, oid, "required", note)
                d.fixed_slot.add(sid)
                pulls += 1
                continue
            spots = [i for i, c in enumerate(choices) if c not in seated]
            if len(spots) > 1 and d.shape.hot_offerings and spots[0] == 0 and choices[0] == hot_first[sid]:
                spots = spots[1:]
            choices[d.rng.choice(spots)] = oid
        student["choices"] = choices
    _required_on_choices(d, wanted - pulls)


def _required_on_choices(d: Draft, wanted: int) -> None:
    """More required pulls, each for a session the witness already gives the student."""
    placements = d.witness.placements
    students = [s for s in d.students if s["id"] not in d.fixed_slot]
    d.rng.shuffle(students)
    for student in students[: max(0, wanted)]:
        seated = [(b, placements[(student["id"], b)]) for b in d.block_ids if (student["id"], b) in placements]
        chosen = [(b, o) for b, o in seated if o in student["choices"]]
        if chosen:
            _, oid = d.rng.choice(chosen)
            offering = d.offering_by_id[oid]
            d.add_request(d.rng.choice(offering["staff"]), student, oid, "required", d.rng.choice(extras.PULL_NOTES))
            d.fixed_slot.add(student["id"])


def make_locks(d: Draft) -> None:
    """Locks on witness placements: half into a ranked choice session, half into the student's hall."""
    halls = {f["id"] for f in d.fallbacks}
    wanted = d.scaled(d.shape.students_per_lock)
    students = [s for s in d.students if s["id"] not in d.fixed_slot]
    d.rng.shuffle(students)
    made = 0
    for student in students:
        if made >= wanted:
            return
        in_hall = made % 2 == 1
        options = [
            (b, o)
            for b in d.block_ids
            if (o := d.witness.placements.get((student["id"], b))) is not None
            and ((o in halls) if in_hall else (o in student["choices"]))
        ]
        if options:
            block, oid = d.rng.choice(options)
            d.locks.append({"student": student["id"], "block": block, "offering": oid})
            d.fixed_slot.add(student["id"])
            made += 1


def set_runs_min(d: Draft) -> None:
    """Some offerings the witness runs must run at least once (up to the runs the witness has)."""
    if not d.shape.runs_min_share:
        return
    for offering in d.offerings:
        runs = d.runs[offering["id"]]
        if offering["kind"] == "choice" and runs and d.rng.random() < d.shape.runs_min_share:
            offering["runs"]["min"] = d.rng.randint(1, runs)


def make_avoid_pairs(d: Draft) -> None:
    """Pairs as in the study-hall witness, then students who avoid several others (dense avoid)."""
    extras.make_avoid_pairs(d)
    if not d.shape.dense_avoid_share:
        return
    rosters: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (sid, block), oid in d.witness.placements.items():
        rosters[(oid, block)].add(sid)
    groups: dict[str, set[str]] = defaultdict(set)
    for student in d.students:
        for need in student["needs"]:
            groups[need["offering"]].add(student["id"])
    avoided = {frozenset((s["id"], o)) for s in d.students for o in s["avoid"]}
    students = list(d.students)
    d.rng.shuffle(students)
    for student in students[: round(d.n * d.shape.dense_avoid_share)]:
        sid = student["id"]
        mates = {sid}
        for block in d.block_ids:
            oid = d.witness.placements.get((sid, block))
            if oid is not None:
                mates |= rosters[(oid, block)]
        for need in student["needs"]:
            mates |= groups[need["offering"]]
        others = [s for s in d.students if s["id"] not in mates and frozenset((sid, s["id"])) not in avoided]
        for other in d.rng.sample(others, min(len(others), d.rng.randint(*d.shape.dense_avoid_partners))):
            student["avoid"].append(other["id"])
            avoided.add(frozenset((sid, other["id"])))
