"""Find a small set of rules that cannot all hold, with CP-SAT assumptions, and shrink it to a minimal one.

1. Solve the guarded model (``model.py``) with every guard assumed. FEASIBLE means there is nothing
   to explain; UNKNOWN (time out) means we cannot tell, and the caller says "unknown".
2. INFEASIBLE comes with ``sufficient_assumptions_for_infeasibility``: a core. CP-SAT's cores are
   not always minimal (and, after presolve, not always exact), so every core taken from the solver is
   first re-checked by a solve under just those assumptions.
3. Deletion-based minimisation: drop pieces of the core, halves first and then single guards, in
   ``GROUPS`` order (generic rules first, school-specific facts last); whenever the rest is still
   infeasible the piece goes, and the solver's own core of the rest may shrink it further. A guard
   whose removal makes the model feasible is necessary. When every guard was tested this way the core
   is minimal: dropping any one member leaves a feasible problem.

Everything runs against one deadline, with 1 or 2 workers (the project's machine has two cores).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.domain.index import ProblemIndex
from scheduler.solver.explain.model import Guard, GuardedModel

INFEASIBLE, FEASIBLE, UNKNOWN = "infeasible", "feasible", "unknown"
MIN_PROBE_SECONDS = 0.5  # a shrinking probe never gets less than this (unless the deadline is nearer)
PROBE_SHARE = 0.25  # ... nor more than this share of the whole time limit
# Presolve off: on a 600-student school it takes ~15 s of a 16 s solve (search itself < 1 s), it is
# weak with every rule behind an assumption anyway, and its cores can name literals that are not
# assumptions (or-tools issue #5141).
PRESOLVE = False


@dataclass
class CoreResult:
    """The guards of a core, and whether each was shown necessary (minimal = all of them)."""

    guards: list[Guard]
    minimal: bool
    solves: int
    seconds: float


class CoreFinder:
    """Solves one guarded model under varying assumptions, within one deadline."""

    def __init__(self, model: GuardedModel, *, time_limit: float, seed: int, workers: int = 2) -> None:
        self.gm = model
        self.start = time.monotonic()
        self.deadline = self.start + time_limit
        self.time_limit = time_limit
        self.seed = seed
        self.workers = workers
        self.solves = 0
        self.guard_of = model.guards
        self.literal_of = {g: lit for g, lit in model.literals.items()}

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def solve(self, assumed: list[Guard], seconds: float) -> tuple[str, list[Guard]]:
        """Status under exactly ``assumed`` (other guards are free), and the solver's core when infeasible."""
        seconds = min(seconds, self.remaining())
        if seconds <= 0.01:
            return UNKNOWN, []
        self.gm.model.clear_assumptions()
        self.gm.model.add_assumptions([self.literal_of[g] for g in assumed])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed
        solver.parameters.cp_model_presolve = PRESOLVE
        status = solver.solve(self.gm.model)
        self.solves += 1
        if status == cp_model.INFEASIBLE:
            allowed = set(assumed)
            core = [
                g for i in solver.sufficient_assumptions_for_infeasibility() if (g := self.guard_of.get(i)) in allowed
            ]
            return INFEASIBLE, sorted(set(core), key=lambda g: g.order) or list(assumed)
        if status in (cp_model.FEASIBLE, cp_model.OPTIMAL):
            return FEASIBLE, []
        return UNKNOWN, []

    def probe_seconds(self) -> float:
        return max(MIN_PROBE_SECONDS, PROBE_SHARE * self.time_limit)

    def tighten(self, infeasible: list[Guard], suggested: list[Guard]) -> list[Guard]:
        """The smaller of a known-infeasible set and the solver's core of it, once that core is re-checked."""
        current = infeasible
        while len(suggested) < len(current):
            status, again = self.solve(suggested, self.probe_seconds())
            if status != INFEASIBLE:
                break
            current, suggested = suggested, again
        return current

    def shrink(self, core: list[Guard]) -> tuple[list[Guard], bool]:
        """Deletion-based minimisation (chunks, then single guards); True when the result is minimal."""
        necessary: set[Guard] = set()
        undecided = False
        chunk = max(1, len(core) // 2)
        while True:
            candidates = [g for g in core if g not in necessary]
            start = 0
            while start < len(candidates) and self.remaining() > 0:
                piece = [g for g in candidates[start : start + chunk] if g in core]
                start += chunk
                if not piece:
                    continue
                rest = [g for g in core if g not in piece]
                status, suggested = self.solve(rest, self.probe_seconds()) if rest else (FEASIBLE, [])
                if status == INFEASIBLE:
                    core = self.tighten(rest, suggested)
                elif chunk == 1:
                    if status == FEASIBLE:
                        necessary.add(piece[0])
                    else:
                        undecided = True
            if chunk == 1 or self.remaining() <= 0:
                break
            chunk = max(1, chunk // 2)
        minimal = not undecided and self.remaining() > 0 and all(g in necessary for g in core)
        return core, minimal


def find_core(index: ProblemIndex, *, time_limit: float, seed: int = 0, workers: int = 2) -> CoreResult | None:
    """A minimal (when time allows) set of guards that cannot all hold; None if feasible or undecided."""
    start = time.monotonic()
    gm = GuardedModel(index)
    finder = CoreFinder(gm, time_limit=max(0.0, time_limit - (time.monotonic() - start)), seed=seed, workers=workers)
    every = sorted(gm.literals, key=lambda g: g.order)
    status, suggested = finder.solve(every, finder.remaining())
    if status != INFEASIBLE:
        return None
    core = finder.tighten(every, suggested)
    core, minimal = finder.shrink(core)
    return CoreResult(core, minimal, finder.solves, time.monotonic() - start)
