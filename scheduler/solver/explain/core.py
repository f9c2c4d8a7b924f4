"""Find a small set of rules that cannot all hold, with CP-SAT assumptions, and shrink it to a minimal one.

1. Solve the whole guarded model (``model.py``) with every guard assumed. FEASIBLE means there is
   nothing to explain, and the solution is kept (``CoreSearch.chosen``) so the caller can write it
   as a plan and have the checker confirm it; UNKNOWN (time out) means we cannot tell, and the
   caller says "not known".
2. INFEASIBLE comes with ``sufficient_assumptions_for_infeasibility``: a core. CP-SAT's cores are not
   always minimal (and have been seen to be inexact), so a core taken from the solver is only trusted
   after a solve under just those assumptions says INFEASIBLE again. From then on every solve runs on
   the *slice* of the model the core touches, which is exact and far smaller.
3. Deletion-based minimisation: drop pieces of the core, halves first and then single guards, in
   ``GROUPS`` order (generic rules first, school-specific facts last); whenever the rest is still
   infeasible the piece goes, and the solver's own core of the rest may shrink it further. A guard
   whose removal makes the rest feasible is necessary. Every core kept was confirmed infeasible by a
   solve; when every member was also shown necessary the core is minimal (dropping any one member
   leaves a feasible problem) and ``CoreResult.minimal`` says so.

When the first assumption solve (given a tenth of the time) cannot decide, a short parallel solve
with every rule fixed on (``quick_check``) settles most feasible schools at once, and the assumption
solve then gets the rest of the time. Everything runs against one deadline. CP-SAT searches sequentially under
assumptions, whatever ``num_workers`` says, so those solves ask for one worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.domain.index import ProblemIndex
from scheduler.solver.explain.constraints import Guard, Key, Rows, build_rows
from scheduler.solver.explain.model import GuardedModel

INFEASIBLE, FEASIBLE, UNKNOWN = "infeasible", "feasible", "unknown"
MIN_PROBE_SECONDS = 0.5  # a shrinking probe never gets less than this (unless the deadline is nearer)
PROBE_SHARE = 0.25  # ... nor more than this share of the whole time limit
QUICK_MIN_SECONDS = 1.0  # the first assumption solve and the parallel check each get at least this ...
QUICK_SHARE = 0.1  # ... or this share of the time limit
RESLICE_SHARE = 0.75  # rebuild the slice once the core is this much smaller than the slice
# Presolve off: on a 600-student school it takes ~15 s of a 16 s solve (search itself < 1 s), it is
# weak with every rule behind an assumption anyway, and its cores can name literals that are not
# assumptions (or-tools issue #5141).
PRESOLVE = False
# Symmetry detection off: it costs ~1 s per solve on a large school (rooms and students are very
# symmetric) and is what made a 9,000-variable slice take 0.8 s instead of 0.04 s.
SYMMETRY = 0


@dataclass
class CoreResult:
    """The guards of a core, and whether each was shown necessary (minimal = all of them)."""

    guards: list[Guard]
    minimal: bool
    solves: int
    seconds: float


@dataclass
class CoreSearch:
    """What the search decided: "infeasible" with a confirmed core, "feasible" with the variables a
    solution of the whole model set to 1, or "unknown" (the time ran out first)."""

    status: str
    core: CoreResult | None = None
    chosen: set[Key] | None = None


def by_order(guards: list[Guard]) -> list[Guard]:
    return sorted(set(guards), key=lambda g: g.order)


class CoreFinder:
    """Solves guarded models under varying assumptions, within one deadline."""

    def __init__(self, rows: Rows, *, deadline: float, time_limit: float, seed: int) -> None:
        self.rows = rows
        self.deadline = deadline
        self.time_limit = time_limit
        self.seed = seed
        self.solves = 0
        self.model = GuardedModel(rows)
        self.sliced_for: set[Guard] | None = None
        self.chosen: set[Key] | None = None  # a solution of the whole model, once one is found

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def probe_seconds(self) -> float:
        return max(MIN_PROBE_SECONDS, PROBE_SHARE * self.time_limit)

    def slice_to(self, guards: list[Guard]) -> None:
        """Solve on the slice of ``guards`` from now on; a slice of a superset serves while it is close in size."""
        wanted = set(guards)
        close = self.sliced_for is not None and len(wanted) >= RESLICE_SHARE * len(self.sliced_for)
        if close and self.sliced_for is not None and wanted <= self.sliced_for:
            return
        self.model = GuardedModel(self.rows, by_order(guards))
        self.sliced_for = wanted

    def solve(self, assumed: list[Guard], seconds: float) -> tuple[str, list[Guard]]:
        """Status under exactly ``assumed`` (other guards free), and the solver's core when infeasible."""
        seconds = min(seconds, self.remaining())
        if seconds <= 0.01:
            return UNKNOWN, []
        model = self.model
        model.model.clear_assumptions()
        model.model.add_assumptions([model.literals[g] for g in assumed])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        solver.parameters.cp_model_presolve = PRESOLVE
        solver.parameters.symmetry_level = SYMMETRY
        status = solver.solve(model.model)
        self.solves += 1
        if status == cp_model.INFEASIBLE:
            allowed, guard_of = set(assumed), model.guards
            core = [g for i in solver.sufficient_assumptions_for_infeasibility() if (g := guard_of.get(i)) in allowed]
            return INFEASIBLE, by_order(core) or list(assumed)
        if status in (cp_model.FEASIBLE, cp_model.OPTIMAL):
            if self.sliced_for is None and set(assumed) == set(model.literals):
                self.keep_solution(solver)
            return FEASIBLE, []
        return UNKNOWN, []

    def keep_solution(self, solver: cp_model.CpSolver) -> None:
        """Remember which variables of the whole model the solver's solution sets to 1."""
        values = solver.response_proto.solution
        self.chosen = {key for key, var in self.model.vars.items() if values[var.index]}

    def first_try_seconds(self) -> float:
        return max(QUICK_MIN_SECONDS, QUICK_SHARE * self.time_limit)

    def quick_check(self, workers: int) -> str:
        """Every rule on, no assumptions, ``workers`` in parallel for a short while.

        Under assumptions CP-SAT searches alone, and on a large feasible school that search can take
        seconds; with the rules fixed on, the parallel portfolio (feasibility jump) usually finds a
        plan in under a second. An infeasible school still needs the assumption solve for its core.
        """
        seconds = min(self.remaining(), self.first_try_seconds())
        if workers < 2 or seconds <= 0.01:
            return UNKNOWN
        model = self.model.model.clone()
        model.clear_assumptions()
        for literal in self.model.literals.values():
            model.add_bool_or([model.get_bool_var_from_proto_index(literal.index)])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = self.seed
        solver.parameters.cp_model_presolve = PRESOLVE
        solver.parameters.symmetry_level = SYMMETRY
        status = solver.solve(model)
        self.solves += 1
        if status in (cp_model.FEASIBLE, cp_model.OPTIMAL):
            self.keep_solution(solver)  # the clone keeps every variable's index
            return FEASIBLE
        return INFEASIBLE if status == cp_model.INFEASIBLE else UNKNOWN

    def tighten(self, infeasible: list[Guard], suggested: list[Guard]) -> list[Guard]:
        """The smaller of a known-infeasible set and the solver's core of it, once that core is re-checked."""
        current = infeasible
        while len(suggested) < len(current):
            self.slice_to(suggested)
            status, again = self.solve(suggested, self.probe_seconds())
            if status != INFEASIBLE:
                break
            current, suggested = suggested, again
        self.slice_to(current)
        return current

    def shrink(self, core: list[Guard]) -> tuple[list[Guard], bool]:
        """Deletion-based minimisation (chunks, then single guards); True when the result is minimal."""
        necessary: set[Guard] = set()
        undecided = False
        chunk = max(1, len(core) // 2)
        while True:
            candidates = [g for g in core if g not in necessary]
            for start in range(0, len(candidates), chunk):
                if self.remaining() <= 0:
                    break
                piece = [g for g in candidates[start : start + chunk] if g in core]
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
        minimal = not undecided and all(g in necessary for g in core)
        return core, minimal


def search_core(index: ProblemIndex, *, time_limit: float, seed: int = 0, workers: int = 2) -> CoreSearch:
    """Decide the week on the guarded model: a minimal (when time allows) core when the rules cannot all
    hold, a solution when they can, or "unknown" when the time runs out first."""
    start = time.monotonic()
    finder = CoreFinder(build_rows(index), deadline=start + time_limit, time_limit=time_limit, seed=seed)
    every = by_order(list(finder.model.literals))
    status, suggested = finder.solve(every, finder.first_try_seconds())
    if status == UNKNOWN:
        if finder.quick_check(workers) == FEASIBLE:
            return CoreSearch(FEASIBLE, chosen=finder.chosen)
        status, suggested = finder.solve(every, finder.remaining())
    if status != INFEASIBLE:
        return CoreSearch(status, chosen=finder.chosen if status == FEASIBLE else None)
    core = finder.tighten(every, suggested)
    core, minimal = finder.shrink(core)
    return CoreSearch(INFEASIBLE, core=CoreResult(core, minimal, finder.solves, time.monotonic() - start))


def find_core(index: ProblemIndex, *, time_limit: float, seed: int = 0, workers: int = 2) -> CoreResult | None:
    """A minimal (when time allows) set of guards that cannot all hold; None if feasible or undecided."""
    return search_core(index, time_limit=time_limit, seed=seed, workers=workers).core
