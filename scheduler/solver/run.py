"""One solve in progress: what every stage reads (the problem, its instance, the settings and their
tuning) and what every stage reports to (the tracker), with the time budget's arithmetic."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypedDict

from scheduler.domain.problem import Problem
from scheduler.solver.highs_run import RunResult
from scheduler.solver.instance import Instance, build_instance
from scheduler.solver.settings import Progress, SolveSettings
from scheduler.solver.tuning import EngineTuning

ProgressCallback = Callable[[Progress], None]


class MipLimits(TypedDict):
    """The limits of one MIP (``run_highs`` keywords)."""

    seconds: float
    node_limit: int | None


class SearchWork(TypedDict, total=False):
    """The limits of a neighbourhood search (``lns.improve`` and ``polish`` keywords)."""

    sub_seconds: float
    max_rounds: int
    sub_nodes: int
    spare_core: Callable[[], bool]


class Tracker:
    """Keeps the best objective and bound seen and forwards progress to the caller."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.start = time.monotonic()
        self.objective: float | None = None
        self.bound: float | None = None
        self.solutions = 0
        self.stage = "start"
        self.stages: list[dict[str, object]] = []
        self.clock_cut = False  # a stage ended on the clock, not on its planned work

    def ran(self, result: RunResult) -> RunResult:
        self.clock_cut |= result.timed_out
        return result

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def enter(self, stage: str) -> None:
        self.stage = stage
        self.emit()

    def found(self, objective: float | None) -> None:
        if objective is not None and (self.objective is None or objective < self.objective - 1e-9):
            self.objective = objective
            self.solutions += 1
            self.emit()

    def proved(self, bound: float | None) -> None:
        if bound is not None and math.isfinite(bound) and (self.bound is None or bound > self.bound):
            self.bound = max(0.0, bound)
            self.emit()

    def done(self, **facts: object) -> None:
        self.stages.append({"stage": self.stage, "seconds": round(self.elapsed(), 2), **facts})
        self.emit()

    def emit(self) -> None:
        if self.callback is not None:
            self.callback(Progress(self.elapsed(), self.stage, self.objective, self.bound, self.solutions))


class Run:
    """One call of ``engine.solve``: the stages take it instead of problem, settings and tracker."""

    def __init__(self, problem: Problem, settings: SolveSettings, on_progress: ProgressCallback | None = None) -> None:
        self.problem = problem
        self.settings = settings
        self.tuning: EngineTuning = settings.tuning
        self.tracker = Tracker(on_progress)
        self.deadline = self.tracker.start + settings.time_limit
        self.inst: Instance = build_instance(problem)

    @property
    def students(self) -> int:
        return len(self.problem.students)

    @property
    def one_worker(self) -> bool:
        """One worker: a fixed amount of work instead of filling the time (the same plan again)."""
        return self.settings.workers == 1

    def left(self) -> float:
        """Seconds left before the deadline, less the safety margin."""
        return self.deadline - time.monotonic() - self.tuning.safety_seconds

    def finishing_seconds(self) -> float:
        """Time to keep for writing the plan and checking it, and for HiGHS to notice its time
        limit (it does not interrupt a long LP solve)."""
        per_student = self.tuning.check_seconds_per_student + self.tuning.late_stop_seconds_per_student
        return self.tuning.safety_seconds + self.students * per_student

    def stage_fits(self) -> bool:
        """Is there time left to build a timetable or placement model and solve it once?"""
        return self.left() >= self.tuning.stage_seconds_per_student * self.students

    def mip_limits(self, seconds: float) -> MipLimits:
        """With one worker a node count, not the clock, ends a MIP (the same plan on every run);
        the clock only guards the deadline, with a larger share of it."""
        if not self.one_worker:
            return {"seconds": seconds, "node_limit": None}
        return {
            "seconds": max(seconds, self.left() * self.tuning.deterministic_share),
            "node_limit": self.tuning.deterministic_nodes,
        }

    def search_work(self, rounds: int, spare_core: Callable[[], bool]) -> SearchWork:
        """LNS limits: ``rounds`` rounds of a fixed number of nodes with one worker, else
        time-sliced rounds, two at once once ``spare_core()`` says the other core is free."""
        if not self.one_worker:
            return {"sub_seconds": self.tuning.lns_sub_seconds, "spare_core": spare_core}
        return {
            "max_rounds": rounds,
            "sub_nodes": self.tuning.deterministic_sub_nodes,
            "sub_seconds": self.settings.time_limit,
        }

    def round_seconds(self) -> float:
        """Planned seconds a round; above ``timetable_exact_up_to`` students are merged into about
        ``timetable_units`` units and a round costs about the same, not more."""
        students = min(self.students, self.tuning.timetable_exact_up_to)
        return self.tuning.round_seconds + self.tuning.round_seconds_per_student * students

    def planned_rounds(self, window: float) -> int:
        """Search rounds that fit ``window`` seconds (planned from the limit, not measured)."""
        fit = int(window * self.tuning.planned_share / self.round_seconds())
        return max(1, min(self.tuning.deterministic_rounds, fit))
