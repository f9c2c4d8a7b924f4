"""Why a school's data cannot be scheduled, in a school scheduler's words.

``explain_infeasibility`` first runs the fast prechecks (``prechecks.py`` and the ``*_checks.py``
modules it runs: each conflict they report alone proves the week impossible, e.g. a need its
interventionist's availability cannot cover). When they find nothing it states the ten hard rules
with one switch (guard) per rule and entity (``constraints.py``), builds them into CP-SAT
(``model.py``), asks the solver which switches cannot all be on and shrinks that set to a minimal
one (``core.py``), each switch then told as one fact (``describe.py``).

An empty list means no conflict was found: the problem is feasible, or the time limit ran out
before the solver could decide, and the caller reports "unknown".
"""

from __future__ import annotations

import time

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Problem
from scheduler.solver.explain.core import CoreResult, find_core
from scheduler.solver.explain.describe import describe_core
from scheduler.solver.explain.prechecks import PRECHECKS, run_prechecks
from scheduler.solver.explain.reach import Reach

__all__ = ["PRECHECKS", "CoreResult", "explain_infeasibility", "find_core", "run_prechecks"]

WORKERS = 2  # the project's machines have two cores


def explain_infeasibility(problem: Problem, *, time_limit: float = 20.0, seed: int = 0) -> list[Conflict]:
    """The smallest set of facts found that explains why ``problem`` has no valid plan; [] if none found."""
    start = time.monotonic()
    reach = Reach(ProblemIndex(problem))
    found = run_prechecks(reach)
    if found:
        return found
    remaining = time_limit - (time.monotonic() - start)
    core = find_core(reach.index, time_limit=remaining, seed=seed, workers=WORKERS)
    if core is None:
        return []
    return describe_core(reach, core.guards)
