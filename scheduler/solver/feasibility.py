"""The feasibility stage: a plan that keeps every hard rule, found by a solver, not by a greedy.

The warm start (``baseline``) is a first-come-first-served greedy: on tight schools it can fail to
seat students their needs demand (a 1,500-student high school whose intervention groups need 157 of
its 165 small-group room slots: four tier-3 students left short). This stage is the exact week
model (``formulation``, one unit per student, every variable integer) with *no objective*: HiGHS's
feasibility-jump heuristic then finds a solution before its root LP (that school: 1.5 s to build,
4-6 s to solve; with the choice objective the same heuristic found one at the same time, but the
solve then spent the rest of its time on the root LP). The plan it gives is poor on choices; the
later stages improve it, and it is always there to return.

Its first solution is steered towards the greedy's plan (each of the greedy's placements earns 1),
and HiGHS stops at that first solution: a 600-student school whose greedy broke ``runs.min`` got a
plan costing 158,133 where the greedy's cost 158,695, in 2.7 s; with no objective the first
solution cost 588,820, and the search had to climb back from there.

The model pools fallback seats per block and grade, which relaxes the concrete seating, so an
infeasible model proves the school infeasible; a solution the concrete seating cannot complete is
reported as such, never returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.math_opt.python import mathopt

from scheduler.domain.plan import Plan
from scheduler.solver.exact_solution import integer_model, plan_from_exact_solution
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.highs_run import run_highs
from scheduler.solver.instance import Instance
from scheduler.solver.units import make_units


@dataclass(frozen=True)
class FeasibilityResult:
    """A checked plan, or why there is none: ``infeasible`` only when the model was proven empty."""

    plan: Plan | None
    infeasible: bool
    reason: str
    timed_out: bool = False  # ended by the clock, not by a solution, a proof or its node limit


def find_feasible_plan(
    inst: Instance,
    *,
    seconds: float,
    seed: int,
    exact: Formulation | None = None,
    near: Plan | None = None,
    node_limit: int | None = None,
) -> FeasibilityResult:
    """A plan keeping every hard rule within ``seconds``, as close to ``near`` (the greedy's plan,
    which broke a rule) as the solver's first solution comes; ``exact`` is the exact week model
    when the caller has one (it is left as it was)."""
    form = exact or build_formulation(inst, make_units(inst, 1))
    with integer_model(form, objective=False):
        for var in _agreeing(inst, form, near):
            form.model.objective.set_linear_coefficient(var, -1.0)
        result = run_highs(form.model, seconds=seconds, seed=seed, solutions=1, node_limit=node_limit)
    if result.infeasible:
        return FeasibilityResult(None, True, "the exact model of the hard rules has no solution")
    if not result.feasible:
        why = f"no plan keeping every hard rule found in {seconds:.0f} s"
        return FeasibilityResult(None, False, why, result.timed_out)
    plan, reason = plan_from_exact_solution(inst, form, result.values)
    return FeasibilityResult(plan, False, reason, result.timed_out)


def _agreeing(inst: Instance, form: Formulation, near: Plan | None) -> list[mathopt.Variable]:
    """The variables of ``near``'s placements (the fallback pool's for study halls): rewarding
    them turns the solver's first solution from an arbitrary plan into one close to the greedy's."""
    if near is None:
        return []
    offering_of = {s.id: s.offering for s in near.sessions}
    halls = {o.id for o in inst.index.fallback_offerings}
    found = []
    for a in near.assignments:
        offering = offering_of[a.session]
        key = (a.student, a.block)
        var = form.vars.fb.get(key) if offering in halls else form.vars.x.get((a.student, offering, a.block))
        if var is not None:
            found.append(var)
    return found
