"""Solver against the first-come-first-served baseline on generated schools: quality, time, memory.

For each size, one school is generated (fixed seed), then the solver (fixed time limit, 2 workers by
default) and the baseline each run in a fresh Python process, so the peak memory of every run is the
child's own ``ru_maxrss`` (from ``os.wait4``). Both plans are verified with the independent checker
and their metrics recomputed from the plan, never copied from it (``bench_runs``, shared with
``shape_matrix.py``).

Output: one rich table per size on stderr, the same figures as markdown tables on stdout, and with
``--json PATH`` the raw figures. See benchmarks/README.md.

    python benchmarks/solve_quality.py --quick
    python benchmarks/solve_quality.py --sizes 600:30,2000:60,5000:180 --json results.json > results.md
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_runs import RunResult, measure, parse_sizes, ratio
from rich.console import Console

from scheduler.console import METRIC_NAMES, fmt_gap, fmt_number, fmt_seconds, rows_table

DEFAULT_SIZES = "600:30,2000:60,5000:180"
QUICK_SIZES = "600:30"
# Metrics compared as solver / baseline (students_without_choice: lower is better).
RATIO_METRICS = ("first_choice_rate", "choice_fill_rate", "min_choice_share", "students_without_choice")


@dataclass
class SizeResult:
    students: int
    time_limit: float
    seed: int
    workers: int
    solver: RunResult
    baseline: RunResult
    ratios: dict[str, float | None]


# ---- the parent: generate, run children, check, report ------------------------------------------


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
