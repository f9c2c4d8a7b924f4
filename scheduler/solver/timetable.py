"""Read a timetable off a model solution, or round a fractional one greedily when no MIP finished.

Rounding keeps every session rule (one room per class and block, staff once per block and within
max_sessions, runs.max, fixed resource use) so the student placement that follows sees only
sessions that can really run. Fallback sessions go first (they keep every student seatable), then
interventions (needs are hard), then choices by how much the fractional solution wanted them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from ortools.math_opt.python import mathopt

from scheduler.solver.extract import Timetable
from scheduler.solver.formulation import Variables
from scheduler.solver.instance import Instance

_KIND_ORDER = {"fallback": 0, "intervention": 1, "choice": 2}


def timetable_from_values(inst: Instance, v: Variables, values: Mapping[mathopt.Variable, float]) -> Timetable:
    """Sessions whose room variable is (almost) 1 in an integer solution."""
    return Timetable({(o, b): c for (o, b, c), var in v.z.items() if values.get(var, 0.0) > 0.5})


def round_timetable(inst: Instance, v: Variables, values: Mapping[mathopt.Variable, float]) -> Timetable:
    """Greedy rounding of fractional room variables into a timetable that breaks no session rule."""
    index = inst.index
    rooms_left = dict(inst.class_counts)
    staff_busy: set[tuple[str, str]] = set()
    staff_load: dict[str, int] = defaultdict(int)
    runs: dict[str, int] = defaultdict(int)
    units_left = {
        (b, r.id): r.quantity - index.reserved_units.get((b, r.id), 0)
        for b in index.block_ids
        for r in index.problem.resources
    }
    candidates = sorted(
        v.z.items(),
        key=lambda item: (
            _KIND_ORDER[inst.offering(item[0][0]).kind],
            -values.get(item[1], 0.0),
            item[0],
        ),
    )
    chosen: dict[tuple[str, str], int] = {}
    for (offering_id, block, c), var in candidates:
        offering = inst.offering(offering_id)
        if offering.kind == "choice" and values.get(var, 0.0) < 0.05:
            continue
        if (offering_id, block) in chosen or rooms_left[(c, block)] == 0:
            continue
        if runs[offering_id] >= index.runs_max(offering) and offering.kind != "fallback":
            continue
        if any((t, block) in staff_busy for t in offering.staff):
            continue
        if any(
            index.staff[t].max_sessions is not None and staff_load[t] >= index.staff[t].max_sessions
            for t in offering.staff
        ):
            continue
        if any(u.per_session > units_left[(block, u.resource)] for u in offering.resources):
            continue
        chosen[(offering_id, block)] = c
        rooms_left[(c, block)] -= 1
        runs[offering_id] += 1
        for t in offering.staff:
            staff_busy.add((t, block))
            staff_load[t] += 1
        for u in offering.resources:
            units_left[(block, u.resource)] -= u.per_session
    return Timetable(chosen)


def fix_timetable(inst: Instance, v: Variables, timetable: Timetable) -> None:
    """Pin every room variable to the timetable (students are placed next, sessions are settled)."""
    for (offering, block, c), var in v.z.items():
        value = 1.0 if timetable.sessions.get((offering, block)) == c else 0.0
        var.lower_bound = value
        var.upper_bound = value
