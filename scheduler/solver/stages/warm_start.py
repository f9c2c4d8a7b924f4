"""Stage 2: a valid plan early, so there is always something to return and to beat.

In order: the previous plan repaired when the week has one (``repair``: only what the change
forces is re-seated); else the first-come-first-served plan (``baseline``), well under a second;
else, when that greedy breaks a hard rule (tight study halls leave a late student no seat), the
greedy's plan repaired in the blocks where it broke one (``repair.repair_plan``); else the
feasibility stage (``feasibility``: the exact model of the hard rules, steered to the greedy's
plan), which also proves a school infeasible when it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.checker import Violation, check_plan
from scheduler.domain.plan import Plan
from scheduler.solver.baseline import baseline_plan
from scheduler.solver.feasibility import find_feasible_plan
from scheduler.solver.formulation import Formulation
from scheduler.solver.repair import plan_placements, repair_plan, repair_previous
from scheduler.solver.run import Run


@dataclass(frozen=True)
class WarmStart:
    """The plan the search starts from (its timetable seeds the search), a valid plan to fall back
    on when that one breaks a rule, and whether the hard rules were proven unable to hold."""

    plan: Plan
    safety: Plan | None = None
    infeasible: bool = False


def warm_start(run: Run, exact: Formulation | None = None) -> WarmStart:
    """A valid plan when one can be found, and a good timetable to search from. ``exact`` is the
    exact week model when the bound stage built one (it is left as it was)."""
    repaired = _repaired_previous(run, exact)
    if repaired is not None:
        return WarmStart(repaired)
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
        return WarmStart(warm)
    if not run.stage_fits():
        tracker.enter("feasibility")
        tracker.done(reason="skipped: too little time left to repair the greedy's plan or search for one")
        return WarmStart(warm)
    repaired = _repaired_greedy(run, exact, warm, broken)
    if repaired is not None:
        return WarmStart(repaired)
    if not run.stage_fits():
        tracker.enter("feasibility")
        tracker.done(reason="skipped: too little time left for the feasibility stage")
        return WarmStart(warm)
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
        return WarmStart(warm, None, found.infeasible)
    tracker.found(found.plan.objective)
    if (warm.objective or 0.0) < (found.plan.objective or 0.0):
        # The greedy's timetable is the better start (5,000 students: the first solution cost
        # 6,089,354 where the greedy's plan, one request short, cost 1,368,250; searching from
        # the first solution's timetable ended at an 83% gap).
        return WarmStart(warm, found.plan)
    return WarmStart(found.plan)


def _repaired_greedy(run: Run, exact: Formulation | None, warm: Plan, broken: list[Violation]) -> Plan | None:
    """The greedy's plan repaired in the blocks where it broke a rule (``repair.repair_plan``):
    everything else pinned, a far smaller model than the feasibility stage's whole week."""
    refs = [ref.split("/", 1) for v in broken for ref in v.entities]
    touched = {name for kind, name in refs if kind == "blocks"}
    students = {name for kind, name in refs if kind == "students"}
    if any(not any(ref.startswith("blocks/") for ref in v.entities) for v in broken):
        # A rule of the whole week (a required request unmet, an offering below runs.min): a
        # session may have to open in any block; the named students' weeks are freed first.
        touched |= set(run.inst.index.block_ids)
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
