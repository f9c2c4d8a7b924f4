"""Small changes to a planned week, as schools meet them, for re-plan tests and benchmarks.

Each function takes a problem and a valid plan for it and returns the problem after the change,
with the plan's placements as ``previous``: what a scheduler re-plans when a teacher calls in sick
for one block, a room is closed for one block, or some students change their choices. The choice
of what changes is seeded, so a benchmark and a test see the same change.
"""

from __future__ import annotations

import random

from scheduler.domain.plan import Plan
from scheduler.domain.problem import Placement, Problem

SCENARIOS = ("teacher-away", "room-closed", "choices-changed")


def as_previous(problem: Problem, plan: Plan) -> Problem:
    """``problem`` with ``plan``'s placements as its previous plan."""
    offering_of = {s.id: s.offering for s in plan.sessions}
    previous = [Placement(student=a.student, block=a.block, offering=offering_of[a.session]) for a in plan.assignments]
    return problem.model_copy(update={"previous": previous})


def _choice_sessions(problem: Problem, plan: Plan) -> list:
    kinds = {o.id: o.kind for o in problem.offerings}
    return sorted((s for s in plan.sessions if kinds[s.offering] == "choice"), key=lambda s: s.id)


def teacher_away(problem: Problem, plan: Plan, seed: int = 0) -> Problem:
    """The teacher of one of the plan's fuller choice sessions is away in that session's block."""
    sessions = _choice_sessions(problem, plan)
    sessions.sort(key=lambda s: -len(s.students))
    session = random.Random(seed).choice(sessions[: max(1, len(sessions) // 4)])
    away = session.staff[0]
    staff = [
        m.model_copy(update={"unavailable": sorted({*m.unavailable, session.block})}) if m.id == away else m
        for m in problem.staff
    ]
    return as_previous(problem.model_copy(update={"staff": staff}), plan)


def room_closed(problem: Problem, plan: Plan, seed: int = 0) -> Problem:
    """The room of one of the plan's choice sessions is closed for that session's block."""
    session = random.Random(seed).choice(_choice_sessions(problem, plan))
    spaces = [
        s.model_copy(update={"unavailable": sorted({*s.unavailable, session.block})}) if s.id == session.space else s
        for s in problem.spaces
    ]
    return as_previous(problem.model_copy(update={"spaces": spaces}), plan)


def choices_changed(problem: Problem, plan: Plan, seed: int = 0, share: float = 0.05) -> Problem:
    """``share`` of the students with choices re-rank them: one of their choices is swapped for a
    choice offering open to their grade that they had not listed, and the list is shuffled."""
    rng = random.Random(seed)
    choice_offerings = sorted((o for o in problem.offerings if o.kind == "choice"), key=lambda o: o.id)
    with_choices = [s for s in problem.students if s.choices]
    changed = {s.id for s in rng.sample(with_choices, max(1, round(len(with_choices) * share)))}
    students = []
    for student in problem.students:
        if student.id in changed:
            unlisted = [o.id for o in choice_offerings if o.open_to(student.grade) and o.id not in student.choices]
            choices = list(student.choices)
            if unlisted:
                choices[rng.randrange(len(choices))] = rng.choice(unlisted)
            rng.shuffle(choices)
            student = student.model_copy(update={"choices": choices})
        students.append(student)
    return as_previous(problem.model_copy(update={"students": students}), plan)


def apply_scenario(name: str, problem: Problem, plan: Plan, seed: int = 0) -> Problem:
    """The change called ``name`` (one of ``SCENARIOS``)."""
    changes = {"teacher-away": teacher_away, "room-closed": room_closed, "choices-changed": choices_changed}
    if name not in changes:
        raise ValueError(f"unknown scenario {name!r}: expected one of {', '.join(SCENARIOS)}")
    return changes[name](problem, plan, seed)
