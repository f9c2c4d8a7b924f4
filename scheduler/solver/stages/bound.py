"""Stage 1, on the second core: the LP relaxation of the whole week in a child process
(``solver.bound``), started before the search and collected at the end. Students are merged into
groups only on very big schools; merging is a relaxation, so the bound stays valid."""

from __future__ import annotations

import math

from scheduler.domain.plan import Plan
from scheduler.solver.bound import BoundJob
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.run import Run
from scheduler.solver.units import make_units


def group_size(students: int, target_units: int) -> int:
    """Students per merged unit for about ``target_units`` units."""
    return max(1, math.ceil(students / target_units))


def start_bound(run: Run) -> tuple[BoundJob, Formulation | None]:
    """The bound process, started on the LP of the week, and that model when it is the exact one
    (one unit per student): the repair, the feasibility stage and the timetable search reuse it
    (mean costs change nothing for single students; the child has its own copy of the model)."""
    run.tracker.enter("bound-model")
    tuning = run.tuning
    students = run.students
    group = 1 if students <= tuning.bound_exact_up_to else group_size(students, tuning.bound_exact_up_to)
    form = build_formulation(run.inst, make_units(run.inst, group), tuning=tuning)
    margin = tuning.bound_margin_seconds + tuning.bound_margin_share * run.settings.time_limit
    job = BoundJob(form.model, seconds=max(1.0, run.left() - margin)).start()
    run.tracker.done(group_size=group, rows=form.model.get_num_linear_constraints())
    return job, form if group == 1 else None


def collect_bound(run: Run, job: BoundJob, plan: Plan | None) -> None:
    """The bound process's answer; not waited for when the search already proved its plan optimal."""
    tracker = run.tracker
    tracker.enter("bound")
    objective = plan.objective if plan is not None else None
    if objective is None or tracker.bound is None or objective - tracker.bound > 1e-6:
        job.wait(run.left())
    if not job.poll():
        job.stop()
    tracker.proved(job.bound)
    tracker.done(bound=job.bound, error=job.error)
