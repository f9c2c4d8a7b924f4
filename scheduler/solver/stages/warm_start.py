"""Stage 1: the first-come-first-served plan (``baseline``), a complete valid plan in well under a
second, so there is always something to return and to beat."""

from __future__ import annotations

from scheduler.domain.plan import Plan
from scheduler.solver.baseline import baseline_plan
from scheduler.solver.run import Run


def warm_start(run: Run) -> Plan:
    run.tracker.enter("warm-start")
    warm = baseline_plan(run.problem, seed=run.settings.seed)
    if warm.status == "feasible":
        run.tracker.found(warm.objective)
    run.tracker.done(objective=warm.objective, status=warm.status)
    return warm
