"""The Lagrangian bound: valid for any multipliers, and equal to the LP optimum at the optimal ones."""

from __future__ import annotations

import random

import pytest
from ortools.math_opt import sparse_containers_pb2
from ortools.math_opt.python import mathopt

from scheduler.generate import generate_school
from scheduler.solver.dual_bound import lagrangian_bound
from scheduler.solver.formulation import build_formulation
from scheduler.solver.instance import build_instance
from scheduler.solver.units import make_units


@pytest.fixture(scope="module")
def school_lp() -> tuple[mathopt.Model, mathopt.SolveResult]:
    problem = generate_school(40, seed=4)
    inst = build_instance(problem)
    model = build_formulation(inst, make_units(inst, 1)).model
    result = mathopt.solve(model, mathopt.SolverType.GLOP)
    assert result.termination.reason == mathopt.TerminationReason.OPTIMAL
    return model, result


def _duals(model: mathopt.Model, values: dict) -> sparse_containers_pb2.SparseDoubleVectorProto:
    ids = sorted((c.id, v) for c, v in values.items())
    return sparse_containers_pb2.SparseDoubleVectorProto(ids=[i for i, _ in ids], values=[v for _, v in ids])


def test_optimal_multipliers_give_the_lp_optimum(school_lp: tuple[mathopt.Model, mathopt.SolveResult]) -> None:
    model, result = school_lp
    bound = lagrangian_bound(model.export_model(), _duals(model, result.dual_values()))
    assert bound == pytest.approx(result.objective_value(), rel=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_any_multipliers_give_a_valid_bound(school_lp: tuple[mathopt.Model, mathopt.SolveResult], seed: int) -> None:
    model, result = school_lp
    rng = random.Random(seed)
    noisy = {c: v + rng.gauss(0, 20) for c, v in result.dual_values().items()}
    proto = model.export_model()
    assert lagrangian_bound(proto, _duals(model, noisy)) <= result.objective_value() + 1e-6
    assert lagrangian_bound(proto, _duals(model, {})) <= result.objective_value() + 1e-6


@pytest.mark.parametrize("group_size", [2, 3])
def test_merged_students_relax_the_week(group_size: int) -> None:
    """Merging students (cheapest member's cost, no-choice counted per group) only relaxes the
    model: its LP optimum is never above the exact model's, so a bound read from it stays valid."""
    problem = generate_school(40, seed=6)
    inst = build_instance(problem)
    exact = mathopt.solve(build_formulation(inst, make_units(inst, 1)).model, mathopt.SolverType.GLOP)
    merged = mathopt.solve(build_formulation(inst, make_units(inst, group_size)).model, mathopt.SolverType.GLOP)
    assert exact.termination.reason == merged.termination.reason == mathopt.TerminationReason.OPTIMAL
    assert merged.objective_value() <= exact.objective_value() + 1e-6
