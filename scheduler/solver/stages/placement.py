"""Stage 4: the exact student placement on each chosen timetable (``solver.placement``), one
variable per allowed (student, offering, block), every rule exact; then fallback sessions and
rooms (``extract``). It starts from a complete valid placement (``solver.start``) that follows the
placement's own LP on big schools and the search's picture on small ones; the start is the MIP's
incumbent and a candidate plan, so a MIP cut short by the clock returns at least the start, never
the warm start; a start close enough to the LP is kept without the MIP."""

from __future__ import annotations

import time

from scheduler.domain.checker import check_plan
from scheduler.domain.plan import Plan
from scheduler.solver.extract import Guide, PlacementError, Timetable, assign_rooms
from scheduler.solver.formulation import Formulation
from scheduler.solver.highs_run import RunResult, run_highs
from scheduler.solver.placement import (
    as_suggestion,
    lp_guide,
    make_integer,
    placement_hint,
    placement_model,
    read_placements,
)
from scheduler.solver.plan_writer import build_plan
from scheduler.solver.run import Run
from scheduler.solver.start import placement_start_or_why

Rooms = dict[tuple[str, str], str]


def best_placed_plan(run: Run, timetables: list[Timetable], warm: Plan) -> Plan | None:
    """Place students on each timetable in turn until one beats the warm start. Every placement but
    the last keeps a share of the time for the next (the warm start's own timetable comes with its
    placement as a MIP start, so it needs little)."""
    best: Plan | None = None
    for number, timetable in enumerate(timetables):
        share = 1.0 if number == len(timetables) - 1 else run.tuning.first_placement_share
        plan = placed_plan(run, timetable, share)
        if plan is not None and (best is None or (plan.objective or 0.0) < (best.objective or 0.0)):
            best = plan
        good = best is not None and warm.objective is not None and (best.objective or 0.0) < warm.objective
        if good or run.left() < run.tuning.safety_seconds:
            break
    return best


def mip_overhead_seconds(run: Run) -> float:
    """Below this much time a placement MIP cannot even finish its presolve and read its start:
    the start is then the answer."""
    return run.tuning.mip_overhead_seconds + run.students / run.tuning.mip_overhead_students_per_second


def placed_plan(run: Run, timetable: Timetable, share: float = 1.0) -> Plan | None:
    """The best plan on ``timetable`` in ``share`` of the time left: its LP-guided start (``start``
    following ``placement.lp_guide``; the merged search's picture when the LP does not finish),
    then the exact MIP started from it. The start is the MIP's incumbent, so a MIP cut short by
    the clock still returns at least the start; None only when nothing seats everyone."""
    tracker = run.tracker
    if not run.stage_fits():
        tracker.enter("placement")
        tracker.done(reason="skipped: too little time left to build and solve the placement model")
        return None
    deadline = time.monotonic() + max(1.0, (run.left() - run.finishing_seconds()) * share)
    try:
        rooms = assign_rooms(run.inst, timetable)
    except PlacementError as error:
        tracker.enter("placement")
        tracker.done(reason=f"the timetable needs more rooms than are free: {error}")
        return None
    tracker.enter("placement-model")
    form = placement_model(run.inst, timetable, tuning=run.tuning)
    guide, relaxed = None, None
    if run.students > run.tuning.lp_guide_above:
        seconds = max(0.5, (deadline - time.monotonic()) * run.tuning.lp_share)
        guide, relaxed = lp_guide(run.inst, form, seconds=seconds, seed=run.settings.seed, tuning=run.tuning)
    tracker.done(objective=relaxed)
    start, suggested = start_plan(run, timetable, rooms, guide, deadline)
    tracker.enter("placement")
    make_integer(form)
    result = _placement_mip(run, timetable, form, start, suggested, relaxed, share)
    tracker.done(
        objective=None if result is None else result.objective,
        bound=None if result is None else result.bound,
        reason=_mip_failure(result) if start is None else None,
    )
    plans = [start]
    if result is not None and result.feasible:
        try:
            placements = read_placements(run.inst, timetable, form, result.values)
            exact = build_plan(run.inst.index, placements, rooms, status="feasible")
            plans.append(exact)
            tracker.found(exact.objective)
        except PlacementError:
            pass
    found = [p for p in plans if p is not None]
    return min(found, key=lambda p: p.objective or 0.0) if found else None


def _mip_failure(result: RunResult | None) -> str | None:
    """Why the exact placement gave no plan, in words; None when it gave one."""
    if result is None:
        return "no exact placement: no time was left for it, or another timetable comes next"
    if result.infeasible:
        return "the exact placement proved that this timetable cannot seat every student"
    if not result.feasible:
        return "the exact placement found no way to seat every student in its time"
    return None


def _placement_mip(
    run: Run,
    timetable: Timetable,
    form: Formulation,
    start: Plan | None,
    suggested: dict[tuple[str, str], str],
    relaxed: float | None,
    share: float,
) -> RunResult | None:
    """The exact MIP from the start, or None when the start is close enough to the placement's LP
    or there is no time for the MIP to read it."""
    hint = placement_hint(run.inst, form, suggested or timetable.suggested)
    # The MIP's own share of what is left (as before the start existed), not what the LP and the
    # start left of the stage's first budget: at 600 students the MIP needs 2-6 s after them.
    left = (run.left() - run.finishing_seconds()) * share
    # The placement's LP bounds what the MIP could gain over the start on this timetable.
    near = (
        start is not None
        and relaxed is not None
        and (start.objective or 0.0) - relaxed <= run.tuning.start_close_enough * max(1.0, start.objective or 0.0)
    )
    if start is not None and (near or left < mip_overhead_seconds(run)):
        return None
    if start is None and share < 1.0:
        # The quick start could not seat everyone: on big schools the MIP then rarely does (2,000
        # students, eight blocks: no solution in its time), and the next timetable, the warm
        # start's own, needs the time.
        return None
    limits = run.mip_limits(max(1.0, left))
    return run.tracker.ran(run_highs(form.model, seed=run.settings.seed, relative_gap=1e-4, hint=hint, **limits))


def start_plan(
    run: Run, timetable: Timetable, rooms: Rooms, guide: Guide | None, deadline: float
) -> tuple[Plan | None, dict[tuple[str, str], str]]:
    """The start (``start``) as a checked plan and in the models' terms, following the LP when
    there is one (no re-seating pass: it undid the LP's cross-block choices, +2.3% at 2,000
    students), else the merged picture, re-seated once when there is time for it. Empty when the
    start cannot seat everyone."""
    run.tracker.enter("placement-start")
    if guide is not None:
        placed, why = placement_start_or_why(run.inst, timetable, guide, passes=0, tuning=run.tuning)
    else:
        # With one worker the plan may not hang on the clock: the pass is always made.
        roomy = run.one_worker or deadline - time.monotonic() > 2 * mip_overhead_seconds(run)
        # A guide from single students is the exact model's own picture: followed, not re-seated.
        exact = timetable.guide is not None and timetable.guide.over_quota >= run.tuning.lp_over_quota
        passes = 1 if roomy and not exact else 0
        placed, why = placement_start_or_why(run.inst, timetable, timetable.guide, passes=passes, tuning=run.tuning)
    plan = None
    if placed is not None:
        plan = build_plan(run.inst.index, placed, rooms, status="feasible")
        if check_plan(run.inst.problem, plan):
            plan, why = None, "the start broke a hard rule (a bug; the plan was not used)"
    reason = None if plan is not None else f"the quick start could not seat everyone: {why}"
    run.tracker.done(objective=None if plan is None else plan.objective, reason=reason)
    if plan is None or placed is None:
        return None, {}
    run.tracker.found(plan.objective)
    return plan, as_suggestion(run.inst, placed)
