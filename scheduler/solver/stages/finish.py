"""Stage 6: the better of the placed (or polished) plan and the warm start, once the independent
checker (``domain.checker``) confirms it keeps every hard rule, returned with the best proven
bound; or, when the week is infeasible or no plan passes, ``explain`` says why."""

from __future__ import annotations

import math

from scheduler.domain.checker import check_plan
from scheduler.domain.plan import Plan
from scheduler.solver.plan_writer import infeasible_plan, relative_gap
from scheduler.solver.run import Run
from scheduler.solver.stages.warm_start import WarmStart


def valid_plans(run: Run, plans: list[Plan | None]) -> list[Plan]:
    """The feasible plans that the independent checker confirms: a plan that breaks a hard rule is
    never returned, whatever stage made it (the warm start cannot place every locked student when
    the data is contradictory, for example)."""
    run.tracker.enter("check")
    valid = [p for p in plans if p is not None and p.status == "feasible" and not check_plan(run.problem, p)]
    run.tracker.done(valid=len(valid))
    return valid


def finish(run: Run, candidates: list[Plan], warm: WarmStart) -> Plan:
    """The best valid plan (polished, placed or the warm start), with the bound, gap and stages."""
    settings, tracker = run.settings, run.tracker
    best = min(candidates, key=lambda p: p.objective if p.objective is not None else math.inf)
    best.engine = {
        "name": "flexblock",
        "method": "LP bound + session MIP + LNS + student MIP (HiGHS via OR-Tools MathOpt)",
        "seed": settings.seed,
        "workers": settings.workers,
        "time_limit": settings.time_limit,
        "returned": "warm start" if best is warm.plan or best is warm.safety else "optimised",
        # One worker and every stage ended on its planned work: the same input, seed and limit
        # give this same plan again.
        "repeatable": run.one_worker and not tracker.clock_cut,
        "stages": tracker.stages,
    }
    best.solve_seconds = round(tracker.elapsed(), 3)
    if best.status == "feasible" and best.objective is not None:
        # Costs are whole numbers and the plan is one solution: a bound a hair above it is solver
        # tolerance, not information.
        best.bound = None if tracker.bound is None else min(tracker.bound, best.objective)
        best.gap = relative_gap(best.objective, best.bound)
        if best.gap is not None and best.gap <= 1e-6:
            best.status = "optimal"
    return best


def explain(run: Run) -> Plan:
    """The infeasible plan with the conflicts ``explain`` finds (no plan to return)."""
    from scheduler.solver.explain import explain_infeasibility

    tracker = run.tracker
    tracker.enter("explain")
    if run.left() < run.tuning.explain_min_seconds:
        # Out of time: the pre-checks found nothing at the start, and a CP-SAT search now would
        # only overrun the limit (2,000 students, eight blocks, 10 s: 37 s). "Not known yet".
        tracker.done(conflicts=0, reason="no time left to look for conflicting facts")
        return infeasible_plan(run.inst.index, [], solve_seconds=tracker.elapsed(), engine={"stages": tracker.stages})
    conflicts = explain_infeasibility(run.problem, time_limit=run.left(), seed=run.settings.seed)
    tracker.done(conflicts=len(conflicts))
    stages = {"stages": tracker.stages}
    return infeasible_plan(run.inst.index, conflicts, solve_seconds=tracker.elapsed(), engine=stages)
