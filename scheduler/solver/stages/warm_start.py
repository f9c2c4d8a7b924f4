"""Stage 2: a valid plan early, so there is always something to return and to beat.

In order: the previous plan repaired when the week has one (``repair``: only what the change
forces is re-seated); else the first-come-first-served plan (``baseline``), well under a second;
else, when that greedy breaks a hard rule (tight study halls leave a late student no seat), the
greedy's plan repaired in the blocks where it broke one (``repair.repair_plan``); else the
feasibility stage (``feasibility``: the exact model of the hard rules, steered to the greedy's
plan), which also proves a school infeasible when it is.
"""

from __future__ import annotations

from scheduler.domain.checker import Violation, check_plan
from scheduler.domain.plan import Plan
from scheduler.solver.baseline import baseline_plan
from scheduler.solver.feasibility import find_feasible_plan
from scheduler.solver.formulation import Formulation
from scheduler.solver.repair import plan_placements, repair_plan, repair_previous
from scheduler.solver.run import Run


def warm_start(run: Run, exact: Formulation | None = None) -> tuple[Plan, bool]:
    """A valid plan when one can be found, and whether the hard rules were proven unable to hold.
    ``exact`` is the exact week model when the bound stage built one (it is left as it was)."""
    repaired = _repaired_previous(run, exact)
    if repaired is not None:
        return repaired, False
    tracker = run.tracker
    tracker.enter("warm-start")
    warm = baseline_plan(run.problem, seed=run.settings.seed)
    broken = check_plan(run.problem, warm)
    valid = warm.status == "feasible" and not broken
    if valid:
        tracker.found(warm.objective)
    reason = None if valid else _shortfall(warm, [v.message for v in broken])
    tracker.done(objective=warm.objective, status=warm.status, reason=reason)
    if valid:
        return warm, False
    if not run.stage_fits():
        tracker.enter("feasibility")
        tracker.done(reason="skipped: too little time left to repair the greedy's plan or search for one")
        return warm, False
    repaired = _repaired_greedy(run, exact, warm, broken)
    if repaired is not None:
        return repaired, False
    if not run.stage_fits():
        tracker.enter("feasibility")
        tracker.done(reason="skipped: too little time left for the feasibility stage")
        return warm, False
    tracker.enter("feasibility")
    seconds = max(1.0, run.left() * run.tuning.feasibility_share)
    limits = run.mip_limits(seconds)
    found = find_feasible_plan(
        run.inst,
        seed=run.settings.seed,
        exact=exact,
        near=warm,
        seconds=limits["seconds"],
        node_limit=limits["node_limit"],
    )
    tracker.clock_cut |= run.one_worker and found.timed_out
    tracker.done(objective=None if found.plan is None else found.plan.objective, reason=found.reason)
    if found.plan is None:
        return warm, found.infeasible
    tracker.found(found.plan.objective)
    return found.plan, False


def _repaired_greedy(run: Run, exact: Formulation | None, warm: Plan, broken: list[Violation]) -> Plan | None:
    """The greedy's plan repaired in the blocks where it broke a rule (``repair.repair_plan``):
    everything else pinned, a far smaller model than the feasibility stage's whole week."""
    refs = [ref.split("/", 1) for v in broken for ref in v.entities]
    touched = {name for kind, name in refs if kind == "blocks"}
    students = {name for kind, name in refs if kind == "students"}
    if not touched:
        return None  # a rule of the whole week (runs.min, a need): the feasibility stage's case
    tracker = run.tracker
    tracker.enter("greedy-repair")
    limits = run.mip_limits(max(1.0, run.left() * run.tuning.repair_share))
    found = repair_plan(
        run.inst,
        plan_placements(warm),
        touched=touched,
        students=students,
        seed=run.settings.seed,
        exact=exact,
        seconds=limits["seconds"],
        node_limit=limits["node_limit"],
    )
    tracker.clock_cut |= run.one_worker and found.timed_out
    plan = found.plan
    objective = None if plan is None else plan.objective
    tracker.done(objective=objective, reason=found.reason, level=found.level, blocks=list(found.blocks))
    if plan is not None:
        tracker.found(plan.objective)
    return plan


def _repaired_previous(run: Run, exact: Formulation | None) -> Plan | None:
    if not run.problem.previous:
        return None
    tracker = run.tracker
    tracker.enter("repair")
    seconds = max(1.0, run.left() * run.tuning.repair_share)
    limits = run.mip_limits(seconds)
    found = repair_previous(
        run.inst, seed=run.settings.seed, exact=exact, seconds=limits["seconds"], node_limit=limits["node_limit"]
    )
    tracker.clock_cut |= run.one_worker and found.timed_out
    plan = found.plan
    tracker.done(objective=None if plan is None else plan.objective, reason=found.reason, level=found.level)
    if plan is not None:
        tracker.found(plan.objective)
    return plan


def _shortfall(warm: Plan, broken: list[str]) -> str:
    """The greedy's first broken rule, in words, for the stage report."""
    shortfalls = (warm.engine or {}).get("shortfalls") or broken or ["a hard rule it could not keep"]
    assert isinstance(shortfalls, list)
    more = f" (and {len(shortfalls) - 1} more)" if len(shortfalls) > 1 else ""
    return f"the first-come-first-served plan breaks a hard rule: {shortfalls[0]}{more}"
