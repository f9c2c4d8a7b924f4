"""The timetable a placement starts from: read off a model solution, or taken from a plan."""

from __future__ import annotations

from collections.abc import Mapping

from ortools.math_opt.python import mathopt

from scheduler.domain.plan import Plan
from scheduler.solver.extract import Timetable
from scheduler.solver.formulation import Variables
from scheduler.solver.instance import Instance


def timetable_from_values(inst: Instance, v: Variables, values: Mapping[mathopt.Variable, float]) -> Timetable:
    """Sessions whose room variable is (almost) 1 in an integer solution."""
    return Timetable({(o, b): c for (o, b, c), var in v.z.items() if values.get(var, 0.0) > 0.5})


def timetable_of_plan(inst: Instance, plan: Plan) -> Timetable | None:
    """The sessions of a valid plan (the warm start) as a timetable over space classes; None when a
    session's room is outside every class the model knows (the plan then cannot be re-placed)."""
    class_of = {space.id: c.id for c in inst.classes for space in c.spaces}
    sessions: dict[tuple[str, str], int] = {}
    for session in plan.sessions:
        c = class_of.get(session.space or "")
        fits = inst.session_classes.get((session.offering, session.block), [])
        if c is None or all(fit[0] != c for fit in fits):
            return None
        sessions[(session.offering, session.block)] = c
    return Timetable(sessions)
