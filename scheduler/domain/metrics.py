"""The plan's metrics, recomputed from the problem and the plan's sessions alone (spec, "Metrics").

Per student over the horizon: *free slots* are the available blocks not taken by needs, locks or
requests; *chosen slots* are placements in the student's own choices; *choice share* = chosen slots /
free slots. Decisions where the spec leaves room:

* Placements come from the running sessions' rosters (sessions without students count nowhere);
  ``assignments`` and ``reason`` are not read, so a mislabelled reason cannot flatter the figures.
* Needs take ``sessions`` slots each (what is required, not what the plan delivers), capped at the
  student's available blocks.
* A lock takes a slot unless it is on one of the student's choices (then the slot stays free and is
  filled with that choice) or on a need offering (the need already took the slot).
* A request on a non-choice, non-need offering takes one slot per offering (several requests for the
  same offering take one), and only when the plan meets it: an unmet preferred request leaves the
  slot free for choices. A lock on that offering already took the slot. A request on a choice is
  that choice.
* Chosen slots: every placement in a choice offering, except that a non-repeatable choice counts once
  however often it is attended; the count is then capped at the student's free slots.
* Students who listed no choices have nothing to honour: they are left out of first_choice_rate,
  choice_fill_rate, students_without_choice and min_choice_share (they still count in ``students``,
  fallback_slots and the need, request and stability figures).
* "Got their first choice" means attending choices[0] at least once, whatever the reason (a lock or a
  request on it counts).
* ``fallback_slots`` counts every placement in a fallback offering, a locked one included.
* A need is met by min(sessions attended, sessions required); a request (either priority) is met when
  the student attends its offering at least once; a ``previous`` placement is kept when the student
  is in a running session of that offering in that block.
* Empty denominators give 1.0; ``kept_from_previous`` is None when the problem has no ``previous``.
* An infeasible plan has no sessions; its metrics are still computed, as those of an empty schedule
  (rates 0 wherever something was wanted). Whether to attach them to the plan is the writer's choice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Metrics, Plan
from scheduler.domain.problem import Problem, Student


@dataclass(frozen=True)
class StudentChoices:
    """One student's choice figures: free slots, chosen slots (capped) and first choice."""

    free: int
    chosen: int
    first: bool

    @property
    def share(self) -> float:
        return self.chosen / self.free if self.free else 1.0


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 1.0


def placements_by_student(plan: Plan) -> dict[str, dict[str, list[str]]]:
    """student -> block -> offerings they attend, from the rosters of running sessions."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for session in plan.sessions:
        for student in dict.fromkeys(session.students):
            out[student][session.block].append(session.offering)
    return out


def _attended(placed: dict[str, list[str]], blocks: set[str]) -> Counter[str]:
    return Counter(o for block, offerings in placed.items() if block in blocks for o in offerings)


def free_slots(index: ProblemIndex, student: Student, attended: Counter[str]) -> int:
    """Available blocks not taken by needs, locks off the choices, or met requests off the choices."""
    available = set(index.available_blocks(student))
    choices = set(student.choices)
    needs = {n.offering for n in student.needs}
    locks = [o for b, o in index.locks.get(student.id, {}).items() if b in available]
    locked = {o for o in locks if o not in choices and o not in needs}
    lock_slots = sum(1 for o in locks if o in locked)
    requested = {r.offering for r in index.requests_by_student.get(student.id, [])}
    request_slots = len({o for o in requested - choices - needs - locked if attended[o] > 0})
    taken = sum(n.sessions for n in student.needs) + lock_slots + request_slots
    return max(0, len(available) - taken)


def chosen_slots(index: ProblemIndex, student: Student, attended: Counter[str]) -> int:
    """Placements in the student's choices; a non-repeatable choice counts once."""
    return sum(
        count if index.offerings[choice].is_repeatable else min(count, 1)
        for choice in student.choices
        if (count := attended[choice]) > 0
    )


def student_choices(index: ProblemIndex, student: Student, placed: dict[str, list[str]]) -> StudentChoices:
    attended = _attended(placed, set(index.available_blocks(student)))
    free = free_slots(index, student, attended)
    chosen = min(free, chosen_slots(index, student, attended))
    first = bool(student.choices) and attended[student.choices[0]] > 0
    return StudentChoices(free=free, chosen=chosen, first=first)


def need_coverage(problem: Problem, placed: dict[str, dict[str, list[str]]]) -> float:
    """Need sessions met (capped at what each need requires) over need sessions required."""
    met = required = 0
    for student in problem.students:
        attended = Counter(o for offerings in placed.get(student.id, {}).values() for o in offerings)
        for need in student.needs:
            required += need.sessions
            met += min(attended[need.offering], need.sessions)
    return _ratio(met, required)


def request_coverage(problem: Problem, placed: dict[str, dict[str, list[str]]]) -> float:
    """Requests (both priorities) whose student attends the offering at least once, over all requests."""
    met = sum(
        1 for r in problem.requests if any(r.offering in offerings for offerings in placed.get(r.student, {}).values())
    )
    return _ratio(met, len(problem.requests))


def kept_from_previous(problem: Problem, placed: dict[str, dict[str, list[str]]]) -> float | None:
    """Share of previous (student, block, offering) placements the plan keeps; None without previous."""
    if not problem.previous:
        return None
    kept = sum(1 for p in problem.previous if p.offering in placed.get(p.student, {}).get(p.block, []))
    return kept / len(problem.previous)


def fallback_slots(index: ProblemIndex, plan: Plan) -> int:
    """Placements (students x running sessions) in fallback offerings."""
    fallbacks = {o.id for o in index.fallback_offerings}
    return sum(len(set(s.students)) for s in plan.sessions if s.offering in fallbacks)


def compute_metrics(problem: Problem, plan: Plan) -> Metrics:
    """The spec's metrics of ``plan``, recomputed from its sessions (see the module docstring)."""
    index = ProblemIndex(problem)
    placed = placements_by_student(plan)
    figures = [student_choices(index, s, placed.get(s.id, {})) for s in problem.students if s.choices]
    with_free = [f for f in figures if f.free > 0]
    return Metrics(
        students=len(problem.students),
        first_choice_rate=_ratio(sum(f.first for f in with_free), len(with_free)),
        choice_fill_rate=_ratio(sum(f.chosen for f in figures), sum(f.free for f in figures)),
        fallback_slots=fallback_slots(index, plan),
        students_without_choice=sum(1 for f in with_free if f.chosen == 0),
        min_choice_share=min((f.share for f in with_free), default=1.0),
        need_coverage=need_coverage(problem, placed),
        request_coverage=request_coverage(problem, placed),
        kept_from_previous=kept_from_previous(problem, placed),
    )
