"""The engine and the baseline on every shape of school: where does the engine fail, and how badly?

For each shape preset (``scheduler.generate.shape_presets``) x size x seed, one school is generated,
then the engine (``scheduler.solver.engine.solve``) and the first-come-first-served baseline each run
in a fresh Python process (``bench_runs``, shared with ``solve_quality.py``). Both plans are checked
with the independent checker and their metrics recomputed. With ``--reference-bound SECONDS`` the
LP relaxation of each school is also solved for that long in its own process, a proven lower bound
to judge the engine's gap by (its own bound comes from less time).

Report (markdown on stdout, rich tables on stderr, every run in ``--json``):
  * every run that returned no valid plan (status not feasible/optimal, a crash, or checker
    violations), by shape, size, seed and producer;
  * per size, one row per shape, worst over its seeds: gap, reference gap, seconds, peak MB, and
    each metric of the spec as the solver's worst value with the worst solver/baseline ratio;
  * the overall worst case per size, naming the shape and seed where it happened.

    python benchmarks/shape_matrix.py --quick
    python benchmarks/shape_matrix.py --json matrix.json > matrix.md          # the full matrix
    python benchmarks/shape_matrix.py --shapes ms-tight,hs-tight --sizes 1500:60 --seeds 0,1
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench_runs import HIGHER_BETTER, LOWER_BETTER, RunResult, measure, parse_sizes, ratios
from rich.console import Console

from scheduler.console import METRIC_NAMES, fmt_gap, fmt_number, fmt_seconds, rows_table

DEFAULT_SIZES = "600:30,2000:60"
DEFAULT_SEEDS = "3"
QUICK_SHAPES = "ms-loose,ms-tight"
QUICK_SIZES = "200:10"
QUICK_SEEDS = "1"


@dataclass
class MatrixRun:
    """One school of the matrix: its shape, size and seed, and what each producer made of it."""

    shape: str
    students: int
    time_limit: float
    seed: int
    workers: int
    generate_seconds: float
    solver: RunResult
    baseline: RunResult
    ratios: dict[str, float | None]
    reference: RunResult | None = None
    reference_gap: float | None = None
    witness_ok: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.shape} / {self.students} students / seed {self.seed}"


# ---- running ------------------------------------------------------------------------------------


def run_school(
    shape: str, students: int, time_limit: float, seed: int, args: argparse.Namespace, err: Console
) -> MatrixRun:
    """Generate one school and run the producers on it (each in its own process)."""
    from scheduler.domain.serialize import problem_json
    from scheduler.generate import build_school, shape_presets, witness_violations

    with tempfile.TemporaryDirectory(prefix=f"flexblock-matrix-{shape}-{students}-{seed}-") as temp:
        work = args.keep / shape / f"{students}-seed{seed}" if args.keep else Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        generated = build_school(students, seed, shape=shape_presets()[shape])
        generate_seconds = time.perf_counter() - started
        problem = generated.problem
        witness_ok = not witness_violations(problem, generated.witness)
        school = work / "school.json"
        school.write_text(problem_json(problem), "utf-8")
        err.print(
            f"[bold]{shape}[/], {students} students, seed {seed}: engine {time_limit:g} s, {args.workers} threads"
        )
        solver = measure("solver", problem, school, work, time_limit, seed, args.workers)
        baseline = measure("baseline", problem, school, work, time_limit, seed, args.workers)
        run = MatrixRun(shape, students, time_limit, seed, args.workers, generate_seconds, solver, baseline, {})
        run.ratios, run.witness_ok = ratios(solver, baseline), witness_ok
        if generated.fallback_growth:
            run.notes.append(f"the generator added {generated.fallback_growth} hall seats to the shape's")
        if args.reference_bound:
            run.reference = measure("bound", problem, school, work, args.reference_bound, seed, 1)
            run.reference_gap = reference_gap(solver, run.reference)
    return run


def reference_gap(solver: RunResult, reference: RunResult) -> float | None:
    """The spec's gap of the engine's plan against the reference bound (the better of the two bounds)."""
    if solver.objective is None or reference.bound is None:
        return None
    bound = max(reference.bound, solver.bound or 0.0)
    return max(0.0, (solver.objective - bound) / max(solver.objective, 1.0))


# ---- summarising --------------------------------------------------------------------------------


def _values(runs: Sequence[MatrixRun], get: Callable[[MatrixRun], float | None]) -> list[tuple[float, MatrixRun]]:
    return [(v, r) for r in runs if (v := get(r)) is not None]


def worst(
    runs: Sequence[MatrixRun], get: Callable[[MatrixRun], float | None], higher_is_worse: bool
) -> tuple[float, MatrixRun] | None:
    """The worst value over ``runs`` and the run it came from (None when no run has one)."""
    values = _values(runs, get)
    if not values:
        return None
    pick = max if higher_is_worse else min
    return pick(values, key=lambda item: item[0])


def metric_worst(runs: Sequence[MatrixRun], name: str) -> tuple[Any, Any]:
    """(worst solver value, worst solver/baseline ratio) of one metric over ``runs``."""
    lower_better = name in LOWER_BETTER
    value = worst(runs, lambda r: r.solver.metrics.get(name), higher_is_worse=lower_better)
    share = None
    if name in HIGHER_BETTER + LOWER_BETTER:
        share = worst(runs, lambda r: r.ratios.get(name), higher_is_worse=lower_better)
    return value, share


def _cell(value: tuple[float, MatrixRun] | None, share: tuple[float, MatrixRun] | None = None) -> str:
    if value is None:
        return "-"
    text = fmt_number(value[0], 3)
    return text if share is None else f"{text} ({fmt_number(share[0], 2)}x)"


def invalid_runs(runs: Sequence[MatrixRun]) -> list[str]:
    """Every run that returned no valid plan, and schools whose witness failed, by name."""
    lines = []
    for run in runs:
        if not run.witness_ok:
            lines.append(f"{run.name}: the generator's witness breaks a hard rule (generator bug)")
        for result in (run.solver, run.baseline):
            if not result.valid:
                lines.append(f"{run.name}: {result.kind} {result.why_invalid()}")
    return lines


SHAPE_HEADER = ["shape", "valid", "gap", "ref gap", "seconds", "peak MB"]
METRIC_COLUMNS = [name for name in METRIC_NAMES if name not in ("students", "kept_from_previous")]


def shape_rows(runs: Sequence[MatrixRun], shapes: Sequence[str]) -> tuple[list[list[str]], list[list[str]]]:
    """Per shape, worst over its seeds: (runtime rows, metric rows)."""
    timing, quality = [], []
    for shape in shapes:
        mine = [r for r in runs if r.shape == shape]
        if not mine:
            continue
        valid = sum(r.solver.valid for r in mine)
        timing.append(
            [
                shape,
                f"{valid}/{len(mine)}",
                _gap(worst(mine, lambda r: r.solver.gap, True)),
                _gap(worst(mine, lambda r: r.reference_gap, True)),
                _num(worst(mine, lambda r: r.solver.seconds, True), fmt_seconds),
                _num(worst(mine, lambda r: r.solver.peak_mb, True), lambda v: fmt_number(round(v))),
            ]
        )
        quality.append([shape, *(_cell(*metric_worst(mine, name)) for name in METRIC_COLUMNS)])
    return timing, quality


def _gap(item: tuple[float, MatrixRun] | None) -> str:
    return "-" if item is None else fmt_gap(item[0])


def _num(item: tuple[float, MatrixRun] | None, fmt: Callable[[float], str]) -> str:
    return "-" if item is None else fmt(item[0])


def overall_rows(runs: Sequence[MatrixRun]) -> list[list[str]]:
    """The worst case over every shape and seed: figure | worst | where | worst ratio | where."""
    rows = []
    for label, get, fmt in (
        ("gap", lambda r: r.solver.gap, fmt_gap),
        ("ref gap", lambda r: r.reference_gap, fmt_gap),
        ("seconds", lambda r: r.solver.seconds, fmt_seconds),
        ("peak MB", lambda r: r.solver.peak_mb, lambda v: fmt_number(round(v))),
    ):
        item = worst(runs, get, True)
        rows.append([label, "-" if item is None else fmt(item[0]), _where(item), "", ""])
    for name in METRIC_COLUMNS:
        value, share = metric_worst(runs, name)
        shown = "-" if share is None else f"{fmt_number(share[0], 3)}x"
        rows.append([name, _cell(value), _where(value), shown, _where(share)])
    return rows


def _where(item: tuple[float, MatrixRun] | None) -> str:
    return "" if item is None else f"{item[1].shape} (seed {item[1].seed})"


OVERALL_HEADER = ["figure", "worst", "where", "worst solver/baseline", "where"]


def tables(runs: Sequence[MatrixRun], shapes: Sequence[str]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table, in report order."""
    out = []
    for students in sorted({r.students for r in runs}):
        mine = [r for r in runs if r.students == students]
        limit = mine[0].time_limit
        timing, quality = shape_rows(mine, shapes)
        out.append((f"{students} students, {limit:g} s: engine per shape (worst over seeds)", SHAPE_HEADER, timing))
        out.append(
            (
                f"{students} students: solver's worst metric per shape (worst solver/baseline ratio)",
                ["shape", *METRIC_COLUMNS],
                quality,
            )
        )
        out.append((f"{students} students: overall worst case", OVERALL_HEADER, overall_rows(mine)))
    return out


def markdown(runs: Sequence[MatrixRun], shapes: Sequence[str]) -> str:
    lines = ["# Engine vs baseline on every shape of school", ""]
    failures = invalid_runs(runs)
    lines += ["## Runs without a valid plan", ""]
    lines += [f"- {line}" for line in failures] or ["None: every run returned a valid plan."]
    notes = [f"- {r.name}: {note}" for r in runs for note in r.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    lines.append("")
    for title, header, rows in tables(runs, shapes):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    lines.append(
        "Cells: the solver's worst value over seeds, then in brackets the worst solver/baseline ratio "
        "(rates: lower is worse; fallback_slots and students_without_choice: higher is worse). "
        "gap: the engine's own; ref gap: against the reference LP bound (--reference-bound)."
    )
    return "\n".join(lines) + "\n"


# ---- command line -------------------------------------------------------------------------------


def parse_seeds(text: str) -> list[int]:
    """'3' -> seeds 0, 1, 2; '0,4,7' -> those seeds."""
    try:
        seeds = [int(item) for item in text.split(",")]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad seeds {text!r}: a count (3) or a list (0,4,7)") from exc
    if len(seeds) == 1:
        return list(range(seeds[0]))
    return seeds


def parse_shapes(text: str) -> list[str]:
    from scheduler.generate import shape_presets

    presets = shape_presets()
    shapes = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [s for s in shapes if s not in presets]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown shape {unknown[0]!r}; valid shapes: {', '.join(presets)}")
    return shapes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Engine vs baseline on every shape of school (benchmarks/README.md).")
    parser.add_argument("--shapes", type=parse_shapes, default=None, help="SHAPE,... (default: every preset)")
    sizes_help = f"STUDENTS:SECONDS,... (default {DEFAULT_SIZES})"
    parser.add_argument("--sizes", type=parse_sizes, default=None, help=sizes_help)
    seeds_help = f"a count N (seeds 0..N-1) or a list 0,4,7 (default {DEFAULT_SEEDS})"
    parser.add_argument("--seeds", type=parse_seeds, default=None, help=seeds_help)
    parser.add_argument("--workers", type=int, default=2, help="solver threads (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write every run to this file")
    parser.add_argument("--keep", type=Path, default=None, help="keep schools, plans and logs in this folder")
    parser.add_argument(
        "--reference-bound",
        type=float,
        default=None,
        metavar="SECONDS",
        help="also solve each school's LP relaxation this long for a reference bound (one more process)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SHAPES}, {QUICK_SIZES}, {QUICK_SEEDS} seed (each option given explicitly still wins)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    from scheduler.generate import shape_presets

    args = build_parser().parse_args(argv)
    shapes = args.shapes or parse_shapes(QUICK_SHAPES if args.quick else ",".join(shape_presets()))
    sizes = args.sizes or parse_sizes(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    seeds = args.seeds or parse_seeds(QUICK_SEEDS if args.quick else DEFAULT_SEEDS)
    err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)
    total = len(shapes) * len(sizes) * len(seeds)
    err.print(f"{len(shapes)} shapes x {len(sizes)} sizes x {len(seeds)} seeds = {total} schools")
    runs = [
        run_school(shape, students, limit, seed, args, err)
        for students, limit in sizes
        for shape in shapes
        for seed in seeds
    ]
    for title, header, rows in tables(runs, shapes):
        err.print(rows_table(title, header, rows))
    for line in invalid_runs(runs):
        err.print(f"[red]no valid plan[/]: {line}")
    print(markdown(runs, shapes), end="")
    if args.json:
        records = [{**asdict(r), "name": r.name} for r in runs]
        args.json.write_text(json.dumps(records, indent=1) + "\n", "utf-8")
        err.print(f"Every run written to {args.json}")
    crashed = any(result.status == "error" for r in runs for result in (r.solver, r.baseline))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
