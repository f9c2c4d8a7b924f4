"""Stage 4b, on big schools: when the placement leaves time, the timetable search goes on from its
incumbent and the better timetable it finds is placed again.

Above ``polish_up_to`` students the placement's reserve is planned from the school's size (9 ms a
student), and on a quiet machine the placement often needs far less: 2,000 students, 60 s, a
generated middle school: the placement took 4 s of its 18, and the engine finished at 45 s. Now that
the placement has been timed, the rest of the limit less one more placement (with a margin) goes to
the search, and the new timetable is placed; the cheaper plan stands. Small schools polish their
plan on the exact model instead (``stages.polish``); with one worker this round is not made, so the
same input still gives the same plan.
"""

from __future__ import annotations

import time

from scheduler.domain.plan import Plan
from scheduler.solver.bound import BoundJob
from scheduler.solver.run import Run
from scheduler.solver.stages.placement import placed_plan
from scheduler.solver.stages.timetable_search import Search


def search_and_place_again(
    run: Run, search: Search | None, plan: Plan | None, job: BoundJob, placing_seconds: float
) -> Plan | None:
    """``plan``, or a cheaper one from more search and one more placement while the time allows."""
    if search is None or plan is None or run.one_worker or run.students <= run.tuning.polish_up_to:
        return plan
    margin = run.tuning.place_again_margin
    while True:
        # The placement's own budget keeps the finishing time back too: without it here, a second
        # placement of 2,000 students got 1 s for its LP, no guide, and no start (1,583,291).
        spare = run.left() - run.finishing_seconds() - margin * placing_seconds
        if spare < run.round_seconds() + 1.0:
            return plan
        if not search.more(run, job, time.monotonic() + spare):
            return plan
        started = time.monotonic()
        again = placed_plan(run, search.timetable(run))
        placing_seconds = max(placing_seconds, time.monotonic() - started)
        if again is not None and (again.objective or 0.0) < (plan.objective or 0.0):
            plan = again
