"""Stage 0: the fast pre-checks (``explain.prechecks``), before any model is built.

Each conflict they find alone proves the week impossible (seats per block against the rooms that
are open, staff, resources, needs, locks), in well under a second even at 5,000 students. An
infeasible school then gets its explanation at once, instead of a search that can only run out of
time (an 800-student school whose open rooms seat 772 of the 797 students present on Tuesday once
ended "no plan found within 60 s and no proof that none exists").
"""

from __future__ import annotations

from scheduler.domain.plan import Plan
from scheduler.solver.explain.prechecks import run_prechecks
from scheduler.solver.plan_writer import infeasible_plan
from scheduler.solver.run import Run


def proven_infeasible(run: Run) -> Plan | None:
    """The infeasible plan with the pre-checks' conflicts, or None when they find none."""
    tracker = run.tracker
    tracker.enter("prechecks")
    conflicts = run_prechecks(run.inst.index)
    tracker.done(conflicts=len(conflicts))
    if not conflicts:
        return None
    stages = {"stages": tracker.stages}
    return infeasible_plan(run.inst.index, conflicts, solve_seconds=tracker.elapsed(), engine=stages)
