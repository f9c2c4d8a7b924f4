"""How long and how the engine may work; the objective's weights live in the problem's policy."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.solver.tuning import DEFAULT_TUNING, EngineTuning


@dataclass(frozen=True)
class SolveSettings:
    """Run settings. ``workers=1`` with a fixed ``seed`` gives the same plan for the same input;
    ``tuning`` holds the engine's thresholds and time shares (``solver.tuning``)."""

    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    tuning: EngineTuning = DEFAULT_TUNING


@dataclass(frozen=True)
class Progress:
    """One live progress report: best cost so far, proven bound, and the stage that produced them."""

    elapsed: float
    stage: str
    objective: float | None = None
    bound: float | None = None
    solutions: int = 0

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, (self.objective - self.bound) / max(self.objective, 1.0))
