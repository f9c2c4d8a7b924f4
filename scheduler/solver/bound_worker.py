"""Child-process entry point of :mod:`scheduler.solver.bound`: solve one LP, print a proven bound.

Usage: ``python -m scheduler.solver.bound_worker FOLDER`` where FOLDER holds ``model.pb`` (a MathOpt
ModelProto), ``params.pb`` (SolveParametersProto), ``solver`` (a MathOpt solver type number) and
``deadline`` (wall-clock seconds since the epoch by which the answer must be printed; the solver's
time limit is set from it once the model is read, so start-up time is accounted for).
Prints one JSON object on stdout: the termination reason and the bound. With PDLP, stopped at its
time limit, the bound is the Lagrangian bound of its last dual iterate (``dual_bound``); with an
exact method it is the solver's own dual bound.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import time
from pathlib import Path


def main(folder: str) -> None:
    from ortools.math_opt import model_pb2, parameters_pb2, result_pb2
    from ortools.math_opt.core.python import solver as core_solver
    from ortools.math_opt.python import callback, init_arguments, model_parameters

    from scheduler.solver.dual_bound import lagrangian_bound

    path = Path(folder)
    model = model_pb2.ModelProto.FromString((path / "model.pb").read_bytes())
    params = parameters_pb2.SolveParametersProto.FromString((path / "params.pb").read_bytes())
    solver = int((path / "solver").read_text())
    deadline = float((path / "deadline").read_text())  # wall clock (time.time()) for the answer
    # Keep time to turn the last iterate into a bound: a few seconds per million nonzeros.
    reserve = 0.5 + len(model.linear_constraint_matrix.coefficients) * 3e-6
    params.time_limit.FromTimedelta(dt.timedelta(seconds=max(0.5, deadline - time.time() - reserve)))
    try:
        result = core_solver.solve(
            model,
            solver,
            init_arguments.StreamableSolverInitArguments().to_proto(),
            params,
            model_parameters.ModelSolveParameters().to_proto(),
            None,
            callback.CallbackRegistration().to_proto(),
            None,
            None,
        )
        reason = int(result.termination.reason)
        bound = float(result.termination.objective_bounds.dual_bound)
        infeasible = reason in (
            result_pb2.TERMINATION_REASON_INFEASIBLE,
            result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED,
        )
        if not infeasible:
            for solution in result.solutions:
                if solution.HasField("dual_solution"):
                    bound = max(bound, lagrangian_bound(model, solution.dual_solution.dual_values))
        answer = {"infeasible": infeasible, "bound": bound if math.isfinite(bound) else None}
    except Exception as exc:  # reported to the parent; the bound is optional
        answer = {"infeasible": False, "bound": None, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv[1])
