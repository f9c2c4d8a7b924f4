"""Fast checks for the common reasons a school's data cannot be scheduled.

Each check looks at one kind of fact and returns conflicts that *each alone* prove the problem
infeasible (they only count what the hard rules force, using the blockers of ``reach``), so a
scheduler can fix them one by one. They run in well under a second even for a large school, before
any solver; the CP-SAT core in ``core.py`` handles what they cannot see (interactions between many
students and sessions). The checks live by theme in ``lock_checks``, ``demand_checks`` and
``student_checks``; this module runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Problem
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
from scheduler.solver.explain.student_checks import check_block_seats, check_student_blocks, check_student_load

Precheck = Callable[[Reach], list[Conflict]]


PRECHECKS: tuple[Precheck, ...] = (
    check_reserved_resources,
    check_locks_can_run,
    check_locks_together,
    check_lock_counts,
    check_locked_resources,
    check_runs_min,
    check_needs_reach,
    check_requests_reach,
    check_offering_seats,
    check_staff_load,
    check_student_load,
    check_student_blocks,
    check_block_seats,
)


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
