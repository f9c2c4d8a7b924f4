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
from dataclasses import dataclass

from ortools.math_opt.python import mathopt

from scheduler.solver.formulation import Formulation
from scheduler.solver.highs_run import run_highs
from scheduler.solver.instance import Instance

# Students without a choice aimed at per move, and how many of each one's choices are freed.
NO_CHOICE_TARGETS = 2
NO_CHOICE_OFFERINGS = 2


@dataclass(frozen=True)
class Move:
    """A neighbourhood: the sessions whose room variables are freed, the blocks whose student
    placements are freed, and units whose placements are freed in every block. Everything else is
    fixed to the incumbent, so HiGHS's presolve removes it and each sub-MIP is about the size of
    what was freed, not of the whole week."""

    sessions: set[tuple[str, str]]
    blocks: set[str]
    units: frozenset[str] = frozenset()


# Picks a move around the incumbent (``values``), or None when it has nothing to aim at.
Neighbourhood = Callable[[random.Random, Mapping[mathopt.Variable, float]], Move | None]


def _block_neighbourhood(inst: Instance, size: int) -> Neighbourhood:
    blocks = inst.index.block_ids

    def pick(rng: random.Random, values: Mapping[mathopt.Variable, float]) -> Move:
        chosen = set(rng.sample(blocks, min(size, len(blocks))))
        return Move({key for key in inst.session_classes if key[1] in chosen}, chosen)

    return pick


def _staff_neighbourhood(inst: Instance, share: float, blocks_free: int) -> Neighbourhood:
    """Some teachers' sessions in a few blocks: moves a session from one day to another."""
    staff_ids = sorted({t for o in inst.problem.offerings if o.kind != "fallback" for t in o.staff})
    blocks = inst.index.block_ids

    def pick(rng: random.Random, values: Mapping[mathopt.Variable, float]) -> Move:
        chosen = set(rng.sample(staff_ids, max(1, int(len(staff_ids) * share))))
        days = set(rng.sample(blocks, min(blocks_free, len(blocks))))
        free = {key for key in inst.session_classes if key[1] in days and chosen & set(inst.offering(key[0]).staff)}
        return Move(free, days)

    return pick


def _no_choice_neighbourhood(inst: Instance, form: Formulation, targets: int, offerings: int) -> Neighbourhood:
    """Students who get none of their choices: their open blocks (fallback or an offering they
    neither need nor must attend) freed whole, with a few of their choices' sessions in every
    block and the students in those sessions. It can move a chosen session into a student's only
    open block, which freeing random blocks finds too rarely: each such student costs
    ``policy.no_choice``, yet is one of hundreds in a block's sub-MIP (600 students, seed 0: one
    student was left without a choice while a teacher of theirs was free in their open block)."""
    units = {u.id: u for u in form.units}
    v = form.vars

    def open_blocks(unit_id: str, values: Mapping[mathopt.Variable, float]) -> set[str]:
        unit = units[unit_id]
        kept = set(unit.needs) | set(unit.required)
        found = {block for (u, block), var in v.fb.items() if u == unit_id and values.get(var, 0.0) > 1e-6}
        found |= {b for o, b, var in v.by_unit.get(unit_id, []) if o not in kept and values.get(var, 0.0) > 1e-6}
        return found

    def pick(rng: random.Random, values: Mapping[mathopt.Variable, float]) -> Move | None:
        unmet = sorted(u for u, var in v.no_choice.items() if values.get(var, 0.0) > 0.5)
        if not unmet:
            return None
        blocks: set[str] = set()
        wanted: set[str] = set()
        chosen = rng.sample(unmet, min(targets, len(unmet)))
        for unit_id in chosen:
            mine = open_blocks(unit_id, values)
            choices = {o for m in units[unit_id].members for o in m.choices}
            # Choices that could run in one of the open blocks, a few at random.
            fitting = sorted(o for o in choices if any((o, b) in inst.session_classes for b in mine))
            blocks |= mine
            wanted |= set(rng.sample(fitting, min(offerings, len(fitting))))
        sessions = {key for key in inst.session_classes if key[1] in blocks or key[0] in wanted}
        movers = {unit.id for key in sessions for unit, var in v.by_session.get(key, []) if values.get(var, 0.0) > 1e-6}
        return Move(sessions, blocks, frozenset(movers | set(chosen)))

    return pick


def fix_outside(
    form: Formulation,
    move: Move,
    values: Mapping[mathopt.Variable, float],
    original: Mapping[mathopt.Variable, tuple[float, float]],
) -> None:
    for (offering, block, _), var in form.vars.z.items():
        if (offering, block) in move.sessions:
            var.lower_bound, var.upper_bound = 0.0, 1.0
        else:
            value = float(round(values.get(var, 0.0)))
            var.lower_bound, var.upper_bound = value, value
    placements = [*((k[0], k[2], v) for k, v in form.vars.x.items()), *((*k, v) for k, v in form.vars.fb.items())]
    for unit, block, var in placements:
        lower, upper = original[var]
        if block in move.blocks or unit in move.units:
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
    single = _block_neighbourhood(inst, 1)
    moves = [single, _staff_neighbourhood(inst, 0.4, 2), _block_neighbourhood(inst, 2)]
    if all(unit.single is not None for unit in form.units):
        # Merged units' open blocks are most of the week: aimed moves are for single students.
        moves.insert(0, _no_choice_neighbourhood(inst, form, NO_CHOICE_TARGETS, NO_CHOICE_OFFERINGS))
    original = {var: (var.lower_bound, var.upper_bound) for var in form.vars.placement_vars()}
    rounds = 0
    try:
        while time.monotonic() + min(sub_seconds, 1.0) < deadline and (max_rounds is None or rounds < max_rounds):
            move = moves[rounds % len(moves)](rng, values) or single(rng, values)
            rounds += 1
            fix_outside(form, move, values, original)
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
