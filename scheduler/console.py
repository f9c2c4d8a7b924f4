"""Terminal rendering for the CLI: the live solve progress and the summary tables.

Kept apart from ``cli.py`` so the commands read as "load, run, write, report". Everything prints
through a rich ``Console``; data (ids, paths, messages) is printed as ``Text`` so a ``[`` in a path
such as ``students[3].choices[1]`` is never taken for markup. When stderr is not a terminal (CI,
pipes, log files) the live bar degrades to one plain line per meaningful change.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from scheduler.domain.errors import InputIssue
from scheduler.domain.plan import Conflict, Metrics, Plan
from scheduler.solver.settings import Progress

if TYPE_CHECKING:
    from scheduler.domain.checker import Violation

# The spec's metrics, in the order the spec lists them.
METRIC_NAMES: tuple[str, ...] = tuple(Metrics.model_fields)

# Plain progress lines: at most one per this many seconds unless the stage changes.
PLAIN_LINE_INTERVAL = 2.0


def make_consoles() -> tuple[Console, Console]:
    """(out, err): tables go to stdout, progress and diagnostics to stderr."""
    return Console(highlight=False), Console(stderr=True, highlight=False)


# ---- formatting --------------------------------------------------------------------------------


def fmt_number(value: float | int | None, decimals: int = 3) -> str:
    """Counts as integers, rates with a few decimals, missing values as a dash."""
    if value is None:
        return "-"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def fmt_gap(gap: float | None) -> str:
    return "-" if gap is None else f"{gap:.2%}"


def fmt_seconds(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}"


# ---- live progress ----------------------------------------------------------------------------


class _TimeBar(ProgressColumn):
    """A bar that fills with wall-clock time against the time limit, between progress reports too."""

    def __init__(self, time_limit: float) -> None:
        super().__init__()
        self.time_limit = max(time_limit, 1e-9)

    def render(self, task: Task) -> ProgressBar:
        elapsed = min(task.elapsed or 0.0, self.time_limit)
        return ProgressBar(total=self.time_limit, completed=elapsed, width=30)


def describe_progress(report: Progress) -> str:
    """One line: stage, best cost, proven bound, gap and solutions found so far."""
    parts = [
        f"{report.elapsed:6.1f}s",
        f"{report.stage:<12}",
        f"best {fmt_number(report.objective, 1)}",
        f"bound {fmt_number(report.bound, 1)}",
        f"gap {fmt_gap(report.gap)}",
    ]
    if report.solutions:
        parts.append(f"solutions {report.solutions}")
    return "  ".join(parts)


class SolveProgress:
    """Context manager whose ``update`` is the engine's ``on_progress`` callback.

    On a terminal: a rich progress line (spinner, stage, time bar, best/bound/gap, elapsed) on
    stderr. Elsewhere: a plain line when the stage changes, or when the figures change and
    ``PLAIN_LINE_INTERVAL`` seconds have passed since the last line. The engine may call ``update``
    from its solver thread; rich's progress is thread-safe and plain printing is one write per line.
    """

    def __init__(self, err: Console, time_limit: float, title: str = "solving") -> None:
        self.err = err
        self.live = err.is_terminal
        self.title = title
        self._rich: RichProgress | None = None
        self._task = None
        self._last_line_at = float("-inf")
        self._last_stage: str | None = None
        self._last_figures: tuple[float | None, float | None] | None = None
        if self.live:
            self._rich = RichProgress(
                SpinnerColumn(),
                TextColumn("[bold]{task.fields[stage]}"),
                _TimeBar(time_limit),
                TextColumn("{task.fields[figures]}"),
                TimeElapsedColumn(),
                console=err,
                transient=False,
            )

    def __enter__(self) -> SolveProgress:
        if self._rich is not None:
            self._rich.start()
            self._task = self._rich.add_task(self.title, stage=self.title, figures="best -  bound -  gap -")
        else:
            self.err.print(Text(f"{self.title}..."))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._rich is not None:
            self._rich.stop()

    def update(self, report: Progress) -> None:
        if self._rich is not None and self._task is not None:
            figures = (
                f"best {fmt_number(report.objective, 1)}  bound {fmt_number(report.bound, 1)}  "
                f"gap {fmt_gap(report.gap)}"
            )
            self._rich.update(self._task, stage=report.stage, figures=figures)
            return
        self._plain(report)

    def _plain(self, report: Progress) -> None:
        now = time.monotonic()
        figures = (report.objective, report.bound)
        stage_changed = report.stage != self._last_stage
        due = figures != self._last_figures and now - self._last_line_at >= PLAIN_LINE_INTERVAL
        if stage_changed or due:
            self.err.print(Text(describe_progress(report)), soft_wrap=True)
            self._last_line_at = now
        self._last_stage = report.stage
        self._last_figures = figures


# ---- messages ---------------------------------------------------------------------------------


def print_issues(err: Console, issues: Sequence[InputIssue], what: str) -> None:
    """Every input problem as ``path: message``, under one plain-words heading."""
    err.print(Text(f"Cannot use {what}: {plural(len(issues), 'problem')} found.", style="bold red"), soft_wrap=True)
    for issue in issues:
        err.print(Text(f"  {issue}"), soft_wrap=True)


def print_error(err: Console, message: str) -> None:
    err.print(Text(message, style="bold red"), soft_wrap=True)


def print_note(err: Console, message: str) -> None:
    err.print(Text(message), soft_wrap=True)


def print_conflicts(console: Console, conflicts: Sequence[Conflict]) -> None:
    """Why the data cannot work: one block per conflict with the entities it names."""
    console.print(Text(f"The rules cannot all hold: {plural(len(conflicts), 'conflict')}.", "bold red"))
    for number, conflict in enumerate(conflicts, start=1):
        console.print(Text(f"{number}. [{conflict.kind}] {conflict.message}"), soft_wrap=True)
        if conflict.entities:
            console.print(Text(f"   involves: {', '.join(conflict.entities)}", style="dim"), soft_wrap=True)


def conflicts_note(source: str, minimal: bool) -> str:
    """How the listed conflicts prove the week impossible: each alone (prechecks) or together (a core)."""
    if source == "prechecks":
        return (
            "Each of these facts alone makes the week impossible: every one of them must change "
            "before a plan can exist."
        )
    if minimal:
        return (
            "Together these facts cannot all hold, and none of them can be left out: changing any one removes "
            "this conflict (run explain again afterwards, as the week may hold others)."
        )
    return (
        "Together these facts cannot all hold (the time ran out before the set was shown to be the smallest: "
        "some of them may not be needed)."
    )


def stage_reasons(plan: Plan) -> list[str]:
    """ "stage: reason" for each engine stage that says why it ended without a plan (its ``reason``)."""
    stages = (plan.engine or {}).get("stages")
    if not isinstance(stages, list):
        return []
    out = []
    for entry in stages:
        if isinstance(entry, dict) and isinstance(entry.get("reason"), str) and entry["reason"].strip():
            out.append(f"{entry.get('stage', 'stage')}: {entry['reason'].strip()}")
    return out


def print_undecided(
    err: Console, headline: str, steps: Sequence[str], stages: Sequence[str] = (), tight: Sequence[str] = ()
) -> None:
    """Neither a plan nor a proof: say so, what each stage reported, where the week looks tight, and
    what the scheduler can do."""
    err.print(Text(headline, style="bold yellow"), soft_wrap=True)
    if stages:
        err.print(Text("What each stage found:"), soft_wrap=True)
        for line in stages:
            err.print(Text(f"  {line}"), soft_wrap=True)
    if tight:
        err.print(Text("Close to their limits (where the week is likely tight; not a proof):"), soft_wrap=True)
        for line in tight:
            err.print(Text(f"  {line}"), soft_wrap=True)
    if steps:
        err.print(Text("What you can do:"), soft_wrap=True)
        for line in steps:
            err.print(Text(f"  - {line}"), soft_wrap=True)


def print_violations(console: Console, violations: Sequence[Violation]) -> None:
    """Each broken rule with its message (the checker's own report), then the verdict."""
    from scheduler.domain.checker import format_violations

    console.print(Text(format_violations(list(violations))), soft_wrap=True)
    console.print(Text(f"Plan is INVALID: {plural(len(violations), 'violation')} of the hard rules.", "bold red"))


# ---- tables -----------------------------------------------------------------------------------


def _metric_value(metrics: Metrics | None, name: str) -> str:
    return fmt_number(None if metrics is None else getattr(metrics, name), 4)


def summary_table(plan: Plan, metrics: Metrics | None, title: str = "Plan summary") -> Table:
    """Status, objective, bound, gap, seconds and each spec metric of one plan."""
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = [
        ("status", plan.status),
        ("objective", fmt_number(plan.objective, 1)),
        ("bound", fmt_number(plan.bound, 1)),
        ("gap", fmt_gap(plan.gap)),
        ("seconds", fmt_seconds(plan.solve_seconds)),
        ("sessions", fmt_number(len(plan.sessions))),
        ("assignments", fmt_number(len(plan.assignments))),
    ]
    rows += [(name, _metric_value(metrics, name)) for name in METRIC_NAMES]
    for name, value in rows:
        table.add_row(name, value)
    return table


def metrics_differ(reported: Metrics | None, recomputed: Metrics) -> list[str]:
    """Names of the metrics the plan reports differently from a recomputation (rates to 1e-3)."""
    if reported is None:
        return []
    different = []
    for name in METRIC_NAMES:
        a, b = getattr(reported, name), getattr(recomputed, name)
        if a is None or b is None:
            if a is not b:
                different.append(name)
        elif abs(float(a) - float(b)) > 1e-3:
            different.append(name)
    return different


def metrics_comparison_table(reported: Metrics | None, recomputed: Metrics) -> Table:
    """The plan's own metrics next to the checker's recomputation, mismatches marked."""
    different = set(metrics_differ(reported, recomputed))
    table = Table(title="Metrics: reported by the plan vs recomputed", header_style="bold")
    table.add_column("metric")
    table.add_column("reported", justify="right")
    table.add_column("recomputed", justify="right")
    table.add_column("")
    for name in METRIC_NAMES:
        mark = Text("differs", style="bold yellow") if name in different else Text("ok", style="green")
        if reported is None:
            mark = Text("not reported", style="dim")
        table.add_row(name, _metric_value(reported, name), _metric_value(recomputed, name), mark)
    return table


def rows_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Table:
    """A plain table of already formatted cells, first column left-aligned, the rest right."""
    table = Table(title=title, header_style="bold")
    for position, column in enumerate(columns):
        table.add_column(column, justify="left" if position == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table
