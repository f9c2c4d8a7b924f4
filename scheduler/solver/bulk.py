"""Build large MathOpt models fast: rows and variables are buffered and handed over in bulk.

MathOpt's expression API costs ~150 microseconds a constraint in Python, minutes for a 5,000-student
week; writing the same rows as numpy arrays through the model's element store takes a fraction of
that. Only this module touches that store (``Model._elemental``, stable across OR-Tools 9.x).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from ortools.math_opt.elemental.python import enums
from ortools.math_opt.python import mathopt
from ortools.math_opt.python import variables as mathopt_variables

Term = tuple[mathopt.Variable, float]


class ModelBuilder:
    """Collects variables, rows and objective terms, then writes them into ``model`` at once."""

    def __init__(self, model: mathopt.Model) -> None:
        self.model = model
        self._elemental = model._elemental
        self._var_lb: list[float] = []
        self._var_ub: list[float] = []
        self._first_var = self._elemental.get_next_element_id(enums.ElementType.VARIABLE)
        self._row_lb: list[float] = []
        self._row_ub: list[float] = []
        self._rows: list[int] = []
        self._cols: list[int] = []
        self._coefs: list[float] = []
        self._objective: dict[int, float] = {}
        self.offset = 0.0

    def var(self, lb: float = 0.0, ub: float = 1.0) -> mathopt.Variable:
        """A new continuous variable (ids are allocated now, bounds written on ``flush``)."""
        (var_id,) = self._elemental.add_elements(enums.ElementType.VARIABLE, 1)
        self._var_lb.append(lb)
        self._var_ub.append(ub)
        return mathopt_variables.Variable(self._elemental, int(var_id))

    def row(self, terms: Iterable[Term], lb: float = -math.inf, ub: float = math.inf) -> None:
        """lb <= sum(coef * var) <= ub; repeated variables are added up."""
        merged: dict[int, float] = {}
        for var, coef in terms:
            merged[var.id] = merged.get(var.id, 0.0) + coef
        index = len(self._row_lb)
        for var_id, coef in merged.items():
            if coef:
                self._rows.append(index)
                self._cols.append(var_id)
                self._coefs.append(coef)
        self._row_lb.append(lb)
        self._row_ub.append(ub)

    def cost(self, var: mathopt.Variable, coef: float) -> None:
        if coef:
            self._objective[var.id] = self._objective.get(var.id, 0.0) + coef

    def flush(self) -> None:
        elem = self._elemental
        if self._var_lb:
            ids = np.arange(self._first_var, self._first_var + len(self._var_lb), dtype=np.int64).reshape(-1, 1)
            elem.set_attrs(enums.DoubleAttr1.VARIABLE_LOWER_BOUND, ids, np.asarray(self._var_lb, dtype=np.float64))
            elem.set_attrs(enums.DoubleAttr1.VARIABLE_UPPER_BOUND, ids, np.asarray(self._var_ub, dtype=np.float64))
        if self._row_lb:
            row_ids = elem.add_elements(enums.ElementType.LINEAR_CONSTRAINT, len(self._row_lb)).astype(np.int64)
            keys = row_ids.reshape(-1, 1)
            elem.set_attrs(
                enums.DoubleAttr1.LINEAR_CONSTRAINT_LOWER_BOUND, keys, np.asarray(self._row_lb, dtype=np.float64)
            )
            elem.set_attrs(
                enums.DoubleAttr1.LINEAR_CONSTRAINT_UPPER_BOUND, keys, np.asarray(self._row_ub, dtype=np.float64)
            )
            if self._coefs:
                pairs = np.column_stack([row_ids[np.asarray(self._rows)], np.asarray(self._cols, dtype=np.int64)])
                elem.set_attrs(
                    enums.DoubleAttr2.LINEAR_CONSTRAINT_COEFFICIENT, pairs, np.asarray(self._coefs, dtype=np.float64)
                )
        if self._objective:
            ids = np.fromiter(self._objective.keys(), dtype=np.int64).reshape(-1, 1)
            values = np.fromiter(self._objective.values(), dtype=np.float64)
            elem.set_attrs(enums.DoubleAttr1.OBJECTIVE_LINEAR_COEFFICIENT, ids, values)
        self.model.objective.offset = self.offset
        self.model.objective.is_maximize = False
