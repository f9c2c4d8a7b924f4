"""The timetable a placement starts from: read off a model solution, or taken from a plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ortools.math_opt.python import mathopt

from scheduler.domain.plan import Plan
from scheduler.solver.extract import Guide, Timetable
from scheduler.solver.formulation import Variables
from scheduler.solver.instance import Instance
from scheduler.solver.tuning import DEFAULT_TUNING, EngineTuning
from scheduler.solver.units import Unit

FALLBACK = ""  # a suggested placement in the fallback pool (the session is picked later)


def timetable_from_values(
    inst: Instance,
    v: Variables,
    values: Mapping[mathopt.Variable, float],
    *,
    per_student: bool = False,
    units: Sequence[Unit] = (),
    tuning: EngineTuning = DEFAULT_TUNING,
) -> Timetable:
    """Sessions whose room variable is (almost) 1 in an integer solution; with ``per_student``
    (one unit per student, integer placements) the students' placements too, as the placement's
    start; with ``units`` the units' (possibly fractional) placements as a guide for ``start``
    (a seat beyond it costs ``tuning.exact_over_quota`` or ``tuning.merged_over_quota``)."""
    sessions = {(o, b): c for (o, b, c), var in v.z.items() if values.get(var, 0.0) > 0.5}
    suggested: dict[tuple[str, str], str] = {}
    if per_student:
        suggested = {(u, b): o for (u, o, b), var in v.x.items() if values.get(var, 0.0) > 0.5}
        suggested |= {(u, b): FALLBACK for (u, b), var in v.fb.items() if values.get(var, 0.0) > 0.5}
    guide = None
    if units:
        counts = {key: value for key, var in v.x.items() if (value := values.get(var, 0.0)) > 1e-6}
        # Single students' values are the exact model's picture: followed closely (``start``).
        single = all(len(u.members) == 1 for u in units)
        over_quota = tuning.exact_over_quota if single else tuning.merged_over_quota
        guide = Guide({m.id: u.id for u in units for m in u.members}, counts, over_quota)
    return Timetable(sessions, suggested, guide)


def timetable_of_plan(inst: Instance, plan: Plan) -> Timetable | None:
    """The sessions of a valid plan (the warm start) as a timetable over space classes; None when a
    session's room is outside every class the model knows (the plan then cannot be re-placed)."""
    sessions: dict[tuple[str, str], int] = {}
    for session in plan.sessions:
        c = inst.class_of_space.get(session.space or "")
        fits = inst.session_classes.get((session.offering, session.block), [])
        if c is None or all(fit[0] != c for fit in fits):
            return None
        sessions[(session.offering, session.block)] = c
    fallbacks = {o.id for o in inst.index.fallback_offerings}
    offering_of = {s.id: s.offering for s in plan.sessions}
    suggested = {
        (a.student, a.block): FALLBACK if offering_of[a.session] in fallbacks else offering_of[a.session]
        for a in plan.assignments
    }
    return Timetable(sessions, suggested)
