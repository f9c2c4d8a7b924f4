"""solve(problem) -> plan: the stages in order; each is a module of ``solver.stages``.

0. Pre-checks (``stages.prechecks``): fast bounds that each alone prove the week impossible
   (seats per block, staff, resources, needs, locks); an infeasible school is explained at once.
1. Bound (``stages.bound``, second core): the LP relaxation of the whole week (``bound``) on PDLP,
   its last dual iterate turned into a proven Lagrangian bound (``dual_bound``). Students are
   merged into small groups on very big schools; merging is a relaxation, so the bound stays
   valid. The exact model it was exported from serves the next stages.
2. A valid plan early (``stages.warm_start``): the previous plan repaired (``repair``), else the
   first-come-first-served plan (``baseline``), else, when that greedy breaks a hard rule, the
   feasibility stage's (``feasibility``), which proves the week infeasible when it is.
3. Timetable (``stages.timetable_search``, this core): the warm start's timetable with its
   students re-placed on the timetable model (rooms integer, students fractional; one unit per
   student up to 1,000 students, merged groups above), or on small schools a session MIP started
   from it; then large-neighbourhood search (``lns``, its moves solved in bulk by ``submip``),
   which also aims at students left without any choice, and a second move at a time once the
   bound process has left its core.
4. Placement (``stages.placement``): the exact student MIP on the chosen timetable, one variable
   per allowed (student, offering, block), every rule exact; then fallback sessions and rooms
   (``extract``). It starts from a complete valid placement (``start``: min-cost flows and
   repairs) that follows the placement's own LP on big schools (``placement``) and the merged
   search's picture on small ones; the start is the MIP's incumbent and a candidate plan, so a
   MIP cut short by the clock returns at least the start, never the warm start; a start within
   0.5% of the LP is kept without the MIP.
   Above ``polish_up_to`` students, when it leaves time, the search goes on and places again
   (``stages.more_search``).
5. Polish (``stages.polish``): on small schools the time the placement leaves polishes that plan
   on the exact model (``polish``).
6. Finish (``stages.finish``): the better of that plan and the warm start is returned, with the
   best proven bound, once the independent checker (``domain.checker``) confirms it keeps every
   hard rule. When the relaxation is infeasible, or no plan passes the checker, ``explain`` says
   why.
The run's state (problem, instance, settings, tuning, progress, deadline) is one ``run.Run``; the
thresholds and time shares are ``settings.tuning`` (``tuning.EngineTuning``).
"""

from __future__ import annotations

import time

from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.solver.run import ProgressCallback, Run
from scheduler.solver.settings import Progress, SolveSettings
from scheduler.solver.stages.bound import collect_bound, start_bound
from scheduler.solver.stages.finish import explain, finish, valid_plans
from scheduler.solver.stages.more_search import search_and_place_again
from scheduler.solver.stages.placement import best_placed_plan
from scheduler.solver.stages.polish import polished_plan
from scheduler.solver.stages.prechecks import proven_infeasible
from scheduler.solver.stages.timetable_search import timetables
from scheduler.solver.stages.warm_start import warm_start

__all__ = ["Progress", "ProgressCallback", "SolveSettings", "solve"]


def solve(problem: Problem, settings: SolveSettings | None = None, on_progress: ProgressCallback | None = None) -> Plan:
    """The best plan found within ``settings.time_limit`` seconds, with a proven bound and gap."""
    run = Run(problem, settings or SolveSettings(), on_progress)
    impossible = proven_infeasible(run)
    if impossible is not None:
        return impossible
    job, exact = start_bound(run)
    start = warm_start(run, exact)
    if start.infeasible:
        job.stop()
        return explain(run)
    warm = start.plan
    chosen, infeasible, search = timetables(run, warm, job, exact)
    if infeasible or (job.poll() and job.infeasible):
        job.stop()
        return explain(run)
    placing = time.monotonic()
    plan = best_placed_plan(run, chosen, warm)
    plan = search_and_place_again(run, search, plan, job, time.monotonic() - placing)
    polished = polished_plan(run, plan, job)
    collect_bound(run, job, polished or plan)
    if job.infeasible:
        return explain(run)
    candidates = valid_plans(run, [polished, plan, warm, start.safety])
    if not candidates:
        return explain(run)
    return finish(run, candidates, start)
