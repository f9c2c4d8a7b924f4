"""solve(problem) -> plan: the stages, their time budget, and live progress.

1. Warm start: the first-come-first-served plan (``baseline``), a complete valid plan in well
   under a second, so there is always something to return and to beat.
2. Bound (second core): the LP relaxation of the whole week (``bound``) on PDLP, its last dual
   iterate turned into a proven Lagrangian bound (``dual_bound``). Students are merged into small
   groups on big schools; merging is a relaxation, so the bound stays valid.
3. Timetable (this core): the warm start's timetable with its students re-placed on the timetable
   model (rooms integer, students fractional; one unit per student up to 1,000 students, merged
   groups above), or on small schools a session MIP started from it; then large-neighbourhood
   search (``lns``, its moves solved in bulk by ``submip``), which also aims at students left
   without any choice, and a second move at a time once the bound process has left its core.
4. Placement: the exact student MIP on the chosen timetable, one variable per allowed
   (student, offering, block), every rule exact; then fallback sessions and rooms (``extract``).
   It starts from a complete valid placement (``start``: min-cost flows and repairs) that follows
   the placement's own LP on big schools (``placement``) and the merged search's picture on
   small ones; the start is the MIP's incumbent and a candidate plan, so a MIP cut short by the
   clock returns at least the start, never the warm start; a start within 0.5% of the LP is kept
   without the MIP. On small schools the time it leaves polishes that plan on the exact model
   (``polish``).
5. The better of that plan and the warm start is returned, with the best proven bound, once the
   independent checker (``domain.checker``) confirms it keeps every hard rule.
When the relaxation is infeasible, or no plan passes the checker, ``explain`` says why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from scheduler.domain.checker import check_plan
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.solver import lns
from scheduler.solver.baseline import baseline_plan
from scheduler.solver.bound import BoundJob
from scheduler.solver.extract import Guide, PlacementError, Timetable, assign_rooms, seat_fallback
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.highs_run import RunResult, run_highs
from scheduler.solver.instance import Instance, build_instance
from scheduler.solver.placement import (
    as_suggestion,
    lp_guide,
    make_integer,
    placement_hint,
    placement_model,
    read_placements,
)
from scheduler.solver.plan_writer import build_plan, infeasible_plan, relative_gap
from scheduler.solver.polish import polish
from scheduler.solver.settings import Progress, SolveSettings
from scheduler.solver.start import placement_start
from scheduler.solver.timetable import FALLBACK, timetable_from_values, timetable_of_plan
from scheduler.solver.tuning import EngineTuning
from scheduler.solver.units import make_units

ProgressCallback = Callable[[Progress], None]


def _fixed_work(settings: SolveSettings, job: BoundJob, rounds: int) -> dict[str, object]:
    """LNS limits: ``rounds`` rounds of a fixed number of nodes with one worker, else time-sliced
    rounds, two at once once the bound process has finished and left its core free."""
    if settings.workers != 1:
        return {"sub_seconds": settings.tuning.lns_sub_seconds, "spare_core": job.poll}
    return {
        "max_rounds": rounds,
        "sub_nodes": settings.tuning.deterministic_sub_nodes,
        "sub_seconds": settings.time_limit,
    }


def _round_seconds(inst: Instance, tuning: EngineTuning) -> float:
    """Planned seconds a round; above ``timetable_exact_up_to`` students are merged into about 300
    units and a round costs about the same, not more."""
    students = min(len(inst.problem.students), tuning.timetable_exact_up_to)
    return tuning.round_seconds + tuning.round_seconds_per_student * students


def _planned_rounds(inst: Instance, window: float, tuning: EngineTuning) -> int:
    """Search rounds that fit ``window`` seconds (planned from the limit, not measured)."""
    return max(1, min(tuning.deterministic_rounds, int(window * tuning.planned_share / _round_seconds(inst, tuning))))


def _mip_limits(settings: SolveSettings, seconds: float, tracker: _Tracker) -> dict[str, float | None]:
    """With one worker a node count, not the clock, ends a MIP (the same plan on every run);
    the clock only guards the deadline, with a larger share of it."""
    if settings.workers != 1:
        return {"seconds": seconds, "node_limit": None}
    return {
        "seconds": max(seconds, tracker.left() * settings.tuning.deterministic_share),
        "node_limit": settings.tuning.deterministic_nodes,
    }


class _Tracker:
    """Keeps the best objective and bound seen and forwards progress to the caller."""

    def __init__(self, callback: ProgressCallback | None, time_limit: float, safety_seconds: float) -> None:
        self.callback = callback
        self.safety_seconds = safety_seconds
        self.start = time.monotonic()
        self.deadline = self.start + time_limit
        self.objective: float | None = None
        self.bound: float | None = None
        self.solutions = 0
        self.stage = "start"
        self.stages: list[dict[str, object]] = []
        self.clock_cut = False  # a stage ended on the clock, not on its planned work

    def ran(self, result: RunResult) -> RunResult:
        self.clock_cut |= result.timed_out
        return result

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        return self.deadline - time.monotonic() - self.safety_seconds

    def enter(self, stage: str) -> None:
        self.stage = stage
        self.emit()

    def found(self, objective: float | None) -> None:
        if objective is not None and (self.objective is None or objective < self.objective - 1e-9):
            self.objective = objective
            self.solutions += 1
            self.emit()

    def proved(self, bound: float | None) -> None:
        if bound is not None and math.isfinite(bound) and (self.bound is None or bound > self.bound):
            self.bound = max(0.0, bound)
            self.emit()

    def done(self, **facts: object) -> None:
        self.stages.append({"stage": self.stage, "seconds": round(self.elapsed(), 2), **facts})
        self.emit()

    def emit(self) -> None:
        if self.callback is not None:
            self.callback(Progress(self.elapsed(), self.stage, self.objective, self.bound, self.solutions))


def _group_size(students: int, target_units: int) -> int:
    return max(1, math.ceil(students / target_units))


def _warm_start(problem: Problem, settings: SolveSettings, tracker: _Tracker) -> Plan:
    tracker.enter("warm-start")
    warm = baseline_plan(problem, seed=settings.seed)
    if warm.status == "feasible":
        tracker.found(warm.objective)
    tracker.done(objective=warm.objective, status=warm.status)
    return warm


def _start_bound(inst: Instance, settings: SolveSettings, tracker: _Tracker) -> tuple[BoundJob, Formulation | None]:
    """The bound process, started on the LP of the week, and that model when the timetable search
    can reuse it (one unit per student in both: mean costs then change nothing; the child has its
    own copy of the model)."""
    tracker.enter("bound-model")
    students = len(inst.problem.students)
    group = (
        1 if students <= settings.tuning.bound_exact_up_to else _group_size(students, settings.tuning.bound_exact_up_to)
    )
    form = build_formulation(inst, make_units(inst, group), tuning=settings.tuning)
    margin = settings.tuning.bound_margin_seconds + settings.tuning.bound_margin_share * settings.time_limit
    job = BoundJob(form.model, seconds=max(1.0, tracker.left() - margin)).start()
    tracker.done(group_size=group, rows=form.model.get_num_linear_constraints())
    return job, form if group == 1 and students <= settings.tuning.timetable_exact_up_to else None


def _hint_from(inst: Instance, form: Formulation, warm: Plan) -> dict | None:
    """The warm start's timetable as room-variable values (sessions it ran in a class we model)."""
    if not warm.sessions:
        return None
    running = {(s.offering, s.block): inst.class_of_space.get(s.space or "") for s in warm.sessions}
    return {var: float(running.get((o, b)) == c) for (o, b, c), var in form.vars.z.items()}


def _timetables(
    inst: Instance,
    warm: Plan,
    settings: SolveSettings,
    tracker: _Tracker,
    job: BoundJob,
    bound_form: Formulation | None,
) -> tuple[list[Timetable], bool]:
    """Timetables to place students on, most promising first, and whether the data was proven
    infeasible. The warm start's own sessions are always among them: re-placing its students
    exactly never does worse than the warm start, and on schools too big for the session MIP
    within the limit it is the better timetable."""
    own = timetable_of_plan(inst, warm) if warm.sessions else None
    found, objective, infeasible = _search_timetable(inst, warm, settings, tracker, job, bound_form)
    if found is None:
        return [t for t in (own,) if t is not None], infeasible
    # The merged model's cost is a relaxation of the exact one: when it is no better than the warm
    # start's exact cost, the warm start's timetable goes first.
    if own is not None and warm.objective is not None and objective >= warm.objective:
        return [own, found], False
    return [t for t in (found, own) if t is not None], False


def _search_timetable(
    inst: Instance,
    warm: Plan,
    settings: SolveSettings,
    tracker: _Tracker,
    job: BoundJob,
    bound_form: Formulation | None,
) -> tuple[Timetable | None, float, bool]:
    """The first timetable (the warm start's, or the session MIP's on small schools) and LNS on
    (possibly merged) students: (timetable, its model cost, proven infeasible)."""
    students = len(inst.problem.students)
    group = (
        1
        if students <= settings.tuning.timetable_exact_up_to
        else _group_size(students, settings.tuning.timetable_units)
    )
    tracker.enter("timetable-model")
    form = bound_form or build_formulation(inst, make_units(inst, group, mean_costs=True), tuning=settings.tuning)
    for var in form.vars.z.values():
        var.integer = True
    tracker.done(group_size=group)
    hint = _hint_from(inst, form, warm)
    result: RunResult | None = None
    rooms_fixed = bool(hint) and students > (
        settings.tuning.session_mip_with_previous_up_to if inst.problem.previous else settings.tuning.session_mip_up_to
    )
    if rooms_fixed:
        tracker.enter("warm-timetable")
        result = _place_on_fixed_rooms(form, hint, settings, tracker)
        rooms_fixed = result.feasible
        tracker.done(objective=result.objective)
    if result is None or not rooms_fixed:
        # Small schools, no warm timetable, or one the model cannot place (then only the session
        # MIP can say whether the week is infeasible).
        tracker.enter("session-mip")
        seconds = min(
            settings.time_limit * settings.tuning.session_share, tracker.left() * settings.tuning.first_timetable_share
        )
        limits = _mip_limits(settings, seconds, tracker)
        result = tracker.ran(run_highs(form.model, seed=settings.seed, relative_gap=1e-3, hint=hint, **limits))
    # Valid for the whole week when it is a relaxation of it: exact or cheapest-member costs, and
    # every room free (with the warm start's rooms fixed it only bounds that timetable).
    relaxation = group == 1 and not rooms_fixed
    if relaxation:
        tracker.proved(result.bound)
    if not rooms_fixed:
        tracker.done(objective=result.objective, bound=result.bound)
    if not result.feasible:
        return None, math.inf, result.infeasible
    values, objective = result.values, result.objective or 0.0
    reserve = max(
        settings.time_limit * settings.tuning.placement_share,
        students * settings.tuning.placement_seconds_per_student,
        settings.tuning.placement_min_seconds,
    )
    lns_deadline = tracker.deadline - reserve - settings.tuning.safety_seconds
    gap = relative_gap(result.objective or 0.0, result.bound)
    proven = relaxation and group == 1 and gap is not None and gap <= 1e-3
    if not proven and time.monotonic() + 1.0 < lns_deadline:
        tracker.enter("lns")
        # Planned from the limit alone (one worker: the same rounds on every run).
        planned = _planned_rounds(
            inst,
            settings.time_limit - reserve - settings.tuning.safety_seconds - _round_seconds(inst, settings.tuning),
            settings.tuning,
        )
        values, objective, rounds = lns.improve(
            inst,
            form,
            dict(values),
            objective,
            deadline=lns_deadline,
            seed=settings.seed,
            replace=group == 1,  # merged units: the re-placing LP outlasts a round (2,000: 4 s)
            **_fixed_work(settings, job, planned),
            tuning=settings.tuning,
        )
        tracker.clock_cut |= settings.workers == 1 and rounds < planned
        tracker.done(objective=objective, rounds=rounds)
    timetable = timetable_from_values(
        inst, form.vars, values, per_student=group == 1, units=form.units, tuning=settings.tuning
    )
    return timetable, objective, False


def _place_on_fixed_rooms(form: Formulation, hint: dict, settings: SolveSettings, tracker: _Tracker) -> RunResult:
    """The warm start's timetable with its students re-placed on the model (an LP: rooms fixed).
    With every room fixed the hint says nothing the bounds do not, and HiGHS spends longer
    completing it than solving (2,000 students: 5.7 s with it, 2.9 s without)."""
    for var, value in hint.items():
        var.lower_bound = var.upper_bound = value
    try:
        limits = _mip_limits(settings, tracker.left() * settings.tuning.first_timetable_share, tracker)
        return tracker.ran(run_highs(form.model, seed=settings.seed, **limits))
    finally:
        for var in form.vars.z.values():
            var.lower_bound, var.upper_bound = 0.0, 1.0


def _best_placed_plan(
    inst: Instance, timetables: list[Timetable], warm: Plan, settings: SolveSettings, tracker: _Tracker
) -> Plan | None:
    """Place students on each timetable in turn until one beats the warm start. Every placement but
    the last keeps a share of the time for the next (the warm start's own timetable comes with its
    placement as a MIP start, so it needs little)."""
    best: Plan | None = None
    for number, timetable in enumerate(timetables):
        share = 1.0 if number == len(timetables) - 1 else settings.tuning.first_placement_share
        plan = _placed_plan(inst, timetable, settings, tracker, share)
        if plan is not None and (best is None or (plan.objective or 0.0) < (best.objective or 0.0)):
            best = plan
        good = best is not None and warm.objective is not None and (best.objective or 0.0) < warm.objective
        if good or tracker.left() < settings.tuning.safety_seconds:
            break
    return best


def solve(problem: Problem, settings: SolveSettings | None = None, on_progress: ProgressCallback | None = None) -> Plan:
    """The best plan found within ``settings.time_limit`` seconds, with a proven bound and gap."""
    settings = settings or SolveSettings()
    tracker = _Tracker(on_progress, settings.time_limit, settings.tuning.safety_seconds)
    inst = build_instance(problem)
    warm = _warm_start(problem, settings, tracker)
    job, bound_form = _start_bound(inst, settings, tracker)
    timetables, infeasible = _timetables(inst, warm, settings, tracker, job, bound_form)
    if infeasible or (job.poll() and job.infeasible):
        job.stop()
        return _explain(problem, inst, settings, tracker)
    plan = _best_placed_plan(inst, timetables, warm, settings, tracker)
    polished = _polished_plan(inst, plan, settings, tracker, job)
    _collect_bound(job, tracker, polished or plan)
    if job.infeasible:
        return _explain(problem, inst, settings, tracker)
    candidates = _valid_plans(problem, [polished, plan, warm], tracker)
    if not candidates:
        return _explain(problem, inst, settings, tracker)
    return _finish(candidates, warm, settings, tracker)


def _placed_plan(
    inst: Instance, timetable: Timetable, settings: SolveSettings, tracker: _Tracker, share: float = 1.0
) -> Plan | None:
    """The best plan on ``timetable`` in ``share`` of the time left: its LP-guided start (``start``
    following ``placement.lp_guide``; the merged search's picture when the LP does not finish),
    then the exact MIP started from it. The start is the MIP's incumbent, so a MIP cut short by
    the clock still returns at least the start; None only when nothing seats everyone."""
    deadline = time.monotonic() + max(1.0, (tracker.left() - _finishing_seconds(inst, settings.tuning)) * share)
    try:
        rooms = assign_rooms(inst, timetable)
    except PlacementError:
        return None
    tracker.enter("placement-model")
    form = placement_model(inst, timetable, tuning=settings.tuning)
    guide, relaxed = None, None
    if len(inst.problem.students) > settings.tuning.lp_guide_above:
        seconds = max(0.5, (deadline - time.monotonic()) * settings.tuning.lp_share)
        guide, relaxed = lp_guide(inst, form, seconds=seconds, seed=settings.seed, tuning=settings.tuning)
    tracker.done(objective=relaxed)
    start, suggested = _start_plan(inst, timetable, rooms, tracker, guide, deadline, settings)
    tracker.enter("placement")
    make_integer(form)
    hint = placement_hint(inst, form, suggested or timetable.suggested)
    # The MIP's own share of what is left (as before the start existed), not what the LP and the
    # start left of the stage's first budget: at 600 students the MIP needs 2-6 s after them.
    left = (tracker.left() - _finishing_seconds(inst, settings.tuning)) * share
    # The placement's LP bounds what the MIP could gain over the start on this timetable.
    near = (
        start is not None
        and relaxed is not None
        and (start.objective or 0.0) - relaxed <= settings.tuning.start_close_enough * max(1.0, start.objective or 0.0)
    )
    result = None
    if start is None or (not near and left >= _mip_overhead_seconds(inst, settings.tuning)):
        limits = _mip_limits(settings, max(1.0, left), tracker)
        result = tracker.ran(run_highs(form.model, seed=settings.seed, relative_gap=1e-4, hint=hint, **limits))
    tracker.done(objective=None if result is None else result.objective, bound=None if result is None else result.bound)
    plans = [start]
    if result is not None and result.feasible:
        try:
            placements = read_placements(inst, timetable, form, result.values)
            plans.append(build_plan(inst.index, placements, rooms, status="feasible"))
            tracker.found(plans[-1].objective)
        except PlacementError:
            pass
    found = [p for p in plans if p is not None]
    return min(found, key=lambda p: p.objective or 0.0) if found else None


def _start_plan(
    inst: Instance,
    timetable: Timetable,
    rooms: dict[tuple[str, str], str],
    tracker: _Tracker,
    guide: Guide | None,
    deadline: float,
    settings: SolveSettings,
) -> tuple[Plan | None, dict[tuple[str, str], str]]:
    """The start (``start``) as a checked plan and in the models' terms, following the LP when
    there is one (no re-seating pass: it undid the LP's cross-block choices, +2.3% at 2,000
    students), else the merged picture, re-seated once when there is time for it. Empty when the
    start cannot seat everyone."""
    tracker.enter("placement-start")
    if guide is not None:
        placed = placement_start(inst, timetable, guide, passes=0, tuning=settings.tuning)
    else:
        # With one worker the plan may not hang on the clock: the pass is always made.
        roomy = settings.workers == 1 or deadline - time.monotonic() > 2 * _mip_overhead_seconds(inst, settings.tuning)
        # A guide from single students is the exact model's own picture: followed, not re-seated.
        exact = timetable.guide is not None and timetable.guide.over_quota >= settings.tuning.lp_over_quota
        placed = placement_start(
            inst, timetable, timetable.guide, passes=1 if roomy and not exact else 0, tuning=settings.tuning
        )
    plan = None
    if placed is not None:
        plan = build_plan(inst.index, placed, rooms, status="feasible")
        if check_plan(inst.problem, plan):
            plan = None  # a bug in the start: never hand it on
    tracker.done(objective=None if plan is None else plan.objective)
    if plan is None or placed is None:
        return None, {}
    tracker.found(plan.objective)
    return plan, as_suggestion(inst, placed)


def _mip_overhead_seconds(inst: Instance, tuning: EngineTuning) -> float:
    """Below this much time a placement MIP cannot even finish its presolve and read its start:
    the start is then the answer."""
    return tuning.mip_overhead_seconds + len(inst.problem.students) / tuning.mip_overhead_students_per_second


def _finishing_seconds(inst: Instance, tuning: EngineTuning) -> float:
    """Time to keep for writing the plan and checking it, and for HiGHS to notice its time limit
    (it does not interrupt a long LP solve)."""
    per_student = tuning.check_seconds_per_student + tuning.late_stop_seconds_per_student
    return tuning.safety_seconds + len(inst.problem.students) * per_student


def _polished_plan(
    inst: Instance, plan: Plan | None, settings: SolveSettings, tracker: _Tracker, job: BoundJob
) -> Plan | None:
    """The placed plan improved on the exact model (``polish``) in the time left, or None."""
    deadline = tracker.deadline - _finishing_seconds(inst, settings.tuning)
    if plan is None or len(inst.problem.students) > settings.tuning.polish_up_to:
        return None
    if deadline - time.monotonic() < settings.tuning.polish_min_seconds:
        tracker.clock_cut |= settings.workers == 1
        return None
    if tracker.bound is not None and (plan.objective or 0.0) - tracker.bound <= 1e-6:
        return None  # already proven optimal
    timetable = timetable_of_plan(inst, plan)
    if timetable is None:
        return None
    tracker.enter("polish")
    found = polish(
        inst,
        timetable,
        deadline=deadline,
        seed=settings.seed,
        **_fixed_work(settings, job, settings.tuning.polish_rounds),
        tuning=settings.tuning,
    )
    tracker.done(objective=None if found is None else found[2], rounds=None if found is None else found[3])
    if found is None:
        return None
    polished, pooled, _, _ = found
    try:
        placements = {key: o for key, o in polished.suggested.items() if o != FALLBACK}
        placements.update(seat_fallback(inst, polished, pooled))
        rooms = assign_rooms(inst, polished)
    except PlacementError:
        return None
    better = build_plan(inst.index, placements, rooms, status="feasible")
    tracker.found(better.objective)
    return better if (better.objective or 0.0) < (plan.objective or 0.0) else None


def _valid_plans(problem: Problem, plans: list[Plan | None], tracker: _Tracker) -> list[Plan]:
    """The feasible plans that the independent checker confirms: a plan that breaks a hard rule is
    never returned, whatever stage made it (the warm start cannot place every locked student when
    the data is contradictory, for example)."""
    tracker.enter("check")
    valid = [p for p in plans if p is not None and p.status == "feasible" and not check_plan(problem, p)]
    tracker.done(valid=len(valid))
    return valid


def _collect_bound(job: BoundJob, tracker: _Tracker, plan: Plan | None) -> None:
    """The bound process's answer; not waited for when the search already proved its plan optimal."""
    tracker.enter("bound")
    objective = plan.objective if plan is not None else None
    if objective is None or tracker.bound is None or objective - tracker.bound > 1e-6:
        job.wait(tracker.left())
    if not job.poll():
        job.stop()
    tracker.proved(job.bound)
    tracker.done(bound=job.bound, error=job.error)


def _finish(candidates: list[Plan], warm: Plan, settings: SolveSettings, tracker: _Tracker) -> Plan:
    """The best valid plan (polished, placed or the warm start), with the bound, gap and stages."""
    best = min(candidates, key=lambda p: p.objective if p.objective is not None else math.inf)
    best.engine = {
        "name": "flexblock",
        "method": "LP bound + session MIP + LNS + student MIP (HiGHS via OR-Tools MathOpt)",
        "seed": settings.seed,
        "workers": settings.workers,
        "time_limit": settings.time_limit,
        "returned": "warm start" if best is warm else "optimised",
        # One worker and every stage ended on its planned work: the same input, seed and limit
        # give this same plan again.
        "repeatable": settings.workers == 1 and not tracker.clock_cut,
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


def _explain(problem: Problem, inst: Instance, settings: SolveSettings, tracker: _Tracker) -> Plan:
    from scheduler.solver.explain import explain_infeasibility

    tracker.enter("explain")
    conflicts = explain_infeasibility(problem, time_limit=max(5.0, tracker.left()), seed=settings.seed)
    tracker.done(conflicts=len(conflicts))
    return infeasible_plan(inst.index, conflicts, solve_seconds=tracker.elapsed(), engine={"stages": tracker.stages})
