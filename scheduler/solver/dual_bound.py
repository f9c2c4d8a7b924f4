"""A proven lower bound from *any* dual vector: the Lagrangian bound of a boxed LP.

Every variable of the model has finite bounds, so for any row multipliers ``y`` (the sign
matching each row's finite side, or zero) the Lagrangian

    bound(y) = offset + sum_i y_i * (l_i if y_i > 0 else u_i) + sum_j min(r_j * lo_j, r_j * up_j),
    r = c - A^T y,

is at most the cost of every feasible point, hence of the optimum. A first-order LP method
(PDLP) stopped at the time limit gives a nearly optimal ``y`` long before an interior-point
method finishes on a big school; this turns that ``y`` into a bound we can prove, with no
trust in the solver's own convergence test.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.math_opt import model_pb2, sparse_containers_pb2


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    return np.searchsorted(ids, wanted)


def lagrangian_bound(model: model_pb2.ModelProto, duals: sparse_containers_pb2.SparseDoubleVectorProto) -> float:
    """The bound above for a minimisation ``model`` and row multipliers ``duals`` (missing ids: 0)."""
    if model.objective.maximize:
        raise ValueError("lagrangian_bound expects a minimisation model")
    row_ids = np.asarray(model.linear_constraints.ids, dtype=np.int64)
    row_lo = np.asarray(model.linear_constraints.lower_bounds, dtype=float)
    row_up = np.asarray(model.linear_constraints.upper_bounds, dtype=float)
    y = np.zeros(len(row_ids))
    if len(duals.ids):
        y[_positions(row_ids, np.asarray(duals.ids, dtype=np.int64))] = np.asarray(duals.values, dtype=float)
    # A multiplier may only lean on a finite side of its row.
    y[(y > 0) & ~np.isfinite(row_lo)] = 0.0
    y[(y < 0) & ~np.isfinite(row_up)] = 0.0
    row_part = np.where(y > 0, y * np.where(np.isfinite(row_lo), row_lo, 0.0), 0.0)
    row_part += np.where(y < 0, y * np.where(np.isfinite(row_up), row_up, 0.0), 0.0)

    var_ids = np.asarray(model.variables.ids, dtype=np.int64)
    lo = np.asarray(model.variables.lower_bounds, dtype=float)
    up = np.asarray(model.variables.upper_bounds, dtype=float)
    reduced = np.zeros(len(var_ids))
    objective = model.objective.linear_coefficients
    if len(objective.ids):
        reduced[_positions(var_ids, np.asarray(objective.ids, dtype=np.int64))] = np.asarray(objective.values)
    matrix = model.linear_constraint_matrix
    if len(matrix.coefficients):
        rows = _positions(row_ids, np.asarray(matrix.row_ids, dtype=np.int64))
        cols = _positions(var_ids, np.asarray(matrix.column_ids, dtype=np.int64))
        np.add.at(reduced, cols, -np.asarray(matrix.coefficients, dtype=float) * y[rows])
    with np.errstate(invalid="ignore"):
        var_part = np.where(reduced > 0, reduced * lo, np.where(reduced < 0, reduced * up, 0.0))
    total = float(model.objective.offset + row_part.sum() + var_part.sum())
    return total if math.isfinite(total) else -math.inf
