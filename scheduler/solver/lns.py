"""Large-neighbourhood search on the timetable: free a few blocks or teachers, re-solve, keep gains.

The session MIP of the whole week stalls far from optimal on schools where teachers' time is the
bottleneck; small sub-MIPs (most room variables fixed to the incumbent, students fractional) solve
in a second or two and move sessions between blocks and rooms much better than branching does.
Every sub-MIP starts from the incumbent, so the search never gets worse.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping

from ortools.math_opt.python import mathopt

from scheduler.solver.formulation import Formulation
from scheduler.solver.highs_run import run_highs
from scheduler.solver.instance import Instance

Neighbourhood = Callable[[random.Random], set[tuple[str, str]]]


def _block_neighbourhood(inst: Instance, size: int) -> Neighbourhood:
    blocks = inst.index.block_ids

    def pick(rng: random.Random) -> set[tuple[str, str]]:
        chosen = set(rng.sample(blocks, min(size, len(blocks))))
        return {key for key in inst.session_classes if key[1] in chosen}

    return pick


def _staff_neighbourhood(inst: Instance, share: float) -> Neighbourhood:
    staff_ids = sorted({t for o in inst.problem.offerings if o.kind != "fallback" for t in o.staff})

    def pick(rng: random.Random) -> set[tuple[str, str]]:
        chosen = set(rng.sample(staff_ids, max(1, int(len(staff_ids) * share))))
        return {key for key in inst.session_classes if chosen & set(inst.offering(key[0]).staff)}

    return pick


def _fix_outside(form: Formulation, free: set[tuple[str, str]], values: Mapping[mathopt.Variable, float]) -> None:
    for (offering, block, _), var in form.vars.z.items():
        if (offering, block) in free:
            var.lower_bound, var.upper_bound = 0.0, 1.0
        else:
            value = float(round(values.get(var, 0.0)))
            var.lower_bound, var.upper_bound = value, value


def _release(form: Formulation) -> None:
    for var in form.vars.z.values():
        var.lower_bound, var.upper_bound = 0.0, 1.0


def improve(
    inst: Instance,
    form: Formulation,
    values: dict[mathopt.Variable, float],
    objective: float,
    *,
    deadline: float,
    seed: int,
    sub_seconds: float,
    max_rounds: int | None = None,
    sub_nodes: int | None = None,
    on_improvement: Callable[[float], None] | None = None,
) -> tuple[dict[mathopt.Variable, float], float, int]:
    """Improve an integer timetable until ``deadline``; returns (values, objective, rounds).

    With ``max_rounds`` and ``sub_nodes`` the search does a fixed amount of work (the same plan for
    the same seed, as long as the deadline does not cut it short).
    """
    rng = random.Random(seed)
    moves = [_block_neighbourhood(inst, 2), _staff_neighbourhood(inst, 0.3), _block_neighbourhood(inst, 1)]
    rounds = 0
    try:
        while time.monotonic() + min(sub_seconds, 1.0) < deadline and (max_rounds is None or rounds < max_rounds):
            free = moves[rounds % len(moves)](rng)
            rounds += 1
            _fix_outside(form, free, values)
            seconds = min(sub_seconds, deadline - time.monotonic())
            hint = {var: values.get(var, 0.0) for var in form.vars.z.values()}
            result = run_highs(
                form.model, seconds=seconds, seed=seed + rounds, relative_gap=1e-4, hint=hint, node_limit=sub_nodes
            )
            if result.feasible and result.objective is not None and result.objective < objective - 1e-6:
                values, objective = result.values, result.objective
                if on_improvement is not None:
                    on_improvement(objective)
    finally:
        _release(form)
    return values, objective, rounds
