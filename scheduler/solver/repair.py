"""Repair of the previous plan: the first incumbent of a re-plan, moving only what the change forces.

A re-plan after a small change (a teacher away for one block, a room closed, a few students'
choices changed) used to start from the first-come-first-served warm start, which knows nothing of
the previous plan; the search then had to find its way back under the stability cost, and moved
hundreds of placements the change never touched. Here the previous plan is the start:

1. every previous placement the problem still allows (``domain.stability.forced_change``) is
   pinned, and sessions are only opened where the previous plan ran them or in a block a change
   touched; the exact week model (one unit per student, everything integer, the full objective with
   its stability term) then re-seats only the displaced students, a small MIP once presolve has
   removed the pinned ones;
2. when the pinned placements leave no room for them, the students of the sessions they left are
   freed too (a club that lost a member below its ``min_students`` must refill or close);
3. failing that, the touched blocks are freed whole and everything else stays pinned.

The result is a checked plan, or None when neither level finds one in the time given (the engine
then starts as it would without a previous plan).

The same repair serves the greedy warm start when it breaks a rule (``repair_plan``): its plan is
pinned but for the blocks where it left students without a seat or broke a rule, which is a far
smaller model than the feasibility stage's whole week (2,000 students on tight study halls: 19 s to
a first plan from the whole week).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.math_opt.python import mathopt

from scheduler.domain.plan import Plan
from scheduler.domain.problem import Placement
from scheduler.domain.stability import ForcedChanges
from scheduler.solver.exact_solution import integer_model, plan_from_exact_solution
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.highs_run import run_highs
from scheduler.solver.instance import Instance
from scheduler.solver.session_flow import Arc, assign
from scheduler.solver.units import make_units


@dataclass(frozen=True)
class RepairResult:
    plan: Plan | None
    reason: str
    level: str | None = None  # how much was freed: one of ``LEVELS``
    timed_out: bool = False  # a solve ended on the clock, not on its answer or node limit
    blocks: tuple[str, ...] = ()  # the blocks where something had to move


# How much of the plan each attempt frees, least first: only the displaced students' seats; also
# the rest of their week and the students of the sessions they left (a club below its minimum must
# close or refill; a student with no seat in the last block may need a choice back from another
# day); every student of the blocks a change touched.
LEVELS = ("displaced students", "touched sessions", "touched blocks")


@dataclass
class _Change:
    """The placements that can be pinned (with their variables), and where the change displaced
    someone: who, the sessions they left and the blocks of those sessions."""

    pins: list[tuple[Placement, mathopt.Variable]] = field(default_factory=list)
    students: set[str] = field(default_factory=set)
    sessions: set[tuple[str, str]] = field(default_factory=set)
    blocks: set[str] = field(default_factory=set)

    def pinned_at(self, level: str) -> list[tuple[Placement, mathopt.Variable]]:
        if level == "displaced students":
            return self.pins
        if level == "touched sessions":
            return [
                (p, var)
                for p, var in self.pins
                if (p.offering, p.block) not in self.sessions and p.student not in self.students
            ]
        return [(p, var) for p, var in self.pins if p.block not in self.blocks and p.student not in self.students]


def _placement_var(form: Formulation, inst: Instance, prev: Placement) -> mathopt.Variable | None:
    """The model variable that keeps ``prev``: its offering's, or the fallback pool's for a study hall."""
    var = form.vars.x.get((prev.student, prev.offering, prev.block))
    if var is None and inst.offering(prev.offering).kind == "fallback":
        var = form.vars.fb.get((prev.student, prev.block))
    return var


def _change(
    inst: Instance,
    form: Formulation,
    placements: Sequence[Placement],
    touched: Iterable[str],
    students: Iterable[str],
) -> _Change:
    change = _Change(blocks=set(touched), students=set(students))
    forced = ForcedChanges(inst.index)
    for prev in placements:
        if inst.fallback_locks.get((prev.student, prev.block)) == prev.offering:
            continue  # locked into a study hall: the model keeps it without a variable
        var = _placement_var(form, inst, prev) if prev.offering in inst.index.offerings else None
        if var is None or forced.reason(prev) is not None:
            change.sessions.add((prev.offering, prev.block))
            change.blocks.add(prev.block)
            change.students.add(prev.student)
        else:
            change.pins.append((prev, var))
    for block, sessions in _roomless(inst, {(p.offering, p.block) for p, _ in change.pins}).items():
        change.blocks.add(block)
        change.sessions |= sessions
    return change


def _roomless(inst: Instance, ran: set[tuple[str, str]]) -> dict[str, set[tuple[str, str]]]:
    """Blocks whose sessions can no longer all have a room (a room closed for the block while
    every other fitting one is taken), with those sessions: a matching of each block's sessions
    to its free rooms by class, one min-cost flow a block. Nothing displaced anyone there, yet
    pinning everyone would leave the repair no way out (re-plans of tight schools kept 65%)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for block in inst.index.block_ids:
        here = sorted(key for key in ran if key[1] == block and inst.offering(key[0]).kind != "fallback")
        arcs = [Arc(f"{o}@{b}", c, 0) for o, b in here for c, _, _ in inst.session_classes.get((o, b), [])]
        rooms = {c.id: inst.class_counts[(c.id, block)] for c in inst.classes}
        roomed = assign(dict.fromkeys((f"{o}@{b}" for o, b in here), 1), arcs, rooms)
        if len(roomed) < len(here):
            out[block] = set(here)
    return out


Bounds = list[tuple[mathopt.Variable, float, float]]


def _restrict(inst: Instance, form: Formulation, change: _Change, level: str) -> Bounds:
    """Pin the placements ``level`` keeps, close the sessions the plan did not run outside the
    touched blocks, and keep its study halls running. Returns the bounds it changed, as they were."""
    ran = {(p.offering, p.block) for p, _ in change.pins} | change.sessions
    changed: Bounds = []

    def set_bounds(var: mathopt.Variable, lb: float, ub: float) -> None:
        changed.append((var, var.lower_bound, var.upper_bound))
        var.lower_bound, var.upper_bound = lb, ub

    for _, var in change.pinned_at(level):
        set_bounds(var, var.upper_bound, var.upper_bound)
    for (offering, block, _), var in form.vars.z.items():
        fallback = inst.offering(offering).kind == "fallback"
        if block not in change.blocks and not fallback and (offering, block) not in ran:
            set_bounds(var, 0.0, 0.0)
    # The model pools study halls: the halls that ran keep running, so their students keep them.
    for key, y in form.vars.runs.items():
        if key in ran and inst.offering(key[0]).kind == "fallback":
            set_bounds(y, 1.0, y.upper_bound)
    return changed


def repair_previous(
    inst: Instance, *, seconds: float, seed: int, exact: Formulation | None = None, node_limit: int | None = None
) -> RepairResult:
    """The previous plan with only what the change forces re-seated; see the module docstring.
    ``exact`` is the exact week model when the caller has one (it is left as it was)."""
    if not inst.problem.previous:
        return RepairResult(None, "no previous plan")
    return repair_plan(inst, inst.problem.previous, seconds=seconds, seed=seed, exact=exact, node_limit=node_limit)


def repair_plan(
    inst: Instance,
    placements: Sequence[Placement],
    *,
    touched: Iterable[str] = (),
    students: Iterable[str] = (),
    seconds: float,
    seed: int,
    exact: Formulation | None = None,
    node_limit: int | None = None,
) -> RepairResult:
    """``placements`` (a previous plan, or a greedy plan that broke a rule) made valid, moving only
    what must move: what the problem no longer allows, and what the caller knows is broken (the
    ``touched`` blocks, the ``students`` left without a seat)."""
    deadline = time.monotonic() + seconds
    form = exact or build_formulation(inst, make_units(inst, 1))
    change = _change(inst, form, placements, touched, students)
    reason = "nothing tried"
    timed_out = False
    with integer_model(form):
        for level in LEVELS if change.blocks else LEVELS[:1]:
            changed = _restrict(inst, form, change, level)
            seconds_left = deadline - time.monotonic()
            # Whole blocks freed are a big MIP: its first solution is a valid plan for the search
            # to improve (2,000 students, two blocks of eight: 17 s to it).
            first = 1 if level == LEVELS[-1] else None
            result = run_highs(
                form.model, seconds=seconds_left, seed=seed, relative_gap=1e-3, node_limit=node_limit, solutions=first
            )
            timed_out |= result.timed_out
            for var, lb, ub in reversed(changed):
                var.lower_bound, var.upper_bound = lb, ub
            if result.feasible:
                halls = {(p.student, p.block): p.offering for p in placements}
                plan, reason = plan_from_exact_solution(inst, form, result.values, halls)
                if plan is not None:
                    return RepairResult(plan, "repaired", level, timed_out, tuple(sorted(change.blocks)))
            else:
                reason = "no room for the displaced students" if result.infeasible else "out of time"
            if time.monotonic() >= deadline:
                break
    return RepairResult(None, reason, None, timed_out)


def plan_placements(plan: Plan) -> list[Placement]:
    """A plan's assignments as (student, block, offering) placements."""
    offering_of = {s.id: s.offering for s in plan.sessions}
    return [Placement(student=a.student, block=a.block, offering=offering_of[a.session]) for a in plan.assignments]
