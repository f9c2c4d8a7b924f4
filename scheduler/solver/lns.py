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

# A neighbourhood: the sessions whose room variables are freed, and the blocks whose student
# placements are freed. Everything else is fixed to the incumbent, so HiGHS's presolve removes it
# and each sub-MIP is about the size of the freed blocks, not of the whole week.
Neighbourhood = Callable[[random.Random], tuple[set[tuple[str, str]], set[str]]]


def _block_neighbourhood(inst: Instance, size: int) -> Neighbourhood:
    blocks = inst.index.block_ids

    def pick(rng: random.Random) -> tuple[set[tuple[str, str]], set[str]]:
        chosen = set(rng.sample(blocks, min(size, len(blocks))))
        return {key for key in inst.session_classes if key[1] in chosen}, chosen

    return pick


def _staff_neighbourhood(inst: Instance, share: float, blocks_free: int) -> Neighbourhood:
    """Some teachers' sessions in a few blocks: moves a session from one day to another."""
    staff_ids = sorted({t for o in inst.problem.offerings if o.kind != "fallback" for t in o.staff})
    blocks = inst.index.block_ids

    def pick(rng: random.Random) -> tuple[set[tuple[str, str]], set[str]]:
        chosen = set(rng.sample(staff_ids, max(1, int(len(staff_ids) * share))))
        days = set(rng.sample(blocks, min(blocks_free, len(blocks))))
        free = {key for key in inst.session_classes if key[1] in days and chosen & set(inst.offering(key[0]).staff)}
        return free, days

    return pick


def fix_outside(
    form: Formulation,
    free: set[tuple[str, str]],
    blocks: set[str],
    values: Mapping[mathopt.Variable, float],
    original: Mapping[mathopt.Variable, tuple[float, float]],
) -> None:
    for (offering, block, _), var in form.vars.z.items():
        if (offering, block) in free:
            var.lower_bound, var.upper_bound = 0.0, 1.0
        else:
            value = float(round(values.get(var, 0.0)))
            var.lower_bound, var.upper_bound = value, value
    placements = [*((k[2], v) for k, v in form.vars.x.items()), *((k[1], v) for k, v in form.vars.fb.items())]
    for block, var in placements:
        lower, upper = original[var]
        if block in blocks:
            var.lower_bound, var.upper_bound = lower, upper
        else:
            value = min(upper, max(lower, values.get(var, 0.0)))
            var.lower_bound, var.upper_bound = value, value


def release(form: Formulation, original: Mapping[mathopt.Variable, tuple[float, float]]) -> None:
    for var in form.vars.z.values():
        var.lower_bound, var.upper_bound = 0.0, 1.0
    for var, (lower, upper) in original.items():
        var.lower_bound, var.upper_bound = lower, upper


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
    full_hint: bool = False,
) -> tuple[dict[mathopt.Variable, float], float, int]:
    """Improve an integer timetable until ``deadline``; returns (values, objective, rounds).

    With ``max_rounds`` and ``sub_nodes`` the search does a fixed amount of work (the same plan for
    the same seed, as long as the deadline does not cut it short). With ``full_hint`` every
    variable of the incumbent is the sub-MIP's start (integer students: completing a rooms-only
    start would be a MIP of its own), else only the rooms.
    """
    rng = random.Random(seed)
    moves = [_block_neighbourhood(inst, 1), _staff_neighbourhood(inst, 0.4, 2), _block_neighbourhood(inst, 2)]
    original = {var: (var.lower_bound, var.upper_bound) for var in form.vars.placement_vars()}
    rounds = 0
    try:
        while time.monotonic() + min(sub_seconds, 1.0) < deadline and (max_rounds is None or rounds < max_rounds):
            free, blocks = moves[rounds % len(moves)](rng)
            rounds += 1
            fix_outside(form, free, blocks, values, original)
            seconds = min(sub_seconds, deadline - time.monotonic())
            hint = dict(values) if full_hint else {var: values.get(var, 0.0) for var in form.vars.z.values()}
            try:
                result = run_highs(
                    form.model, seconds=seconds, seed=seed + rounds, relative_gap=1e-4, hint=hint, node_limit=sub_nodes
                )
            except (RuntimeError, AttributeError):
                # HiGHS (OR-Tools 9.15) rejects some sub-MIPs started from a complete solution with
                # an internal error, raised as AttributeError while OR-Tools converts the status;
                # seen only on the exact model (``polish``). The neighbourhood is skipped.
                continue
            if result.feasible and result.objective is not None and result.objective < objective - 1e-6:
                values, objective = result.values, result.objective
                if on_improvement is not None:
                    on_improvement(objective)
    finally:
        release(form, original)
    return values, objective, rounds
