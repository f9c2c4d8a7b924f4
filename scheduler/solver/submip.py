"""One neighbourhood of the search as a HiGHS solve, its bounds and solution handled in bulk.

A sub-MIP is the whole model with every variable outside the neighbourhood fixed to the
incumbent. Setting 60,000 bounds through MathOpt's Python objects each round, and reading the
solution back into a dictionary of them, took 0.7 s of a 2 s round at 600 students. Here the model
is exported once as a proto; a round writes its bounds into that proto as numpy arrays and reads
the solution back as an array over the model's variables (``Layout`` says which position holds
which variable). Each ``SubMip`` has its own proto, so two rounds can run at once: HiGHS releases
the interpreter lock while it solves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from ortools.math_opt import model_parameters_pb2, result_pb2, solution_pb2
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import callback, init_arguments, mathopt
from pybind11_abseil.status import StatusNotOk

from scheduler.solver.formulation import Formulation

K = TypeVar("K", bound=Hashable)

Key = tuple[str, str]


@dataclass(frozen=True)
class Move:
    """A neighbourhood: the sessions whose room variables are freed, the blocks whose student
    placements are freed, and units whose placements are freed in every block. Everything else is
    fixed to the incumbent, so HiGHS's presolve removes it and each sub-MIP is about the size of
    what was freed, not of the whole week."""

    sessions: set[Key]
    blocks: set[str]
    units: frozenset[str] = frozenset()
    # When set, ``units`` are freed in these blocks only (else in every block).
    unit_blocks: frozenset[str] | None = None


class Values(Mapping[mathopt.Variable, float]):
    """A solution as an array over the model's variables, read like MathOpt's dictionaries."""

    def __init__(self, layout: Layout, array: np.ndarray) -> None:
        self.layout, self.array = layout, array

    def __getitem__(self, var: mathopt.Variable) -> float:
        return float(self.array[self.layout.position[var.id]])

    def __iter__(self) -> Iterator[mathopt.Variable]:
        return iter(self.layout.variables)

    def __len__(self) -> int:
        return len(self.array)

    def as_dict(self) -> dict[mathopt.Variable, float]:
        return dict(zip(self.layout.variables, self.array.tolist(), strict=True))


class Layout:
    """Where each room and placement variable sits in the exported model, with the entities it
    belongs to as integer codes, so a move becomes a few numpy masks."""

    def __init__(self, form: Formulation, original: Mapping[mathopt.Variable, tuple[float, float]]) -> None:
        # Sorted by id: the order of the exported model's variables.
        self.variables = sorted(form.model.variables(), key=lambda var: var.id)
        self.position = {var.id: p for p, var in enumerate(self.variables)}
        v = form.vars
        self.sessions = {key: code for code, key in enumerate(sorted({(o, b) for o, b, _ in v.z}))}
        self.z = self._positions(v.z.values())
        self.z_session = np.fromiter((self.sessions[(o, b)] for o, b, _ in v.z), dtype=np.int64, count=len(v.z))
        placements = [*((k[0], k[2], var) for k, var in v.x.items()), *((u, b, var) for (u, b), var in v.fb.items())]
        self.blocks = {b: code for code, b in enumerate(sorted({b for _, b, _ in placements}))}
        self.units = {u: code for code, u in enumerate(sorted({u for u, _, _ in placements}))}
        self.placed = self._positions(var for _, _, var in placements)
        self.placed_block = np.asarray([self.blocks[b] for _, b, _ in placements], dtype=np.int64)
        self.placed_unit = np.asarray([self.units[u] for u, _, _ in placements], dtype=np.int64)
        self.placed_lower = np.asarray([original[var][0] for _, _, var in placements], dtype=float)
        self.placed_upper = np.asarray([original[var][1] for _, _, var in placements], dtype=float)
        self.placed_integer = np.asarray([var.integer for _, _, var in placements], dtype=bool)

    def _positions(self, variables: Iterable[mathopt.Variable]) -> np.ndarray:
        return np.asarray([self.position[var.id] for var in variables], dtype=np.int64)

    @staticmethod
    def _codes(codes: Mapping[K, int], names: Iterable[K]) -> list[int]:
        return [codes[name] for name in names if name in codes]

    def array(self, values: Mapping[mathopt.Variable, float]) -> np.ndarray:
        if isinstance(values, Values):
            return values.array
        out = np.zeros(len(self.variables))
        for var, value in values.items():
            out[self.position[var.id]] = value
        return out

    def bounds(self, move: Move, values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Write the move's bounds into ``lower``/``upper``: freed rooms 0-1, freed placements their
        original range, everything else the incumbent's value."""
        free = np.isin(self.z_session, self._codes(self.sessions, move.sessions))
        fixed = np.round(values[self.z])
        lower[self.z] = np.where(free, 0.0, fixed)
        upper[self.z] = np.where(free, 1.0, fixed)
        free = np.isin(self.placed_block, self._codes(self.blocks, move.blocks))
        units = np.isin(self.placed_unit, self._codes(self.units, move.units))
        if move.unit_blocks is not None:
            units &= np.isin(self.placed_block, self._codes(self.blocks, move.unit_blocks))
        free |= units
        # An integer variable read back as 0.9999999 and fixed there has no integer value left:
        # every later move around that incumbent was infeasible (polish on 600 students).
        fixed = np.clip(values[self.placed], self.placed_lower, self.placed_upper)
        fixed = np.where(self.placed_integer, np.round(fixed), fixed)
        lower[self.placed] = np.where(free, self.placed_lower, fixed)
        upper[self.placed] = np.where(free, self.placed_upper, fixed)


class SubMip:
    """Solves moves around an incumbent on its own copy of the model."""

    def __init__(self, form: Formulation, layout: Layout, *, full_hint: bool, sub_nodes: int | None) -> None:
        self.layout, self.full_hint, self.sub_nodes = layout, full_hint, sub_nodes
        self.proto = form.model.export_model(remove_names=True)
        self.lower = np.asarray(self.proto.variables.lower_bounds, dtype=float)
        self.upper = np.asarray(self.proto.variables.upper_bounds, dtype=float)
        self.ids = np.asarray(self.proto.variables.ids, dtype=np.int64)

    def solve(self, move: Move, values: np.ndarray, seconds: float, seed: int) -> tuple[np.ndarray, float] | None:
        """(solution, objective) of the move, or None when HiGHS found none."""
        lower, upper = self.lower.copy(), self.upper.copy()
        self.layout.bounds(move, values, lower, upper)
        self.proto.variables.lower_bounds[:] = lower.tolist()
        self.proto.variables.upper_bounds[:] = upper.tolist()
        hinted = slice(None) if self.full_hint else self.layout.z
        model_params = model_parameters_pb2.ModelSolveParametersProto()
        hint = model_params.solution_hints.add().variable_values
        order = np.arange(len(values))[hinted]
        hint.ids.extend(self.ids[order].tolist())
        hint.values.extend(values[order].tolist())
        params = mathopt.SolveParameters(
            time_limit=dt.timedelta(seconds=max(0.5, seconds)),
            random_seed=seed,
            relative_gap_tolerance=1e-4,
            node_limit=self.sub_nodes,
        )
        try:
            result = core_solver.solve(
                self.proto,
                mathopt.SolverType.HIGHS.value,
                init_arguments.StreamableSolverInitArguments().to_proto(),
                params.to_proto(),
                model_params,
                None,
                callback.CallbackRegistration().to_proto(),
                None,
                None,
            )
        except StatusNotOk:
            # HiGHS (OR-Tools 9.15) rejects some sub-MIPs started from a complete solution with
            # an internal error ("HighsStatus: kError"); the move is skipped.
            return None
        return _primal(result, self.ids, len(values))


def _primal(result: result_pb2.SolveResultProto, ids: np.ndarray, size: int) -> tuple[np.ndarray, float] | None:
    for solution in result.solutions:
        primal = solution.primal_solution
        if solution.HasField("primal_solution") and primal.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE:
            out = np.zeros(size)
            out[np.searchsorted(ids, np.asarray(primal.variable_values.ids, dtype=np.int64))] = np.asarray(
                primal.variable_values.values, dtype=float
            )
            return out, float(primal.objective_value)
    return None
