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
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from ortools.math_opt.python import mathopt

from scheduler.solver.formulation import Formulation
from scheduler.solver.instance import Instance
from scheduler.solver.submip import Layout, Move, SubMip, Values
from scheduler.solver.tuning import DEFAULT_TUNING, EngineTuning

# Picks a move around the incumbent (``values``), or None when it has nothing to aim at.
Neighbourhood = Callable[[random.Random, Mapping[mathopt.Variable, float]], Move | None]
# A neighbourhood that always has a move.
AlwaysMoves = Callable[[random.Random, Mapping[mathopt.Variable, float]], Move]


def _block_neighbourhood(inst: Instance, size: int) -> AlwaysMoves:
    blocks = inst.index.block_ids

    def pick(rng: random.Random, values: Mapping[mathopt.Variable, float]) -> Move:
        chosen = set(rng.sample(blocks, min(size, len(blocks))))
        return Move({key for key in inst.session_classes if key[1] in chosen}, chosen)

    return pick


def _could_attend(form: Formulation, sessions: set[tuple[str, str]]) -> frozenset[str]:
    """Units with a placement variable in any of ``sessions``: who a focused move frees."""
    return frozenset(unit.id for key in sessions for unit, _ in form.vars.by_session.get(key, []))


def _staff_neighbourhood(
    inst: Instance, form: Formulation, share: float, blocks_free: int, *, focused: bool = False, most: int | None = None
) -> Neighbourhood:
    """Some teachers' sessions in a few blocks: moves a session from one day to another. Those
    blocks are freed whole, or with ``focused`` only the students who could attend the freed
    sessions, and only there. Moving sessions across blocks needs two blocks at once, but two
    whole blocks of 2,000 students outlast a round (still unsolved after 15 s), and a greedy
    timetable can be a local optimum of single blocks (2,000 students, seed 1: no block, two-block
    or whole-block teacher move found anything in 11 rounds; eight focused ones at a tenth of the
    teachers took the merged cost from 304,427 to 296,672, 1.5-2.9 s each). At most ``most``
    teachers when given."""
    staff_ids = sorted({t for o in inst.problem.offerings if o.kind != "fallback" for t in o.staff})
    blocks = inst.index.block_ids

    def pick(rng: random.Random, values: Mapping[mathopt.Variable, float]) -> Move:
        count = max(1, int(len(staff_ids) * share))
        chosen = set(rng.sample(staff_ids, count if most is None else min(most, count)))
        days = frozenset(rng.sample(blocks, min(blocks_free, len(blocks))))
        free = {key for key in inst.session_classes if key[1] in days and chosen & set(inst.offering(key[0]).staff)}
        if not focused:
            return Move(free, set(days))
        units = _could_attend(form, free)
        return Move(free, set(), units, days)

    return pick


def _no_choice_neighbourhood(inst: Instance, form: Formulation, targets: int, offerings: int) -> Neighbourhood:
    """Students who get none of their choices: their open blocks (fallback or an offering they
    neither need nor must attend) freed whole, with a few of their choices' sessions in every
    block and the students in those sessions. It can move a chosen session into a student's only
    open block, which freeing random blocks finds too rarely: each such student costs
    ``policy.no_choice``, yet is one of hundreds in a block's sub-MIP (600 students, seed 0: one
    student was left without a choice while a teacher of theirs was free in their open block).
    In merged models the move is focused like a teacher move (below)."""
    units = {u.id: u for u in form.units}
    single_students = all(unit.single is not None for unit in form.units)
    v = form.vars

    def open_blocks(unit_id: str, values: Mapping[mathopt.Variable, float]) -> set[str]:
        unit = units[unit_id]
        kept = set(unit.needs) | set(unit.required)
        found = {block for (u, block), var in v.fb.items() if u == unit_id and values.get(var, 0.0) > 1e-6}
        found |= {b for o, b, var in v.by_unit.get(unit_id, []) if o not in kept and values.get(var, 0.0) > 1e-6}
        return found

    def pick(rng: random.Random, values: Mapping[mathopt.Variable, float]) -> Move | None:
        # Merged units' open blocks are most of the week: aimed moves are for single students
        # (in merged models, those with one free slot: ``units``).
        unmet = sorted(u for u, var in v.no_choice.items() if units[u].single and values.get(var, 0.0) > 0.5)
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
        if single_students:
            sessions = {key for key in inst.session_classes if key[1] in blocks or key[0] in wanted}
            movers = {
                unit.id for key in sessions for unit, var in v.by_session.get(key, []) if values.get(var, 0.0) > 1e-6
            }
            return Move(sessions, blocks, frozenset(movers | set(chosen)))
        # Merged units: a whole block of 2,000 students outlasts a round (4-5 s, nothing found).
        # The wanted sessions, their teachers' sessions in the open blocks, and only the units
        # that could attend them, in those blocks.
        teachers = {t for o in wanted for t in inst.offering(o).staff}
        sessions = {
            key
            for key in inst.session_classes
            if key[0] in wanted or (key[1] in blocks and teachers & set(inst.offering(key[0]).staff))
        }
        days = frozenset(blocks | {b for _, b in sessions})
        return Move(sessions, set(), _could_attend(form, sessions) | set(chosen), days)

    return pick


def _replacement(inst: Instance, form: Formulation) -> Neighbourhood:
    """Every student's placement freed, every room fixed: an LP while students are fractional.
    Block and staff moves keep the students outside them where they were, so the placements
    drift from what the timetable allows; re-placing everyone catches up (600 students, seed 1:
    one such move took the search from 78,968 to 76,138, and the run from an 11.4% gap to 9.8%).
    Only when the rooms changed since the last one (else None: nothing to gain)."""
    blocks = set(inst.index.block_ids)
    last: list[tuple[int, ...]] = []

    def pick(rng: random.Random, values: Mapping[mathopt.Variable, float]) -> Move | None:
        rooms = tuple(round(values[var]) for var in form.vars.z.values())
        if last and last[0] == rooms:
            return None
        last[:] = [rooms]
        return Move(set(), blocks)

    return pick


def _layout(form: Formulation) -> Layout:
    """The layout of ``form`` with its placement variables' bounds as they are now (the originals:
    moves never change the model itself)."""
    return Layout(form, {var: (var.lower_bound, var.upper_bound) for var in form.vars.placement_vars()})


def complete(
    form: Formulation, values: Mapping[mathopt.Variable, float], *, seconds: float, seed: int
) -> tuple[Values, float] | None:
    """The incumbent with its auxiliary variables (costs, misses) filled in by a solve with every
    room and placement fixed: a complete start for ``improve``, and its exact cost."""
    layout = _layout(form)
    found = SubMip(form, layout, full_hint=False, sub_nodes=None).solve(
        Move(set(), set()), layout.array(values), seconds, seed
    )
    return None if found is None else (Values(layout, found[0]), found[1])


def improve(
    inst: Instance,
    form: Formulation,
    values: Mapping[mathopt.Variable, float],
    objective: float,
    *,
    deadline: float,
    seed: int,
    sub_seconds: float,
    max_rounds: int | None = None,
    sub_nodes: int | None = None,
    full_hint: bool = False,
    spare_core: Callable[[], bool] | None = None,
    replace: bool = False,
    tuning: EngineTuning = DEFAULT_TUNING,
) -> tuple[dict[mathopt.Variable, float], float, int]:
    """Improve an integer timetable until ``deadline``; returns (values, objective, rounds).

    With ``max_rounds`` and ``sub_nodes`` the search does a fixed amount of work (the same plan for
    the same seed, as long as the deadline does not cut it short). With ``full_hint`` every
    variable of the incumbent is the sub-MIP's start (integer students: completing a rooms-only
    start would be a MIP of its own), else only the rooms. With ``replace`` one move of each
    cycle re-places all students on the incumbent's rooms (``_replacement``). Whenever
    ``spare_core()`` says the other core is free (the bound process has finished), a second move
    is solved there at the same time, on its own copy of the model; each finished move is kept
    when it beats the incumbent of that moment (both start from a valid solution, so either
    result is one). ``values`` from ``complete`` bring their layout along. ``tuning`` sizes the
    teacher's-week and aimed moves.
    """
    rng = random.Random(seed)
    single = _block_neighbourhood(inst, 1)
    focused = _staff_neighbourhood(inst, form, 0.1, 2, focused=True)
    # A few teachers' whole week, with only the students who could attend: a session can move to
    # any day, where two-block moves reach one other day.
    every_block = len(inst.index.block_ids)
    week = _staff_neighbourhood(inst, form, tuning.week_share, every_block, focused=True, most=tuning.week_most)
    staff = _staff_neighbourhood(inst, form, 0.4, 2)
    moves = [single, focused, week, staff, focused, week, _block_neighbourhood(inst, 2)]
    if replace:
        moves.insert(5, _replacement(inst, form))  # early: one worker plans few rounds
    if any(unit.single is not None for unit in form.units):
        aimed = _no_choice_neighbourhood(inst, form, tuning.no_choice_targets, tuning.no_choice_offerings)
        moves.insert(0, aimed)
    layout = values.layout if isinstance(values, Values) else _layout(form)
    current = layout.array(values)
    main = SubMip(form, layout, full_hint=full_hint, sub_nodes=sub_nodes)
    twin: SubMip | None = None
    pending: Future[tuple[np.ndarray, float] | None] | None = None
    pool = ThreadPoolExecutor(max_workers=1) if spare_core is not None and max_rounds is None else None
    rounds = 0

    def next_move() -> tuple[Move, np.ndarray, float, int]:
        """The next move around the incumbent, with the arguments of ``SubMip.solve``."""
        nonlocal rounds
        view = Values(layout, current)
        move = moves[rounds % len(moves)](rng, view) or single(rng, view)
        rounds += 1
        return move, current, min(sub_seconds, deadline - time.monotonic()), seed + rounds

    def keep(found: tuple[np.ndarray, float] | None) -> None:
        nonlocal current, objective
        if found is not None and found[1] < objective - 1e-6:
            current, objective = found

    try:
        while time.monotonic() + min(sub_seconds, 1.0) < deadline and (max_rounds is None or rounds < max_rounds):
            if pool is not None and spare_core is not None and pending is None and spare_core():
                twin = twin or SubMip(form, layout, full_hint=full_hint, sub_nodes=sub_nodes)
                pending = pool.submit(twin.solve, *next_move())
            keep(main.solve(*next_move()))
            if pending is not None and pending.done():
                keep(pending.result())
                pending = None
        if pending is not None:
            keep(pending.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return Values(layout, current).as_dict(), objective, rounds
