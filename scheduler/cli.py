"""The ``scheduler`` command: solve, check, baseline, generate and explain flex-block schedules, and write
their calendar feeds (``ics``, ``solve --ics-dir``).

Exit codes (stable, for scripts):
  0  done (plan written, plan valid, ``explain`` found a plan that keeps every rule, feeds written)
  1  ``check``: the plan breaks at least one hard rule
  2  bad input: unreadable or invalid file, bad option value; nothing is written
  3  infeasible, proven: the rules cannot all hold (``solve`` still writes the plan with its conflicts)
  4  not known yet: ``solve`` found no plan and no proof within the time limit (nothing is written),
     or ``explain`` found neither a conflict nor a plan

"Feasible" is said only with a plan in hand, "infeasible" only with a proof (conflicts that the
prechecks or a confirmed CP-SAT core establish); anything else is "not known yet", with what to try.

Tables go to stdout; progress, notes and errors to stderr. Output files are written to a temporary
file in the same folder and moved into place, so a crash never leaves half a plan behind.

The solver modules are imported inside the commands that use them: OR-Tools takes a moment to
load, and ``scheduler --help`` or ``scheduler check`` should not pay for it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from scheduler import console as ui
from scheduler import service_cli
from scheduler.domain.errors import InputIssue, ProblemInputError
from scheduler.domain.loading import load_plan, load_problem
from scheduler.domain.plan import Metrics, Plan
from scheduler.domain.problem import Problem
from scheduler.domain.serialize import problem_json
from scheduler.files import write_atomic

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_NO_PLAN = 4

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a crash report must not dump a whole school's data
    help="Flex-block scheduling: build, check and explain a week's flex-block plan.",
)

# ---- shared arguments and options ---------------------------------------------------------------

ProblemArg = Annotated[
    Path, typer.Argument(metavar="PROBLEM", help="Problem file (flexblock/v1 JSON).", show_default=False)
]
PlanArg = Annotated[
    Path, typer.Argument(metavar="PLAN", help="Plan file (flexblock-plan/v1 JSON).", show_default=False)
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Where to write the plan (JSON).", show_default=False)]
SeedOpt = Annotated[int, typer.Option(help="Random seed; the same seed gives the same result.", min=0)]
TimeLimitOpt = Annotated[
    float, typer.Option("--time-limit", help="Seconds the solver may spend.", min=0.1, max=86_400.0)
]
ICS_LAYOUT = "DIR/students/<id>.ics, DIR/staff/<id>.ics, DIR/spaces/<id>.ics, DIR/resources/<id>.ics"


# ---- helpers ------------------------------------------------------------------------------------


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"


def _fail(issues: list[InputIssue], what: str) -> typer.Exit:
    _, err = ui.make_consoles()
    ui.print_issues(err, issues, what)
    return typer.Exit(EXIT_BAD_INPUT)


def _check_out_path(out: Path) -> None:
    """Refuse an output path that cannot be written before any long computation starts."""
    if out.is_dir():
        raise _fail([InputIssue(str(out), "is a folder; give a file name for --out")], "--out")
    folder = out.parent
    if not folder.is_dir():
        raise _fail([InputIssue(str(out), f"folder {str(folder)!r} does not exist")], "--out")
    if not os.access(folder, os.W_OK):
        raise _fail([InputIssue(str(out), f"folder {str(folder)!r} is not writable")], "--out")


def _write(out: Path, text: str) -> None:
    try:
        write_atomic(out, text.encode("utf-8"))
    except OSError as exc:
        raise _fail([InputIssue(str(out), f"cannot write file: {exc.strerror or exc}")], "--out") from exc


def _check_ics_dir(folder: Path) -> None:
    """Refuse a feeds folder that cannot be made or written before any long computation starts."""
    if folder.exists() and not folder.is_dir():
        raise _fail([InputIssue(str(folder), "is a file; give a folder for the calendar feeds")], "--ics-dir")
    existing = folder if folder.is_dir() else folder.parent
    if not existing.is_dir():
        raise _fail([InputIssue(str(folder), f"folder {str(existing)!r} does not exist")], "--ics-dir")
    if not os.access(existing, os.W_OK):
        raise _fail([InputIssue(str(folder), f"folder {str(existing)!r} is not writable")], "--ics-dir")


def _write_feeds(problem: Problem, plan: Plan, folder: Path) -> None:
    """Write the plan's calendar feeds (one .ics per student, staff, space and resource with events)."""
    from scheduler.calendar import build_feeds, write_feed_files
    from scheduler.calendar.events import FeedDataError
    from scheduler.calendar.files import stale_feed_files

    try:
        feeds = build_feeds(problem, plan)
    except FeedDataError as exc:
        raise _fail([InputIssue("plan", issue) for issue in exc.issues], "plan for the calendar feeds") from exc
    try:
        folder.mkdir(exist_ok=True)
        written = write_feed_files(folder, feeds)
    except OSError as exc:
        issue = InputIssue(str(folder), f"cannot write calendar feeds: {exc.strerror or exc}")
        raise _fail([issue], "--ics-dir") from exc
    _, err = ui.make_consoles()
    ui.print_note(err, f"{len(written)} calendar feeds written to {folder}")
    stale = stale_feed_files(folder, written)
    if stale:
        ui.print_note(err, f"{len(stale)} older .ics files there have no events in this plan and were left as they are")


def _load_problem(path: Path) -> Problem:
    try:
        return load_problem(path)
    except ProblemInputError as exc:
        raise _fail(exc.issues, f"problem file {path}") from exc


def _load_plan(path: Path) -> Plan:
    try:
        return load_plan(path)
    except ProblemInputError as exc:
        raise _fail(exc.issues, f"plan file {path}") from exc


def _plan_metrics(problem: Problem, plan: Plan) -> Metrics | None:
    """The plan's metrics, computed when the producer left them out (never for an empty plan)."""
    if plan.metrics is not None or plan.status in ("infeasible", "unknown"):
        return plan.metrics
    from scheduler.domain.metrics import compute_metrics

    return compute_metrics(problem, plan)


def _finish_plan(problem: Problem, plan: Plan, out: Path, title: str) -> None:
    """Fill in missing metrics, write the plan, print the summary."""
    console, err = ui.make_consoles()
    metrics = _plan_metrics(problem, plan)
    if metrics is not plan.metrics:
        plan = plan.model_copy(update={"metrics": metrics})
    _write(out, plan_json(plan))
    console.print(ui.summary_table(plan, metrics, title=title))
    ui.print_note(err, f"Plan written to {out}")


# ---- commands -----------------------------------------------------------------------------------


@app.command()
def solve(
    problem_path: ProblemArg,
    out: OutOpt,
    time_limit: TimeLimitOpt = 30.0,
    seed: SeedOpt = 0,
    workers: Annotated[int, typer.Option(help="Solver threads.", min=1, max=256)] = 2,
    ics_dir: Annotated[
        Path | None,
        typer.Option(
            "--ics-dir",
            metavar="DIR",
            help=f"Also write calendar feeds as {ICS_LAYOUT} (one per entity with events), "
            "only when a feasible or optimal plan is found.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Build the best plan the solver finds within the time limit and write it to --out.

    Exit 0: plan written (and the calendar feeds, with --ics-dir). 2: bad input, nothing written.

    3: infeasible (proven), plan and conflicts written, no feeds. 4: not known yet: no plan and no proof
    within the time limit, nothing written; each engine stage's reason is printed when it gives one.
    """
    _check_out_path(out)
    if ics_dir is not None:
        _check_ics_dir(ics_dir)
    problem = _load_problem(problem_path)
    from scheduler.solver.engine import solve as run_solver
    from scheduler.solver.settings import SolveSettings

    settings = SolveSettings(time_limit=time_limit, seed=seed, workers=workers)
    console, err = ui.make_consoles()
    with ui.SolveProgress(err, time_limit, title=f"solving {problem.school.id}") as progress:
        plan = run_solver(problem, settings, on_progress=progress.update)

    if plan.status == "infeasible":
        _write(out, plan_json(plan))
        if plan.conflicts:
            ui.print_conflicts(console, plan.conflicts)
        else:  # the engine proved it (an infeasible relaxation) without naming facts: say what it found
            ui.print_error(err, "The rules cannot all hold (the engine proved it), but it named no conflicting facts.")
            for line in ui.stage_reasons(plan):
                ui.print_note(err, f"  {line}")
            ui.print_note(err, f"Run `scheduler explain {problem_path}` to look for the facts.")
        ui.print_note(err, f"Infeasible plan{' with its conflicts' if plan.conflicts else ''} written to {out}")
        raise typer.Exit(EXIT_INFEASIBLE)
    if plan.status == "unknown":
        ui.print_undecided(
            err,
            f"Not known yet: no plan was found within {time_limit:g} s, and no proof that the hard rules "
            "cannot all hold. Nothing was written.",
            _next_steps(problem_path, time_limit),
            stages=ui.stage_reasons(plan),
            tight=_likely_tight(problem),
        )
        raise typer.Exit(EXIT_NO_PLAN)
    _finish_plan(problem, plan, out, title=f"Solved {problem.school.id}")
    if ics_dir is not None:
        _write_feeds(problem, plan, ics_dir)


@app.command()
def ics(
    problem_path: ProblemArg,
    plan_path: PlanArg,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="DIR", help=f"Folder for the feeds: {ICS_LAYOUT}.", show_default=False),
    ],
) -> None:
    """Write the calendar feeds of an existing feasible or optimal plan (for schools without the service).

    One .ics file per student, staff member, space and resource that has events; the same files give the same bytes.

    Exit 0: feeds written. 2: bad input, or a plan that is not feasible or optimal; nothing written.
    """
    _check_ics_dir(out)
    problem = _load_problem(problem_path)
    plan = _load_plan(plan_path)
    if plan.status not in ("optimal", "feasible"):
        issue = InputIssue(f"{plan_path}: status", f"plan is {plan.status!r}; feeds are written for a feasible plan")
        raise _fail([issue], f"plan file {plan_path}")
    _write_feeds(problem, plan, out)


@app.command()
def check(problem_path: ProblemArg, plan_path: PlanArg) -> None:
    """Verify a plan against every hard rule and recompute its metrics.

    Exit 0 when the plan is valid, 1 when it breaks a rule, 2 on bad input.
    """
    problem = _load_problem(problem_path)
    plan = _load_plan(plan_path)
    if plan.school != problem.school.id:
        issue = InputIssue(f"{plan_path}: school", f"plan is for {plan.school!r}, problem is {problem.school.id!r}")
        raise _fail([issue], f"plan file {plan_path}")
    from scheduler.domain.checker import check_plan
    from scheduler.domain.metrics import compute_metrics

    console, err = ui.make_consoles()
    violations = check_plan(problem, plan)
    if plan.status == "infeasible":
        ui.print_note(err, "This plan is marked infeasible and places nobody; its conflicts:")
        ui.print_conflicts(err, plan.conflicts)
    recomputed = compute_metrics(problem, plan)
    console.print(ui.metrics_comparison_table(plan.metrics, recomputed))
    different = ui.metrics_differ(plan.metrics, recomputed)
    if different:
        ui.print_error(err, f"The plan reports different figures for: {', '.join(different)}.")
    if violations:
        ui.print_violations(console, violations)
        raise typer.Exit(EXIT_INVALID)
    console.print(f"Plan is valid: every hard rule holds ({len(plan.assignments)} assignments checked).")


@app.command()
def baseline(problem_path: ProblemArg, out: OutOpt, seed: SeedOpt = 0) -> None:
    """Write the first-come-first-served plan (the yardstick the solver is measured against)."""
    _check_out_path(out)
    problem = _load_problem(problem_path)
    from scheduler.solver.baseline import baseline_plan

    plan = baseline_plan(problem, seed=seed)
    _finish_plan(problem, plan, out, title=f"Baseline for {problem.school.id}")
    shortfalls = (plan.engine or {}).get("shortfalls") or []
    if shortfalls:
        _, err = ui.make_consoles()
        ui.print_error(err, f"First come, first served cannot keep every hard rule here ({len(shortfalls)}):")
        for shortfall in shortfalls:
            ui.print_note(err, f"  {shortfall}")


@app.command()
def generate(
    students: Annotated[int, typer.Option("--students", "-n", help="How many students.", min=1, max=100_000)],
    seed: SeedOpt = 0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write the school (JSON); stdout when absent.")
    ] = None,
    shape: Annotated[
        str,
        typer.Option(metavar="NAME", help="Shape preset: the kind of school (ms-loose is the original middle school)."),
    ] = "ms-loose",
    infeasible: Annotated[
        str | None,
        typer.Option(
            metavar="KIND",
            help="Break the school in one way (seats, needs, staff, resources, locks); the cause goes to stderr.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate a realistic synthetic school (the same seed and shape always give the same school).

    It is feasible by construction, unless --infeasible breaks exactly one kind of fact.
    Exit 0: school written. 2: bad option (an unknown shape or kind lists the valid names).
    """
    from scheduler.generate import build_school, shape_presets
    from scheduler.generate.infeasible import infeasible_kinds, make_infeasible

    presets = shape_presets()
    if shape not in presets:
        raise _fail([InputIssue("--shape", f"unknown shape {shape!r}; valid shapes: {', '.join(presets)}")], "--shape")
    if infeasible is not None and infeasible not in infeasible_kinds():
        kinds = ", ".join(infeasible_kinds())
        raise _fail([InputIssue("--infeasible", f"unknown kind {infeasible!r}; valid kinds: {kinds}")], "--infeasible")
    if out is not None:
        _check_out_path(out)
    school = build_school(students, seed, shape=presets[shape])
    problem, cause = school.problem, None
    if infeasible is not None:
        try:
            broken = make_infeasible(school, infeasible)
        except ValueError as exc:
            raise _fail([InputIssue("--infeasible", str(exc))], "--infeasible") from exc
        problem, cause = broken.problem, broken.cause
    _, err = ui.make_consoles()
    if cause is not None:
        ui.print_note(err, f"Cause: {json.dumps(cause)}")
    text = problem_json(problem)
    if out is None:
        typer.echo(text, nl=False)
        return
    _write(out, text)
    what = f"School ({shape})" if infeasible is None else f"Infeasible school ({shape}, {infeasible})"
    ui.print_note(err, f"{what} of {students} students (seed {seed}) written to {out}")


@app.command()
def explain(problem_path: ProblemArg, time_limit: TimeLimitOpt = 20.0, seed: SeedOpt = 0) -> None:
    """Say whether the hard rules can all hold for a problem and, when they cannot, which facts conflict.

    Exit 3 when conflicts are found (the rules cannot all hold), 0 when a plan was found that keeps
    every rule, 4 when the time limit ran out before either (not known yet).
    """
    problem = _load_problem(problem_path)
    from scheduler.solver.explain import explain as run_explain

    console, err = ui.make_consoles()
    found = run_explain(problem, time_limit=time_limit, seed=seed)
    if found.status == "infeasible":
        ui.print_conflicts(console, found.conflicts)
        ui.print_note(err, ui.conflicts_note(found.source, found.minimal))
        raise typer.Exit(EXIT_INFEASIBLE)
    if found.status == "feasible":
        ui.print_note(
            console,
            "The hard rules can all hold: the scheduler found a plan that keeps every one of them "
            "(confirmed by the plan checker). Run `scheduler solve` for the best plan.",
        )
        return
    ui.print_undecided(err, f"Not known yet: {found.note}.", _next_steps(problem_path, time_limit), tight=found.tight)
    raise typer.Exit(EXIT_NO_PLAN)


def _likely_tight(problem: Problem) -> list[str]:
    from scheduler.domain.index import ProblemIndex
    from scheduler.solver.explain.reach import Reach
    from scheduler.solver.explain.tightness import likely_tight

    return likely_tight(Reach(ProblemIndex(problem)))


def _next_steps(problem_path: Path, time_limit: float) -> list[str]:
    longer = f"{max(2 * time_limit, 60.0):g}"
    return [
        f"run `scheduler explain {problem_path} --time-limit {longer}` to keep looking for a conflict or a plan;",
        f"or run `scheduler solve {problem_path} --out PLAN --time-limit {longer}`: "
        "a plan found proves the week possible.",
    ]


app.command()(service_cli.serve)
app.add_typer(service_cli.admin_app, name="admin")


if __name__ == "__main__":  # pragma: no cover
    app()
