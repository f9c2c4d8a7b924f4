"""Re-plans after a small change: how much of the previous plan does the engine keep, and how fast?

For each shape preset x size x seed: a school is generated and planned (``--first`` seconds), then
each change of ``scheduler.scenarios`` is applied (a teacher away for one block, a room closed for
one block, 5% of students' choices changed) and the week re-planned with the first plan as
``previous`` within ``--limit`` seconds (10 by default, the issue's target). Every run is a fresh
child process (``bench_runs``) and every plan is checked by the independent checker.

Reported per run: valid, seconds, the share of the previous placements no change forced that the
re-plan kept (``previous_changes.unaffected_kept``; target >= 95%), how many placements moved and
why, and how the first incumbent was made (``repair`` level). Markdown on stdout, JSON with
``--json``.

    python benchmarks/replan.py --shapes ms-loose,hs-tight --sizes 600:30 --seeds 0
    python benchmarks/replan.py --json replan.json > replan.md      # every preset, 600 and 2,000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_runs import measure, parse_sizes, run_child

TARGET_KEPT = 0.95


def _seeds(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def replan_school(shape: str, students: int, first_limit: float, seed: int, args: argparse.Namespace) -> list[dict]:
    """The first plan, then one re-plan per change; a row per re-plan."""
    from scheduler.domain.loading import parse_plan
    from scheduler.domain.serialize import problem_json
    from scheduler.generate import generate_school, shape_presets
    from scheduler.scenarios import SCENARIOS, apply_scenario

    rows = []
    with tempfile.TemporaryDirectory(prefix=f"flexblock-replan-{shape}-{students}-{seed}-") as temp:
        work = Path(temp)
        problem = generate_school(students, seed, shape=shape_presets()[shape])
        school = work / "school.json"
        school.write_text(problem_json(problem), "utf-8")
        first_out, _ = run_child("solver", school, work, first_limit, seed, args.workers)
        first = parse_plan(first_out["plan"])
        if first.status not in ("feasible", "optimal"):
            return [{"shape": shape, "students": students, "seed": seed, "change": "first plan", "valid": False}]
        for change in SCENARIOS:
            changed = apply_scenario(change, problem, first, seed=seed)
            folder = work / change
            folder.mkdir()
            path = folder / "school.json"
            path.write_text(problem_json(changed), "utf-8")
            result = measure("solver", changed, path, folder, args.limit, seed, args.workers)
            plan = json.loads((folder / "solver.out.json").read_text("utf-8"))["plan"] if result.error is None else {}
            stages = {s["stage"]: s for s in (plan.get("engine") or {}).get("stages", [])}
            report = plan.get("previous_changes") or {}
            rows.append(
                {
                    "shape": shape,
                    "students": students,
                    "seed": seed,
                    "change": change,
                    "valid": result.valid,
                    "seconds": result.seconds,
                    "unaffected_kept": report.get("unaffected_kept"),
                    "moved": report.get("moved"),
                    "reasons": report.get("reasons"),
                    "repair": stages.get("repair", {}).get("level") or stages.get("repair", {}).get("reason"),
                    "objective": result.objective,
                }
            )
            print(_row(rows[-1]), file=sys.stderr, flush=True)
    return rows


def _row(row: dict[str, Any]) -> str:
    kept = row.get("unaffected_kept")
    seconds = row.get("seconds")
    cells = [
        row["shape"],
        f"{row['students']:,}",
        str(row["seed"]),
        row["change"],
        "yes" if row.get("valid") else "**no**",
        "-" if seconds is None else f"{seconds:.1f}",
        "-" if kept is None else (f"{kept:.1%}" if kept >= TARGET_KEPT else f"**{kept:.1%}**"),
        "-" if row.get("moved") is None else str(row["moved"]),
        ", ".join(f"{k} {v}" for k, v in sorted((row.get("reasons") or {}).items())) or "-",
        str(row.get("repair") or "-"),
    ]
    return "| " + " | ".join(cells) + " |"


def report(rows: list[dict]) -> str:
    head = "| shape | students | seed | change | valid | seconds | unaffected kept | moved | why | repair |"
    lines = [head, "|" + "---|" * 10, *(_row(r) for r in rows)]
    judged = [r for r in rows if r.get("unaffected_kept") is not None]
    if judged:
        worst = min(judged, key=lambda r: r["unaffected_kept"])
        slowest = max(judged, key=lambda r: r.get("seconds") or 0.0)
        lines += [
            "",
            f"Worst kept share: {worst['unaffected_kept']:.1%} ({worst['shape']}, {worst['students']:,} students, "
            f"seed {worst['seed']}, {worst['change']}); target {TARGET_KEPT:.0%}.",
            f"Slowest re-plan: {slowest['seconds']:.1f} s ({slowest['shape']}, {slowest['students']:,} students, "
            f"seed {slowest['seed']}, {slowest['change']}).",
        ]
    invalid = [r for r in rows if not r.get("valid")]
    lines.append(f"Runs without a valid plan: {len(invalid)}" + "".join(f"\n- {_row(r)}" for r in invalid))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from scheduler.generate import shape_presets

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default=",".join(shape_presets()), help="SHAPE,... (default: every preset)")
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("600:30,2000:60"), help="STUDENTS:FIRST_S")
    parser.add_argument("--seeds", type=_seeds, default=[0], help="SEED,... (default 0)")
    parser.add_argument("--limit", type=float, default=10.0, help="seconds for each re-plan (default 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    unknown = [s for s in args.shapes.split(",") if s not in shape_presets()]
    if unknown:
        parser.error(f"unknown shape {', '.join(unknown)}: expected one of {', '.join(shape_presets())}")
    rows = []
    for students, first_limit in args.sizes:
        for shape in args.shapes.split(","):
            for seed in args.seeds:
                rows += replan_school(shape, students, first_limit, seed, args)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), "utf-8")
    print(report(rows))
    return 0 if all(r.get("valid") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
