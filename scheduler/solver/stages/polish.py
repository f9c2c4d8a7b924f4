"""Stage 5, on schools up to ``polish_up_to`` students: the placed plan improved on the exact model
(``solver.polish``: the search's neighbourhoods, students as individuals) in the time left."""

from __future__ import annotations

import time

from scheduler.domain.plan import Plan
from scheduler.solver.bound import BoundJob
from scheduler.solver.extract import PlacementError, assign_rooms, seat_fallback
from scheduler.solver.plan_writer import build_plan
from scheduler.solver.polish import polish
from scheduler.solver.run import Run
from scheduler.solver.timetable import FALLBACK, timetable_of_plan


def polished_plan(run: Run, plan: Plan | None, job: BoundJob) -> Plan | None:
    """The placed plan improved on the exact model (``polish``) in the time left, or None."""
    tracker, tuning = run.tracker, run.tuning
    deadline = run.deadline - run.finishing_seconds()
    if plan is None or run.students > tuning.polish_up_to:
        return None
    if deadline - time.monotonic() < tuning.polish_min_seconds:
        tracker.clock_cut |= run.one_worker
        return None
    if tracker.bound is not None and (plan.objective or 0.0) - tracker.bound <= 1e-6:
        return None  # already proven optimal
    timetable = timetable_of_plan(run.inst, plan)
    if timetable is None:
        return None
    tracker.enter("polish")
    work = run.search_work(tuning.polish_rounds, spare_core=job.poll)
    found = polish(run.inst, timetable, deadline=deadline, seed=run.settings.seed, **work, tuning=tuning)
    tracker.done(objective=None if found is None else found[2], rounds=None if found is None else found[3])
    if found is None:
        return None
    polished, pooled, _, _ = found
    try:
        placements = {key: o for key, o in polished.suggested.items() if o != FALLBACK}
        placements.update(seat_fallback(run.inst, polished, pooled))
        rooms = assign_rooms(run.inst, polished)
    except PlacementError:
        return None
    better = build_plan(run.inst.index, placements, rooms, status="feasible")
    tracker.found(better.objective)
    return better if (better.objective or 0.0) < (plan.objective or 0.0) else None
