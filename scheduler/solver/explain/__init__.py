"""Why a school's data cannot be scheduled, in a school scheduler's words, and only what is proven.

``explain`` first runs the fast prechecks (``prechecks.py`` and the ``*_checks.py`` modules it runs:
each conflict they report alone proves the week impossible, e.g. a need its interventionist's
availability cannot cover). When they find nothing it states the ten hard rules with one switch
(guard) per rule and entity (``constraints.py``), builds them into CP-SAT (``model.py``), asks the
solver which switches cannot all be on and shrinks that set to a minimal one (``core.py``), each
switch then told as one fact (``describe.py``).

The answer says what was shown, and nothing more:

* "infeasible": conflicts found by the prechecks (each alone a proof) or a core CP-SAT confirmed
  infeasible (together a proof; ``minimal`` when every fact in it was shown necessary);
* "feasible": CP-SAT found a solution of the whole model, written as a plan that the independent
  plan checker accepts (``plan``): the hard rules can all hold;
* "unknown": the time ran out before either, so nothing is known yet; the facts closest to their
  limits (``tightness``) are listed as where to look, which proves nothing either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from scheduler.domain.checker import check_plan
from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Conflict, Plan
from scheduler.domain.problem import Problem
from scheduler.solver.explain.constraints import Key
from scheduler.solver.explain.core import CoreResult, CoreSearch, find_core, search_core
from scheduler.solver.explain.describe import describe_core
from scheduler.solver.explain.prechecks import PRECHECK_RULES, PRECHECKS, run_prechecks
from scheduler.solver.explain.reach import Reach
from scheduler.solver.explain.tightness import likely_tight
from scheduler.solver.plan_writer import build_plan

__all__ = [
    "PRECHECKS",
    "PRECHECK_RULES",
    "CoreResult",
    "CoreSearch",
    "Explanation",
    "explain",
    "explain_infeasibility",
    "find_core",
    "likely_tight",
    "run_prechecks",
    "search_core",
]

WORKERS = 2  # the project's machines have two cores

Status = Literal["infeasible", "feasible", "unknown"]
Source = Literal["prechecks", "core", "plan", "none"]


@dataclass
class Explanation:
    """What ``explain`` showed about a problem, and how (see the module docstring)."""

    status: Status
    conflicts: list[Conflict] = field(default_factory=list)
    source: Source = "none"
    minimal: bool = False  # a core: every fact in it was shown necessary
    plan: Plan | None = None  # "feasible": the checked plan that proves it
    seconds: float = 0.0
    note: str = ""  # why the status is "unknown", in words
    tight: list[str] = field(default_factory=list)  # "unknown": facts close to their limits (advice only)


def explain(problem: Problem, *, time_limit: float = 20.0, seed: int = 0, witness: bool = True) -> Explanation:
    """Decide, within ``time_limit`` seconds, whether the hard rules can all hold, and say why not.

    With ``witness`` False a solution CP-SAT finds is not written out and checked (that takes a
    moment on a big school), so the answer is then "unknown" rather than "feasible".
    """
    start = time.monotonic()
    reach = Reach(ProblemIndex(problem))
    found = run_prechecks(reach)
    if found:
        return Explanation("infeasible", found, "prechecks", seconds=time.monotonic() - start)
    remaining = time_limit - (time.monotonic() - start)
    search = search_core(reach.index, time_limit=remaining, seed=seed, workers=WORKERS)
    seconds = time.monotonic() - start
    if search.core is not None:
        conflicts = describe_core(reach, search.core.guards)
        return Explanation("infeasible", conflicts, "core", minimal=search.core.minimal, seconds=seconds)
    if search.chosen is not None and witness:
        plan = witness_plan(reach.index, search.chosen)
        if not check_plan(problem, plan):
            return Explanation("feasible", source="plan", plan=plan, seconds=time.monotonic() - start)
        note = "the solver's plan did not pass the plan checker, so it proves nothing"
        return Explanation("unknown", seconds=time.monotonic() - start, note=note, tight=likely_tight(reach))
    if search.chosen is not None:
        return Explanation("unknown", seconds=seconds, note="a solution was found but not checked as a plan")
    note = f"no conflict and no plan found within {time_limit:g} s"
    return Explanation("unknown", seconds=seconds, note=note, tight=likely_tight(reach))


def explain_infeasibility(problem: Problem, *, time_limit: float = 20.0, seed: int = 0) -> list[Conflict]:
    """The smallest set of facts found that explains why ``problem`` has no valid plan; [] when none was
    found (the problem is feasible, or the time ran out: ``explain`` tells the two apart)."""
    return explain(problem, time_limit=time_limit, seed=seed, witness=False).conflicts


def witness_plan(index: ProblemIndex, chosen: set[Key]) -> Plan:
    """The CP-SAT solution as a spec plan: who is where, and the room of each running session."""
    placements = {(k[1], k[3]): k[2] for k in chosen if k[0] == "x"}
    rooms = {(k[1], k[2]): k[3] for k in chosen if k[0] == "room"}
    return build_plan(index, placements, rooms, status="feasible")
