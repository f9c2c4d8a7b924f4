"""solve(problem) -> plan: the stages, their time budget, and live progress.

1. Build the compact model (``instance``, ``formulation``).
2. LP relaxation on HiGHS: a proven lower bound, and a fractional guide.
3. Session MIP on HiGHS (rooms integer, students fractional): the timetable, and a stronger bound
   (students fractional is a relaxation of the real problem, so its dual bound is valid).
   When it finds no timetable in its share of time, the LP is rounded (``timetable``).
4. Student MIP on HiGHS with the timetable fixed: every student placed, all rules exact.
5. Concrete rooms and fallback sessions (``extract``), then the spec's plan (``plan_writer``).
When the LP or the session MIP proves the data infeasible, ``explain`` says why.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.solver import lns
from scheduler.solver.extract import PlacementError, Timetable, assign_rooms, seat_fallback
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.highs_run import RunResult, run_highs
from scheduler.solver.instance import Instance, build_instance
from scheduler.solver.plan_writer import build_plan, infeasible_plan
from scheduler.solver.settings import Progress, SolveSettings
from scheduler.solver.timetable import fix_timetable, round_timetable, timetable_from_values

ProgressCallback = Callable[[Progress], None]

# Shares of the time limit each stage may use at most (the rest is kept for the next stages).
LP_SHARE = 0.15
SESSION_SHARE = 0.3
STUDENT_SHARE = 0.1
LNS_SUB_SECONDS = 3.0
SAFETY_SECONDS = 1.5


class _Tracker:
    """Keeps the best objective and bound seen and forwards progress to the caller."""

    def __init__(self, callback: ProgressCallback | None, start: float) -> None:
        self.callback = callback
        self.start = start
        self.objective: float | None = None
        self.bound: float | None = None
        self.solutions = 0
        self.stage = "build"
        self.stages: list[dict[str, object]] = []

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def enter(self, stage: str) -> None:
        self.stage = stage
        self.emit()

    def improve_bound(self, bound: float | None) -> None:
        if bound is not None and (self.bound is None or bound > self.bound):
            self.bound = max(0.0, bound)

    def mip_line(self, bound: float | None, objective: float | None) -> None:
        if self.stage == "session-mip":
            self.improve_bound(bound)
        if objective is not None and self.stage != "lp" and (self.objective is None or objective < self.objective):
            self.objective = objective
            self.solutions += 1
        self.emit()

    def done(self, result: RunResult | None, **facts: object) -> None:
        self.stages.append({"stage": self.stage, "seconds": round(self.elapsed(), 2), **facts})
        self.emit()

    def emit(self) -> None:
        if self.callback is not None:
            objective = self.objective
            self.callback(Progress(self.elapsed(), self.stage, objective, self.bound, self.solutions))


def _remaining(settings: SolveSettings, tracker: _Tracker) -> float:
    return settings.time_limit - tracker.elapsed() - SAFETY_SECONDS


def _lp_bound(form: Formulation, settings: SolveSettings, tracker: _Tracker) -> RunResult:
    tracker.enter("lp")
    result = run_highs(form.model, seconds=settings.time_limit * LP_SHARE, seed=settings.seed)
    tracker.improve_bound(result.bound if result.bound is not None else None)
    tracker.done(result, bound=result.bound)
    return result


def _session_mip(
    inst: Instance, form: Formulation, settings: SolveSettings, tracker: _Tracker, lp: RunResult
) -> tuple[Timetable | None, bool]:
    """The timetable (or None) and whether the data was proven infeasible."""
    tracker.enter("session-mip")
    for var in form.vars.z.values():
        var.integer = True
    seconds = min(settings.time_limit * SESSION_SHARE, _remaining(settings, tracker) * 0.5)
    hint = _rounded_hint(inst, form, lp)
    result = run_highs(
        form.model, seconds=seconds, seed=settings.seed, relative_gap=1e-3, on_progress=tracker.mip_line, hint=hint
    )
    tracker.improve_bound(result.bound)
    tracker.done(result, objective=result.objective, bound=result.bound)
    if result.infeasible:
        return None, True
    if not result.feasible:
        return round_timetable(inst, form.vars, lp.values), False
    values, objective = result.values, result.objective
    assert objective is not None
    if tracker.bound is None or objective - tracker.bound > 1e-6 * max(1.0, objective):
        values = _improve(inst, form, settings, tracker, values, objective)
    return timetable_from_values(inst, form.vars, values), False


def _rounded_hint(inst: Instance, form: Formulation, lp: RunResult) -> dict | None:
    """Room variables of the rounded LP: a starting timetable for the session MIP."""
    if not lp.values:
        return None
    timetable = round_timetable(inst, form.vars, lp.values)
    return {var: float(timetable.sessions.get((o, b)) == c) for (o, b, c), var in form.vars.z.items()}


def _improve(
    inst: Instance, form: Formulation, settings: SolveSettings, tracker: _Tracker, values: dict, objective: float
) -> dict:
    tracker.enter("lns")
    deadline = tracker.start + settings.time_limit * (1 - STUDENT_SHARE) - SAFETY_SECONDS

    def on_improvement(value: float) -> None:
        tracker.mip_line(None, value)

    values, objective, rounds = lns.improve(
        inst,
        form,
        values,
        objective,
        deadline=deadline,
        seed=settings.seed,
        sub_seconds=LNS_SUB_SECONDS,
        on_improvement=on_improvement,
    )
    tracker.done(None, objective=objective, rounds=rounds)
    return values


def _place_students(
    inst: Instance, form: Formulation, timetable: Timetable, settings: SolveSettings, tracker: _Tracker
) -> dict[tuple[str, str], str] | None:
    tracker.enter("student-mip")
    fix_timetable(inst, form.vars, timetable)
    for var in form.vars.placement_vars():
        var.integer = True
    result = run_highs(
        form.model, seconds=max(1.0, _remaining(settings, tracker)), seed=settings.seed, on_progress=tracker.mip_line
    )
    tracker.done(result, objective=result.objective, bound=result.bound)
    if not result.feasible:
        return None
    placements: dict[tuple[str, str], str] = {}
    for (student, offering, block), var in form.vars.x.items():
        if result.values[var] > 0.5:
            placements[(student, block)] = offering
    pooled: dict[str, list[str]] = defaultdict(list)
    for (student, block), var in form.vars.fb.items():
        if result.values[var] > 0.5:
            pooled[block].append(student)
    placements.update(seat_fallback(inst, timetable, pooled))
    return placements


def solve(problem: Problem, settings: SolveSettings | None = None, on_progress: ProgressCallback | None = None) -> Plan:
    """The best plan found within ``settings.time_limit`` seconds, with a proven bound and gap."""
    settings = settings or SolveSettings()
    tracker = _Tracker(on_progress, time.monotonic())
    tracker.enter("build")
    inst = build_instance(problem)
    form = build_formulation(inst)
    tracker.done(None, variables=len(form.vars.x) + len(form.vars.fb) + len(form.vars.z))
    engine: dict[str, object] = {
        "seed": settings.seed,
        "workers": settings.workers,
        "time_limit": settings.time_limit,
        "stages": tracker.stages,
    }

    lp = _lp_bound(form, settings, tracker)
    timetable, infeasible = (None, True) if lp.infeasible else _session_mip(inst, form, settings, tracker, lp)
    if infeasible:
        return _explain(problem, inst, settings, tracker, engine)
    assert timetable is not None
    try:
        placements = _place_students(inst, form, timetable, settings, tracker)
    except PlacementError:
        placements = None
    if placements is None:
        return build_plan(
            inst.index, {}, {}, status="unknown", bound=tracker.bound, solve_seconds=tracker.elapsed(), engine=engine
        )
    rooms = assign_rooms(inst, Timetable({k: c for k, c in timetable.sessions.items()}))
    plan = build_plan(
        inst.index,
        placements,
        rooms,
        status="feasible",
        bound=tracker.bound,
        solve_seconds=tracker.elapsed(),
        engine=engine,
    )
    if plan.gap is not None and plan.gap <= 1e-6:
        plan.status = "optimal"
    return plan


def _explain(
    problem: Problem, inst: Instance, settings: SolveSettings, tracker: _Tracker, engine: dict[str, object]
) -> Plan:
    from scheduler.solver.explain import explain_infeasibility

    tracker.enter("explain")
    conflicts = explain_infeasibility(problem, time_limit=max(5.0, _remaining(settings, tracker)), seed=settings.seed)
    tracker.done(None, conflicts=len(conflicts))
    return infeasible_plan(inst.index, conflicts, solve_seconds=tracker.elapsed(), engine=engine)
