"""One HiGHS solve through MathOpt, with a time limit, a seed and live progress from its log."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from ortools.math_opt.python import mathopt

MipProgress = Callable[[float | None, float | None], None]


@dataclass
class RunResult:
    """What a solve proved and found; ``values`` is empty without a solution."""

    feasible: bool
    infeasible: bool
    objective: float | None
    bound: float | None
    values: dict[mathopt.Variable, float]
    timed_out: bool = False  # stopped by its time limit (not a node limit, a gap or a proof)


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_mip_log_line(line: str) -> tuple[float | None, float | None] | None:
    """(best bound, best solution) from a HiGHS branch-and-bound log line, or None for other lines.

    The line looks like ``L  0  0  0  0.00%  3041.26  4721  35.58%  ...  30.6s``: the first
    percentage is the explored share, the next two numbers are the bound and the incumbent.
    """
    tokens = line.split()
    for i, token in enumerate(tokens):
        if token.endswith("%") and i + 2 < len(tokens) and tokens[-1].endswith("s"):
            return _number(tokens[i + 1]), _number(tokens[i + 2])
    return None


def run_highs(
    model: mathopt.Model,
    *,
    seconds: float,
    seed: int,
    relative_gap: float = 1e-4,
    lp_algorithm: mathopt.LPAlgorithm | None = None,
    on_progress: MipProgress | None = None,
    hint: dict[mathopt.Variable, float] | None = None,
    node_limit: int | None = None,
    solutions: int | None = None,
) -> RunResult:
    """One HiGHS solve; with ``solutions`` it stops after that many improving solutions (HiGHS's
    ``mip_max_improving_sols``: MathOpt's own solution limit is not passed on to HiGHS)."""
    params = mathopt.SolveParameters(
        time_limit=dt.timedelta(seconds=max(0.5, seconds)),
        random_seed=seed,
        relative_gap_tolerance=relative_gap,
        lp_algorithm=lp_algorithm,
        node_limit=node_limit,
    )
    if solutions is not None:
        params.highs.int_options["mip_max_improving_sols"] = solutions
    model_params = None
    if hint:
        model_params = mathopt.ModelSolveParameters(solution_hints=[mathopt.SolutionHint(variable_values=hint)])

    def on_message(lines: list[str]) -> None:
        if on_progress is None:
            return
        for line in lines:
            parsed = parse_mip_log_line(line)
            if parsed is not None:
                on_progress(*parsed)

    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params, model_params=model_params, msg_cb=on_message)
    reason = result.termination.reason
    infeasible = reason in (mathopt.TerminationReason.INFEASIBLE, mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED)
    feasible = result.has_primal_feasible_solution()
    bounds = result.termination.objective_bounds
    bound = bounds.dual_bound if math.isfinite(bounds.dual_bound) else None
    return RunResult(
        feasible=feasible,
        infeasible=infeasible,
        objective=result.objective_value() if feasible else None,
        bound=bound,
        values=result.variable_values() if feasible else {},
        timed_out=result.termination.limit == mathopt.Limit.TIME,
    )
