"""How a plan relates to the ``previous`` plan it was asked to keep: what it kept, what it moved, why.

A re-plan after a small change (a teacher away for one block, a room closed, a few students'
choices changed) should move only what the change forces: every moved placement is a changed
calendar event for a student who did nothing. Each previous placement the plan does not keep is
given the first reason that applies:

* ``student away``: the student is now unavailable in that block;
* ``no longer allowed``: the student may no longer attend the offering (choice withdrawn, need or
  request removed, grade);
* ``session cannot run``: the offering cannot run in that block any more (its staff is away or
  holds a reservation, the block is no longer allowed, or no fitting room is open);
* ``moved``: none of the above: the placement could have been kept, and the plan moved it (to
  seat someone the change displaced, or for a better plan).

``unaffected_kept`` is the share of the placements no change touched that the plan keeps.
"""

from __future__ import annotations

from collections import Counter

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Plan, PreviousChanges
from scheduler.domain.problem import Placement, Problem

MOVED = "moved"


class ForcedChanges:
    """Why the problem as it is now forbids keeping a previous placement (None when it allows it),
    with each student's options and each session's room check computed once (10,000 previous
    placements of 2,000 students: 5 s without the caches)."""

    def __init__(self, index: ProblemIndex) -> None:
        self.index = index
        self._options: dict[str, set[str]] = {}
        self._runs: dict[tuple[str, str], bool] = {}

    def reason(self, placement: Placement) -> str | None:
        index = self.index
        student = index.students.get(placement.student)
        if student is None or placement.block not in index.blocks:
            return "no longer allowed"
        if placement.block in student.unavailable:
            return "student away"
        if student.id not in self._options:
            self._options[student.id] = set(index.options(student))
        if placement.offering not in self._options[student.id]:
            return "no longer allowed"
        key = (placement.offering, placement.block)
        if key not in self._runs:
            offering = index.offerings[placement.offering]
            self._runs[key] = index.can_run(offering, placement.block) and bool(
                index.spaces_for(offering, placement.block)
            )
        return None if self._runs[key] else "session cannot run"


def previous_changes(problem: Problem, plan: Plan, index: ProblemIndex | None = None) -> PreviousChanges | None:
    """What ``plan`` kept of ``problem.previous``; None when there is no previous plan."""
    if not problem.previous:
        return None
    index = index or ProblemIndex(problem)
    offering_of = {s.id: s.offering for s in plan.sessions}
    placed = {(a.student, a.block): offering_of.get(a.session) for a in plan.assignments}
    reasons: Counter[str] = Counter()
    unaffected = unaffected_kept = 0
    forced_changes = ForcedChanges(index)
    for prev in problem.previous:
        kept = placed.get((prev.student, prev.block)) == prev.offering
        forced = forced_changes.reason(prev)
        if forced is None:
            unaffected += 1
            unaffected_kept += kept
        if not kept:
            reasons[forced or MOVED] += 1
    moved = sum(reasons.values())
    return PreviousChanges(
        previous=len(problem.previous),
        kept=len(problem.previous) - moved,
        moved=moved,
        reasons=dict(sorted(reasons.items())),
        unaffected_kept=unaffected_kept / unaffected if unaffected else 1.0,
    )
