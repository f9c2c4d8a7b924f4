"""Child-process entry point of :mod:`scheduler.solver.bound`: solve one LP, print its dual bound.

Usage: ``python -m scheduler.solver.bound_worker FOLDER`` where FOLDER holds ``model.pb`` (a MathOpt
ModelProto) and ``params.pb`` (SolveParametersProto). Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(folder: str) -> None:
    from ortools.math_opt import model_pb2, parameters_pb2
    from ortools.math_opt.core.python import solver as core_solver
    from ortools.math_opt.python import callback, init_arguments, mathopt, model_parameters

    path = Path(folder)
    model = model_pb2.ModelProto.FromString((path / "model.pb").read_bytes())
    params = parameters_pb2.SolveParametersProto.FromString((path / "params.pb").read_bytes())
    try:
        result = core_solver.solve(
            model,
            mathopt.SolverType.HIGHS.value,
            init_arguments.StreamableSolverInitArguments().to_proto(),
            params,
            model_parameters.ModelSolveParameters().to_proto(),
            None,
            callback.CallbackRegistration().to_proto(),
            None,
            None,
        )
        answer = {
            "reason": int(result.termination.reason),
            "bound": float(result.termination.objective_bounds.dual_bound),
        }
    except Exception as exc:  # reported to the parent; the bound is optional
        answer = {"reason": -1, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv[1])
