"""An integer solution of the exact week model (one unit per student) written as a checked plan.

The feasibility stage and the repair of a previous plan both solve the exact model with every
variable integer; the model pools fallback seats per block and grade and counts rooms per class, so
the concrete fallback sessions (``extract.seat_fallback``) and rooms (``extract.assign_rooms``) are
picked here, and the independent checker has the last word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ortools.math_opt.python import mathopt

from scheduler.domain.checker import check_plan
from scheduler.domain.plan import Plan
from scheduler.solver.extract import PlacementError, assign_rooms, seat_fallback
from scheduler.solver.formulation import Formulation
from scheduler.solver.instance import Instance
from scheduler.solver.plan_writer import build_plan
from scheduler.solver.timetable import FALLBACK, timetable_from_values


@contextmanager
def integer_model(form: Formulation, *, objective: bool = True) -> Iterator[Formulation]:
    """The model with every variable integer (students placed whole, rooms whole), and without
    its objective unless ``objective``; integrality and objective are as they were on exit, so the
    same model serves the bound's LP and the timetable search afterwards (building it takes 3-5 s
    at 2,000 students). Bounds are the caller's to restore."""
    variables = list(form.model.variables())
    was_integer = [var for var in variables if var.integer]
    terms = [] if objective else [(t.variable, t.coefficient) for t in form.model.objective.linear_terms()]
    offset = form.model.objective.offset
    for var in variables:
        var.integer = True
    if not objective:
        form.model.objective.clear()
    try:
        yield form
    finally:
        for var in variables:
            var.integer = False
        for var in was_integer:
            var.integer = True
        if not objective:
            for var, coefficient in terms:
                form.model.objective.set_linear_coefficient(var, coefficient)
            form.model.objective.offset = offset
            form.model.objective.is_maximize = False


def plan_from_exact_solution(
    inst: Instance,
    form: Formulation,
    values: Mapping[mathopt.Variable, float],
    prefer: Mapping[tuple[str, str], str] | None = None,
) -> tuple[Plan | None, str]:
    """The plan of an integer solution, or None and why it could not be written as a valid one;
    pooled students keep the study hall ``prefer`` names ((student, block) -> hall) where they can
    (by default the previous plan's)."""
    timetable = timetable_from_values(inst, form.vars, values, per_student=True)
    pooled: dict[str, list[str]] = defaultdict(list)
    for (student, block), offering in timetable.suggested.items():
        if offering == FALLBACK:
            pooled[block].append(student)
    try:
        placements = {key: o for key, o in timetable.suggested.items() if o != FALLBACK}
        placements.update(seat_fallback(inst, timetable, pooled, prefer))
        rooms = assign_rooms(inst, timetable)
    except PlacementError as error:
        return None, f"the solution could not be seated: {error}"
    plan = build_plan(inst.index, placements, rooms, status="feasible")
    violations = check_plan(inst.problem, plan)
    if violations:
        return None, f"the solution breaks {violations[0].rule}: {violations[0].message}"
    return plan, "found"
