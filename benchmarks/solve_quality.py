"""Solver against the first-come-first-served baseline on generated schools: quality, time, memory.

For each size, one school is generated (fixed seed), then the solver (fixed time limit, 2 workers by
default) and the baseline each run in a fresh Python process, so the peak memory of every run is the
child's own ``ru_maxrss`` (from ``os.wait4``). Both plans are verified with the independent checker
and their metrics recomputed from the plan, never copied from it.

Output: one rich table per size on stderr, the same figures as markdown tables on stdout, and with
``--json PATH`` the raw figures. See benchmarks/README.md.

    python benchmarks/solve_quality.py --quick
    python benchmarks/solve_quality.py --sizes 600:30,2000:60,5000:180 --json results.json > results.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from scheduler.console import METRIC_NAMES, fmt_gap, fmt_number, fmt_seconds, rows_table

DEFAULT_SIZES = "600:30,2000:60,5000:180"
QUICK_SIZES = "600:30"
# Metrics compared as solver / baseline (students_without_choice: lower is better).
RATIO_METRICS = ("first_choice_rate", "choice_fill_rate", "min_choice_share", "students_without_choice")
# A child that runs this much past its time limit is stopped (the baseline gets the largest limit).
WATCHDOG_SLACK = 2.0
WATCHDOG_EXTRA_SECONDS = 300.0


@dataclass
class RunResult:
    """One run (solver or baseline) on one school, as measured from outside and re-checked."""

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


@dataclass
class SizeResult:
    students: int
    time_limit: float
    seed: int
    workers: int
    solver: RunResult
    baseline: RunResult
    ratios: dict[str, float | None]


# ---- the child process: one run, nothing else ---------------------------------------------------


def child_main(kind: str, problem_path: str, out_path: str, time_limit: float, seed: int, workers: int) -> None:
    """Load, run one producer, write {"seconds", "plan"}; the parent measures memory and checks."""
    from scheduler.domain.loading import load_problem

    problem = load_problem(problem_path)
    start = time.perf_counter()
    if kind == "solver":
        from scheduler.solver.engine import solve
        from scheduler.solver.settings import SolveSettings

        plan = solve(problem, SolveSettings(time_limit=time_limit, seed=seed, workers=workers))
    else:
        from scheduler.solver.baseline import baseline_plan

        plan = baseline_plan(problem, seed=seed)
    seconds = time.perf_counter() - start
    Path(out_path).write_text(json.dumps({"seconds": seconds, "plan": plan.model_dump(mode="json")}), "utf-8")


# ---- the parent: generate, run children, check, report ------------------------------------------


def _peak_mb(usage: Any) -> float:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    scale = 1 if sys.platform == "darwin" else 1024
    return usage.ru_maxrss * scale / (1024 * 1024)


def run_child(kind: str, school: Path, work: Path, time_limit: float, seed: int, workers: int) -> tuple[dict, float]:
    """Run one producer in a fresh interpreter; return its output and peak memory (MB)."""
    out, log = work / f"{kind}.out.json", work / f"{kind}.log"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(school), str(out)]
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
    return json.loads(out.read_text("utf-8")), _peak_mb(usage)


def measure(kind: str, problem: Any, school: Path, work: Path, time_limit: float, seed: int, workers: int) -> RunResult:
    from scheduler.domain.checker import check_plan
    from scheduler.domain.loading import parse_plan
    from scheduler.domain.metrics import compute_metrics

    started = time.perf_counter()
    try:
        output, peak_mb = run_child(kind, school, work, time_limit, seed, workers)
    except (RuntimeError, OSError, ValueError) as exc:
        return RunResult(kind=kind, status="error", error=str(exc))
    wall = time.perf_counter() - started
    plan = parse_plan(output["plan"])
    result = RunResult(
        kind=kind,
        status=plan.status,
        seconds=output["seconds"],
        wall_seconds=wall,
        peak_mb=peak_mb,
        objective=plan.objective,
        bound=plan.bound,
        gap=plan.gap,
    )
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


def run_size(students: int, time_limit: float, seed: int, workers: int, keep: Path | None, err: Console) -> SizeResult:
    from scheduler.domain.serialize import problem_json
    from scheduler.generate import generate_school

    with tempfile.TemporaryDirectory(prefix=f"flexblock-bench-{students}-") as temp:
        work = keep / f"{students}" if keep else Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        err.print(f"[bold]{students} students[/]: generating the school (seed {seed})")
        problem = generate_school(students, seed)
        school = work / "school.json"
        school.write_text(problem_json(problem), "utf-8")
        err.print(f"  solver: {time_limit:g} s limit, {workers} workers")
        solver = measure("solver", problem, school, work, time_limit, seed, workers)
        err.print("  baseline: first come, first served")
        baseline = measure("baseline", problem, school, work, time_limit, seed, workers)
    ratios = {name: ratio(solver.metrics.get(name), baseline.metrics.get(name)) for name in RATIO_METRICS}
    return SizeResult(students, time_limit, seed, workers, solver, baseline, ratios)


# ---- reporting ----------------------------------------------------------------------------------


def _rows(result: SizeResult) -> list[list[str]]:
    """figure | solver | baseline | solver/baseline, as display strings."""
    s, b = result.solver, result.baseline

    def both(fmt: Any, attr: str) -> list[str]:
        return [fmt(getattr(s, attr)), fmt(getattr(b, attr))]

    rows = [
        ["status", s.status, b.status, ""],
        ["objective", *both(lambda v: fmt_number(v, 1), "objective"), ""],
        ["bound", *both(lambda v: fmt_number(v, 1), "bound"), ""],
        ["gap", *both(fmt_gap, "gap"), ""],
        ["seconds", *both(fmt_seconds, "seconds"), ""],
        ["peak MB", *both(lambda v: fmt_number(None if v is None else round(v)), "peak_mb"), ""],
        ["violations", *both(fmt_number, "violations"), ""],
    ]
    for name in METRIC_NAMES:
        shown = fmt_number(result.ratios[name], 3) if name in result.ratios else ""
        if name in result.ratios and result.ratios[name] is None:
            shown = "n/a"
        rows.append([name, fmt_number(s.metrics.get(name), 4), fmt_number(b.metrics.get(name), 4), shown])
    return rows


HEADER = ["figure", "solver", "baseline", "solver/baseline"]


def _title(result: SizeResult) -> str:
    return (
        f"{result.students} students (solver limit {result.time_limit:g} s, {result.workers} workers, "
        f"seed {result.seed})"
    )


def markdown(results: list[SizeResult]) -> str:
    lines = ["# Solver vs first-come-first-served baseline", ""]
    for result in results:
        lines += [f"## {_title(result)}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(row) + " |" for row in _rows(result)]
        for run in (result.solver, result.baseline):
            if run.error:
                lines.append(f"\n{run.kind} failed: {run.error}")
            if run.violated_rules:
                broken = ", ".join(f"{rule} x{count}" for rule, count in sorted(run.violated_rules.items()))
                lines.append(f"\n{run.kind} breaks: {broken}")
        lines.append("")
    return "\n".join(lines)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Compare the solver with the first-come-first-served baseline.")
    parser.add_argument(
        "--sizes", type=parse_sizes, default=None, help=f"STUDENTS:SECONDS,... (default {DEFAULT_SIZES})"
    )
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_SIZES} (ignored with --sizes)")
    parser.add_argument("--seed", type=int, default=0, help="school generator and solver seed (default 0)")
    parser.add_argument("--workers", type=int, default=2, help="solver threads (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures to this file")
    parser.add_argument("--keep", type=Path, default=None, help="keep schools, plans and logs in this folder")
    parser.add_argument("--time-limit", type=float, default=30.0, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "PROBLEM", "OUT"), help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.child:
        kind, problem_path, out_path = args.child
        child_main(kind, problem_path, out_path, args.time_limit, args.seed, args.workers)
        return 0
    sizes = args.sizes or parse_sizes(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    err = Console(stderr=True, highlight=False)
    results = []
    for students, time_limit in sizes:
        result = run_size(students, time_limit, args.seed, args.workers, args.keep, err)
        err.print(rows_table(_title(result), HEADER, _rows(result)))
        results.append(result)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n", "utf-8")
        err.print(f"Figures written to {args.json}")
    failed = any(run.status == "error" for r in results for run in (r.solver, r.baseline))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
