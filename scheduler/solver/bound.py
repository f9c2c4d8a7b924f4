"""The proven lower bound: the LP relaxation of the (possibly grouped) model, on a second core.

The LP runs on HiGHS's interior-point method without crossover (only the bound is needed) in a
background thread while the main thread searches for plans; HiGHS releases the GIL while it works.
The model is exported once up front, so the main thread may change bounds and integrality of its
own copy at will.
"""

from __future__ import annotations

import datetime as dt
import math
import threading

from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import init_arguments, mathopt
from ortools.math_opt.python import result as mathopt_result
from ortools.math_opt.solvers import highs_pb2
from ortools.util.python import solve_interrupter


class BoundJob:
    """Solves the LP relaxation of ``model`` (as it is now) in the background."""

    def __init__(self, model: mathopt.Model, seconds: float, seed: int) -> None:
        self._model = model
        self._proto = model.export_model(remove_names=True)
        self._params = mathopt.SolveParameters(
            time_limit=dt.timedelta(seconds=max(1.0, seconds)),
            random_seed=seed,
            lp_algorithm=mathopt.LPAlgorithm.BARRIER,
            highs=highs_pb2.HighsOptionsProto(string_options={"run_crossover": "off"}),
        )
        self._interrupter = solve_interrupter.SolveInterrupter()
        self.bound: float | None = None
        self.values: dict[mathopt.Variable, float] = {}
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="flexblock-lp-bound", daemon=True)

    def start(self) -> BoundJob:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            proto_result = core_solver.solve(
                self._proto,
                mathopt.SolverType.HIGHS.value,
                init_arguments.StreamableSolverInitArguments().to_proto(),
                self._params.to_proto(),
                mathopt.ModelSolveParameters().to_proto(),
                None,
                mathopt.CallbackRegistration().to_proto(),
                None,
                self._interrupter.pybind_interrupter,
            )
            solved = mathopt_result.parse_solve_result(proto_result, self._model, validate=False)
        except Exception as exc:  # the bound is optional: a failure must not lose the plan
            self.error = f"{type(exc).__name__}: {exc}"
            return
        bound = solved.termination.objective_bounds.dual_bound
        if solved.termination.reason == mathopt.TerminationReason.OPTIMAL and math.isfinite(bound):
            self.bound = bound
            self.values = solved.variable_values() if solved.has_primal_feasible_solution() else {}
        elif solved.termination.reason in (
            mathopt.TerminationReason.INFEASIBLE,
            mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED,
        ):
            self.error = "infeasible"

    @property
    def infeasible(self) -> bool:
        return self.error == "infeasible"

    def done(self) -> bool:
        return not self._thread.is_alive()

    def wait(self, seconds: float) -> None:
        self._thread.join(timeout=max(0.0, seconds))

    def stop(self) -> None:
        self._interrupter.interrupt()
        self._thread.join(timeout=5.0)
