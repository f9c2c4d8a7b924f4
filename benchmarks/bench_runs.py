"""Shared by the benchmark scripts: one producer run in a fresh child process, measured and re-checked.

A run is the engine (``solver``), the first-come-first-served ``baseline``, or a reference LP
``bound`` on one school file. Each runs in a fresh Python process (this file, ``--child``), so the
peak memory reported is that run's own ``ru_maxrss`` (read with ``os.wait4``). Plans are checked
with the independent checker and their metrics recomputed from the plan, never copied from it.

Used by ``solve_quality.py`` and ``shape_matrix.py``; not a script of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Metrics where higher is better, and where lower is better; the ratio solver / baseline is
# reported for both (``students`` and ``kept_from_previous`` are facts, not compared).
HIGHER_BETTER = ("first_choice_rate", "choice_fill_rate", "min_choice_share", "need_coverage", "request_coverage")
LOWER_BETTER = ("fallback_slots", "students_without_choice")
# A child that runs this much past its time limit is stopped (the baseline gets the largest limit).
WATCHDOG_SLACK = 2.0
WATCHDOG_EXTRA_SECONDS = 300.0
VALID_STATUSES = ("feasible", "optimal")


@dataclass
class RunResult:
    """One run (solver, baseline or bound) on one school, as measured from outside and re-checked."""

    kind: str
    status: str
    seconds: float | None = None
    wall_seconds: float | None = None
    peak_mb: float | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    violations: int | None = None
    violated_rules: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def valid(self) -> bool:
        """A plan that can be used: feasible or optimal, no crash, and the checker found nothing."""
        return self.error is None and self.status in VALID_STATUSES and self.violations == 0

    def why_invalid(self) -> str:
        """What went wrong, in a few words ("" for a valid run)."""
        if self.error:
            return f"error: {self.error}"
        parts = [] if self.status in VALID_STATUSES else [f"status {self.status}"]
        if self.violations:
            broken = ", ".join(f"{rule} x{count}" for rule, count in sorted(self.violated_rules.items()))
            parts.append(f"{self.violations} checker violations ({broken})")
        return ", ".join(parts)


# ---- the child process: one run, nothing else ---------------------------------------------------


def child_main(kind: str, problem_path: str, out_path: str, time_limit: float, seed: int, workers: int) -> None:
    """Load, run one producer, write {"seconds", "plan"} (or {"seconds", "bound"}); the parent
    measures memory and checks."""
    from scheduler.domain.loading import load_problem

    problem = load_problem(problem_path)
    start = time.perf_counter()
    if kind == "bound":
        output = {"bound": reference_bound(problem, time_limit)}
    elif kind == "solver":
        from scheduler.solver.engine import solve
        from scheduler.solver.settings import SolveSettings

        plan = solve(problem, SolveSettings(time_limit=time_limit, seed=seed, workers=workers))
        output = {"plan": plan.model_dump(mode="json")}
    else:
        from scheduler.solver.baseline import baseline_plan

        output = {"plan": baseline_plan(problem, seed=seed).model_dump(mode="json")}
    output["seconds"] = time.perf_counter() - start
    Path(out_path).write_text(json.dumps(output), "utf-8")


def reference_bound(problem: Any, seconds: float) -> dict[str, Any]:
    """The LP relaxation of the whole week (one unit per student, the engine's own model and bound
    machinery: PDLP and its Lagrangian bound), given ``seconds``: a proven lower bound to compare
    the engine's plan with, usually tighter than the one the engine finds within its own limit."""
    from scheduler.solver.bound import BoundJob
    from scheduler.solver.formulation import build_formulation
    from scheduler.solver.instance import build_instance
    from scheduler.solver.units import make_units

    inst = build_instance(problem)
    form = build_formulation(inst, make_units(inst, 1))
    job = BoundJob(form.model, seconds=seconds).start()
    job.wait(seconds + 60.0)
    if not job.poll():
        job.stop()
    return {"value": job.bound, "infeasible": job.infeasible, "error": job.error}


# ---- the parent: run children, check, measure ----------------------------------------------------


def peak_mb(usage: Any) -> float:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    scale = 1 if sys.platform == "darwin" else 1024
    return usage.ru_maxrss * scale / (1024 * 1024)


def run_child(kind: str, school: Path, work: Path, time_limit: float, seed: int, workers: int) -> tuple[dict, float]:
    """Run one producer in a fresh interpreter; return its output and peak memory (MB)."""
    out, log = work / f"{kind}.out.json", work / f"{kind}.log"
    command = [sys.executable, str(Path(__file__).resolve()), kind, str(school), str(out)]
    command += ["--time-limit", str(time_limit), "--seed", str(seed), "--workers", str(workers)]
    with log.open("w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        watchdog = threading.Timer(time_limit * WATCHDOG_SLACK + WATCHDOG_EXTRA_SECONDS, process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{kind} exited with code {process.returncode}: " + " | ".join(tail))
    return json.loads(out.read_text("utf-8")), peak_mb(usage)


def measure(kind: str, problem: Any, school: Path, work: Path, time_limit: float, seed: int, workers: int) -> RunResult:
    """Run ``kind`` ("solver", "baseline" or "bound") on ``school`` and judge what it returns."""
    from scheduler.domain.checker import check_plan
    from scheduler.domain.loading import parse_plan
    from scheduler.domain.metrics import compute_metrics

    started = time.perf_counter()
    try:
        output, peak = run_child(kind, school, work, time_limit, seed, workers)
    except (RuntimeError, OSError, ValueError) as exc:
        return RunResult(kind=kind, status="error", error=str(exc))
    wall = time.perf_counter() - started
    if kind == "bound":
        bound = output["bound"]
        status = "infeasible" if bound["infeasible"] else ("bound" if bound["value"] is not None else "unknown")
        return RunResult(kind, status, output["seconds"], wall, peak, bound=bound["value"], error=bound["error"])
    plan = parse_plan(output["plan"])
    result = RunResult(kind, plan.status, output["seconds"], wall, peak, plan.objective, plan.bound, plan.gap)
    if not plan.assignments:  # infeasible, or no plan found in time: nothing to check or measure
        return result
    violations = check_plan(problem, plan)
    result.violations = len(violations)
    for violation in violations:
        result.violated_rules[str(violation.rule)] = result.violated_rules.get(str(violation.rule), 0) + 1
    result.metrics = compute_metrics(problem, plan).model_dump()
    return result


def ratio(solver: float | None, baseline: float | None) -> float | None:
    """solver / baseline; 1.0 when both are zero, None when undefined."""
    if solver is None or baseline is None:
        return None
    if baseline == 0:
        return 1.0 if solver == 0 else None
    return solver / baseline


def ratios(solver: RunResult, baseline: RunResult) -> dict[str, float | None]:
    """solver / baseline for every compared metric."""
    return {name: ratio(solver.metrics.get(name), baseline.metrics.get(name)) for name in HIGHER_BETTER + LOWER_BETTER}


def parse_sizes(text: str) -> list[tuple[int, float]]:
    """'600:30,2000:60' -> [(600, 30.0), (2000, 60.0)]; a size without ':' gets 30 s."""
    sizes = []
    for item in text.split(","):
        students, _, limit = item.strip().partition(":")
        try:
            sizes.append((int(students), float(limit or 30)))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"bad size {item!r}: use STUDENTS:SECONDS, e.g. 2000:60") from exc
        if sizes[-1][0] < 1 or sizes[-1][1] <= 0:
            raise argparse.ArgumentTypeError(f"bad size {item!r}: students and seconds must be positive")
    return sizes


def main(argv: list[str] | None = None) -> int:
    """The child entry point: ``bench_runs.py KIND PROBLEM OUT --time-limit S --seed N --workers W``."""
    parser = argparse.ArgumentParser(description="One benchmark run (used by the benchmark scripts).")
    parser.add_argument("kind", choices=("solver", "baseline", "bound"))
    parser.add_argument("problem")
    parser.add_argument("out")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    child_main(args.kind, args.problem, args.out, args.time_limit, args.seed, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
