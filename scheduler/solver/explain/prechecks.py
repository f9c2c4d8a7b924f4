"""Fast checks for the common reasons a school's data cannot be scheduled.

Each check looks at one kind of fact and returns conflicts that *each alone* prove the problem
infeasible (they only count what the hard rules force, using the blockers of ``reach``, and every
bound they compare with is a relaxation of the rules), so a scheduler can fix them one by one. They
run in well under a second even for a 5,000-student school, before any solver; the CP-SAT core in
``core.py`` handles what they cannot see (interactions between many students and sessions). The
checks live by theme in ``lock_checks``, ``demand_checks``, ``student_checks``, ``seat_checks`` and
``resource_checks``; this module runs them in order and says which rules each one reports under.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Problem
from scheduler.domain.rules import Rule
from scheduler.solver.explain.demand_checks import (
    check_needs_reach,
    check_offering_seats,
    check_requests_reach,
    check_runs_min,
    check_staff_load,
)
from scheduler.solver.explain.lock_checks import (
    check_lock_counts,
    check_locked_resources,
    check_locks_can_run,
    check_locks_together,
    check_reserved_resources,
)
from scheduler.solver.explain.reach import Reach
from scheduler.solver.explain.resource_checks import check_block_resource_students, check_resource_demand
from scheduler.solver.explain.seat_checks import check_block_seats
from scheduler.solver.explain.student_checks import check_student_blocks, check_student_load

Precheck = Callable[[Reach], list[Conflict]]

# Every precheck, in the order they run, with the rules its conflicts are reported under.
PRECHECK_RULES: dict[Precheck, tuple[Rule, ...]] = {
    check_reserved_resources: (Rule.RESOURCES,),
    check_locks_can_run: (Rule.LOCKS_AND_REQUESTS,),
    check_locks_together: (Rule.AVOID, Rule.SPACE, Rule.STAFF),
    check_lock_counts: (Rule.NOT_REPEATED, Rule.NEEDS_MET, Rule.OFFERING_RUNS, Rule.STAFF),
    check_locked_resources: (Rule.RESOURCES,),
    check_runs_min: (Rule.OFFERING_RUNS,),
    check_needs_reach: (Rule.NEEDS_MET,),
    check_requests_reach: (Rule.LOCKS_AND_REQUESTS,),
    check_offering_seats: (Rule.NEEDS_MET, Rule.LOCKS_AND_REQUESTS),
    check_staff_load: (Rule.STAFF,),
    check_resource_demand: (Rule.RESOURCES,),
    check_student_load: (Rule.NEEDS_MET, Rule.LOCKS_AND_REQUESTS),
    check_student_blocks: (Rule.ALLOWED_OFFERING, Rule.ONE_SESSION_PER_BLOCK),
    check_block_seats: (Rule.SPACE, Rule.STAFF),
    check_block_resource_students: (Rule.RESOURCES,),
}
PRECHECKS: tuple[Precheck, ...] = tuple(PRECHECK_RULES)


def run_prechecks(problem: Problem | ProblemIndex | Reach) -> list[Conflict]:
    """Every conflict the fast checks find; empty when none of them proves the problem infeasible."""
    if isinstance(problem, Problem):
        problem = ProblemIndex(problem)
    reach = problem if isinstance(problem, Reach) else Reach(problem)
    seen: set[str] = set()
    out = []
    for check in PRECHECKS:
        for found in check(reach):
            if found.message not in seen:
                seen.add(found.message)
                out.append(found)
    return out
