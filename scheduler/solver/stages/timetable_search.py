"""Stage 3, on this core: the timetable. The warm start's timetable with its students re-placed on
the timetable model (rooms integer, students fractional; one unit per student up to
``timetable_exact_up_to`` students, merged groups above), or on small schools a session MIP
started from it; then large-neighbourhood search (``solver.lns``), a second move at a time once
the bound process has left its core."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.math_opt.python import mathopt

from scheduler.domain.plan import Plan
from scheduler.solver import lns
from scheduler.solver.bound import BoundJob
from scheduler.solver.extract import Timetable
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.highs_run import RunResult, run_highs
from scheduler.solver.plan_writer import relative_gap
from scheduler.solver.run import Run
from scheduler.solver.stages.bound import group_size
from scheduler.solver.timetable import timetable_from_values, timetable_of_plan
from scheduler.solver.units import make_units


@dataclass
class Search:
    """The timetable search's model and incumbent, kept so that the search can go on when the
    placement leaves time (``more``)."""

    form: Formulation
    group: int
    values: dict[mathopt.Variable, float]
    objective: float

    def timetable(self, run: Run) -> Timetable:
        return timetable_from_values(
            run.inst, self.form.vars, self.values, per_student=self.group == 1, units=self.form.units, tuning=run.tuning
        )

    def more(self, run: Run, job: BoundJob, deadline: float) -> bool:
        """Search on from the incumbent until ``deadline``; whether it found a cheaper timetable."""
        before = self.objective
        self.values, self.objective = _search(run, self.form, self.group, self.values, self.objective, job, deadline)
        return self.objective < before - 1e-6


def timetables(
    run: Run, warm: Plan, job: BoundJob, bound_form: Formulation | None
) -> tuple[list[Timetable], bool, Search | None]:
    """Timetables to place students on, most promising first, whether the data was proven
    infeasible, and the search that found them (to go on with when there is time). The warm
    start's own sessions are always among them: re-placing its students exactly never does worse
    than the warm start, and on schools too big for the session MIP within the limit it is the
    better timetable."""
    own = timetable_of_plan(run.inst, warm) if warm.sessions else None
    if not run.stage_fits():
        run.tracker.enter("timetable")
        run.tracker.done(reason="skipped: too little time left to build and solve the timetable model")
        return [t for t in (own,) if t is not None], False, None
    search, infeasible = search_timetable(run, warm, job, bound_form)
    if search is None:
        return [t for t in (own,) if t is not None], infeasible, None
    found = search.timetable(run)
    # The merged model's cost is a relaxation of the exact one: when it is no better than the warm
    # start's exact cost, the warm start's timetable goes first.
    if own is not None and warm.objective is not None and search.objective >= warm.objective:
        return [own, found], False, search
    return [t for t in (found, own) if t is not None], False, search


def warm_rooms(run: Run, form: Formulation, warm: Plan) -> dict[mathopt.Variable, float] | None:
    """The warm start's timetable as room-variable values (sessions it ran in a class we model)."""
    if not warm.sessions:
        return None
    running = {(s.offering, s.block): run.inst.class_of_space.get(s.space or "") for s in warm.sessions}
    return {var: float(running.get((o, b)) == c) for (o, b, c), var in form.vars.z.items()}


def search_timetable(run: Run, warm: Plan, job: BoundJob, bound_form: Formulation | None) -> tuple[Search | None, bool]:
    """The first timetable (the warm start's, or the session MIP's on small schools) and LNS on
    (possibly merged) students until the placement's reserve: the search, and whether the week
    was proven infeasible."""
    form, group = _timetable_model(run, bound_form)
    result, rooms_fixed = _first_timetable(run, form, warm)
    # Valid for the whole week when it is a relaxation of it: one unit per student (merged units
    # have mean costs), and every room free (with the warm start's rooms fixed it only bounds
    # that timetable).
    relaxation = group == 1 and not rooms_fixed
    if relaxation:
        run.tracker.proved(result.bound)
    if not rooms_fixed:
        run.tracker.done(objective=result.objective, bound=result.bound)
    if not result.feasible:
        return None, result.infeasible
    search = Search(form, group, result.values, result.objective or 0.0)
    gap = relative_gap(result.objective or 0.0, result.bound)
    proven = relaxation and gap is not None and gap <= 1e-3
    if not proven:
        deadline = run.deadline - placement_reserve(run) - run.tuning.safety_seconds
        search.values, search.objective = _search(run, form, group, search.values, search.objective, job, deadline)
    return search, False


def placement_reserve(run: Run) -> float:
    """Seconds kept at the end for the exact student placement."""
    tuning = run.tuning
    return max(
        run.settings.time_limit * tuning.placement_share,
        run.students * tuning.placement_seconds_per_student,
        tuning.placement_min_seconds,
    )


def _timetable_model(run: Run, bound_form: Formulation | None) -> tuple[Formulation, int]:
    """The timetable model (the bound's own when both have one unit per student) with integer
    rooms, and its students per unit."""
    tuning = run.tuning
    group = 1 if run.students <= tuning.timetable_exact_up_to else group_size(run.students, tuning.timetable_units)
    run.tracker.enter("timetable-model")
    reused = bound_form if group == 1 else None
    form = reused or build_formulation(run.inst, make_units(run.inst, group, mean_costs=True), tuning=tuning)
    for var in form.vars.z.values():
        var.integer = True
    run.tracker.done(group_size=group)
    return form, group


def _first_timetable(run: Run, form: Formulation, warm: Plan) -> tuple[RunResult, bool]:
    """The first solve of the timetable model, and whether its rooms were fixed to the warm
    start's (on schools above ``session_mip_up_to`` students) rather than a session MIP's."""
    tracker = run.tracker
    hint = warm_rooms(run, form, warm)
    result: RunResult | None = None
    up_to = run.tuning.session_mip_with_previous_up_to if run.problem.previous else run.tuning.session_mip_up_to
    rooms_fixed = bool(hint) and run.students > up_to
    if rooms_fixed and hint:
        tracker.enter("warm-timetable")
        result = place_on_fixed_rooms(run, form, hint)
        rooms_fixed = result.feasible
        tracker.done(objective=result.objective)
    if result is None or not rooms_fixed:
        # Small schools, no warm timetable, or one the model cannot place (then only the session
        # MIP can say whether the week is infeasible).
        tracker.enter("session-mip")
        seconds = min(run.settings.time_limit * run.tuning.session_share, run.left() * run.tuning.first_timetable_share)
        limits = run.mip_limits(seconds)
        result = tracker.ran(run_highs(form.model, seed=run.settings.seed, relative_gap=1e-3, hint=hint, **limits))
    return result, rooms_fixed


def place_on_fixed_rooms(run: Run, form: Formulation, hint: dict[mathopt.Variable, float]) -> RunResult:
    """The warm start's timetable with its students re-placed on the model (an LP: rooms fixed).
    With every room fixed the hint says nothing the bounds do not, and HiGHS spends longer
    completing it than solving (2,000 students: 5.7 s with it, 2.9 s without)."""
    for var, value in hint.items():
        var.lower_bound = var.upper_bound = value
    try:
        limits = run.mip_limits(run.left() * run.tuning.first_timetable_share)
        return run.tracker.ran(run_highs(form.model, seed=run.settings.seed, **limits))
    finally:
        for var in form.vars.z.values():
            var.lower_bound, var.upper_bound = 0.0, 1.0


def _search(
    run: Run,
    form: Formulation,
    group: int,
    values: dict[mathopt.Variable, float],
    objective: float,
    job: BoundJob,
    deadline: float,
) -> tuple[dict[mathopt.Variable, float], float]:
    """LNS (``solver.lns``) from the incumbent until ``deadline``, when there is a second for it."""
    tuning, settings, tracker = run.tuning, run.settings, run.tracker
    if time.monotonic() + 1.0 >= deadline:
        return values, objective
    tracker.enter("lns")
    # Planned from the limit alone (one worker: the same rounds on every run).
    planned = run.planned_rounds(deadline - tracker.start - run.round_seconds())
    values, objective, rounds = lns.improve(
        run.inst,
        form,
        dict(values),
        objective,
        deadline=deadline,
        seed=settings.seed,
        replace=group == 1,  # merged units: the re-placing LP outlasts a round (2,000: 4 s)
        **run.search_work(planned, spare_core=job.poll),
        tuning=tuning,
    )
    tracker.clock_cut |= run.one_worker and rounds < planned
    tracker.done(objective=objective, rounds=rounds)
    return values, objective
