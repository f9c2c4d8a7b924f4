"""Polish a placed plan on the exact model: the timetable search's neighbourhoods, students as individuals.

The timetable is chosen on merged students with mean costs, and the exact placement on it costs
several per cent more than the merged model promised. Freeing a block's (or some teachers')
sessions together with the real students' placements there, everything else fixed, lets the
sessions follow the students' actual costs. Each sub-MIP starts from the incumbent as a complete
solution, so the plan never gets worse.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from scheduler.solver import lns
from scheduler.solver.extract import Timetable
from scheduler.solver.formulation import build_formulation
from scheduler.solver.instance import Instance
from scheduler.solver.timetable import FALLBACK, timetable_from_values
from scheduler.solver.tuning import DEFAULT_TUNING, EngineTuning
from scheduler.solver.units import make_units


def polish(
    inst: Instance,
    timetable: Timetable,
    *,
    deadline: float,
    seed: int,
    sub_seconds: float,
    max_rounds: int | None = None,
    sub_nodes: int | None = None,
    spare_core: Callable[[], bool] | None = None,
    tuning: EngineTuning = DEFAULT_TUNING,
) -> tuple[Timetable, dict[str, list[str]], float, int] | None:
    """Improve a placed timetable (its ``suggested`` is the exact placement) until ``deadline``:
    (timetable with its placement, pooled students per block, exact model cost, rounds), or None
    when nothing was gained or the incumbent could not be read into the model."""
    form = build_formulation(inst, make_units(inst, 1), tuning=tuning)
    for var in [*form.vars.z.values(), *form.vars.placement_vars()]:
        var.integer = True
    placed = timetable.suggested
    values = {var: float(timetable.sessions.get((o, b)) == c) for (o, b, c), var in form.vars.z.items()}
    values |= {var: float(placed.get((s, b)) == o) for (s, o, b), var in form.vars.x.items()}
    values |= {var: float(placed.get(key) == FALLBACK) for key, var in form.vars.fb.items()}
    start = lns.complete(form, values, seconds=max(0.5, deadline - time.monotonic()), seed=seed)
    if start is None:
        return None
    start_values, start_objective = start
    found, objective, rounds = lns.improve(
        inst,
        form,
        start_values,
        start_objective,
        deadline=deadline,
        seed=seed,
        sub_seconds=sub_seconds,
        max_rounds=max_rounds,
        sub_nodes=sub_nodes,
        full_hint=True,
        spare_core=spare_core,
        tuning=tuning,
    )
    if objective >= start_objective - 0.5:
        return None
    polished = timetable_from_values(inst, form.vars, found, per_student=True, tuning=tuning)
    pooled: dict[str, list[str]] = defaultdict(list)
    for (student, block), offering in polished.suggested.items():
        if offering == FALLBACK:
            pooled[block].append(student)
    return polished, pooled, objective, rounds
