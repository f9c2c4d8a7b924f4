"""The exact student placement on a fixed timetable: its model, its LP as a guide, its MIP start,
and reading placements back. ``engine`` runs these in order within the placement's time.

Why the LP first: on these models the placement's LP relaxation is almost integral (2,000
students: 84 of 21,694 student variables fractional, LP 355,770 against the MIP's 355,805) and
HiGHS solves it in about 3 s, where the MIP took 13-17 s, most of it in cut rounds after that same
LP. Following the LP seat by seat (``start`` with its quotas) gave a valid plan within 0.2% of the
MIP's optimum; the MIP then starts from it and can only improve it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from ortools.math_opt.python import mathopt

from scheduler.solver.extract import Guide, Timetable, seat_fallback
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.highs_run import run_highs
from scheduler.solver.instance import Instance
from scheduler.solver.timetable import FALLBACK
from scheduler.solver.tuning import DEFAULT_TUNING, EngineTuning
from scheduler.solver.units import make_units


def placement_model(inst: Instance, timetable: Timetable, *, tuning: EngineTuning = DEFAULT_TUNING) -> Formulation:
    """The week's model with one unit per student and only the timetable's sessions (continuous:
    ``make_integer`` before the MIP)."""
    sessions = {key: [fit for fit in inst.session_classes[key] if fit[0] == c] for key, c in timetable.sessions.items()}
    return build_formulation(inst, make_units(inst, 1), sessions, tuning=tuning)


def make_integer(form: Formulation) -> None:
    # A session of the timetable may still stay empty (it then does not run), so rooms stay 0/1.
    for var in [*form.vars.z.values(), *form.vars.placement_vars()]:
        var.integer = True


def lp_guide(
    inst: Instance, form: Formulation, *, seconds: float, seed: int, tuning: EngineTuning = DEFAULT_TUNING
) -> tuple[Guide | None, float | None]:
    """The placement LP's student values as a guide for ``start`` (each student their own group),
    and the LP's cost; (None, None) when it did not finish in time. A seat the LP did not give
    costs ``tuning.lp_over_quota`` in the start's flows: far above any choice step, so the flows
    follow the LP wherever it is integral and only fill in where it is not."""
    result = run_highs(form.model, seconds=seconds, seed=seed)
    if not result.feasible or result.objective is None:
        return None, None
    counts = {key: value for key, var in form.vars.x.items() if (value := result.values[var]) > 1e-6}
    group_of = {s.id: s.id for s in inst.problem.students}
    return Guide(group_of, counts, over_quota=tuning.lp_over_quota), result.objective


def placement_hint(inst: Instance, form: Formulation, suggested: Mapping[tuple[str, str], str]) -> dict | None:
    """A complete placement ((student, block) -> offering, ``FALLBACK`` for the pool) as a MIP
    start, so a MIP cut short by the clock still returns at least this placement."""
    if not suggested:
        return None
    hint = {var: float(suggested.get((s, b)) == o) for (s, o, b), var in form.vars.x.items()}
    hint |= {var: float(suggested.get(key) == FALLBACK) for key, var in form.vars.fb.items()}
    used = {(o, b) for (_, b), o in suggested.items()}
    fallbacks = {o.id for o in inst.index.fallback_offerings}
    for (o, b, _), var in form.vars.z.items():
        hint[var] = float((o, b) in used or o in fallbacks)
    return hint


def read_placements(
    inst: Instance, timetable: Timetable, form: Formulation, values: Mapping[mathopt.Variable, float]
) -> dict[tuple[str, str], str]:
    """(student, block) -> offering from an integer solution, pooled students seated in concrete
    fallback sessions (``extract.seat_fallback``; raises ``PlacementError`` when they do not fit)."""
    placements: dict[tuple[str, str], str] = {}
    for (student, offering, block), var in form.vars.x.items():
        if values[var] > 0.5:
            placements[(student, block)] = offering
    pooled: dict[str, list[str]] = defaultdict(list)
    for (student, block), var in form.vars.fb.items():
        if values[var] > 0.5:
            pooled[block].append(student)
    placements.update(seat_fallback(inst, timetable, pooled))
    return placements


def as_suggestion(inst: Instance, placed: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """A concrete placement in the models' terms: fallback sessions become the pool."""
    fallbacks = {o.id for o in inst.index.fallback_offerings}
    return {key: FALLBACK if offering in fallbacks else offering for key, offering in placed.items()}
