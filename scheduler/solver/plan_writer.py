"""Turn placements into the spec's plan: one writer for the engine and the baseline.

Both producers hand over the same two maps, (student, block) -> offering and (offering, block) ->
space, so sessions, reasons, resource totals, cost and metrics are derived in exactly one place and
two plans of the same school can be compared line by line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from scheduler.domain.index import ProblemIndex
from scheduler.domain.metrics import compute_metrics
from scheduler.domain.plan import Assignment, Conflict, Plan, PlanStatus, Session, session_id
from scheduler.domain.problem import Student
from scheduler.domain.stability import previous_changes
from scheduler.solver.objective import evaluate


def relative_gap(objective: float, bound: float | None) -> float | None:
    """The spec's gap, (objective - bound) / max(objective, 1), never negative; None without a bound."""
    if bound is None:
        return None
    return max(0.0, (objective - bound) / max(objective, 1.0))


def assignment_reason(index: ProblemIndex, student: Student, block: str, offering: str) -> str:
    """Why the student is there, strongest reason first: lock, need, request, choice N, fallback.

    A request on one of the student's own choices reads as that choice, as the metrics count it.
    """
    if index.locks.get(student.id, {}).get(block) == offering:
        return "lock"
    if any(need.offering == offering for need in student.needs):
        return "need"
    if offering not in student.choices and any(
        r.offering == offering for r in index.requests_by_student.get(student.id, [])
    ):
        return "request"
    if offering in student.choices:
        return f"choice {student.choices.index(offering) + 1}"
    return "fallback"


def _enrollment(placements: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], list[str]]:
    """(offering, block) -> sorted students; only pairs with students exist (empty sessions do not run)."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (student, block), offering in placements.items():
        out[(offering, block)].append(student)
    return {key: sorted(students) for key, students in out.items()}


def build_sessions(
    index: ProblemIndex,
    placements: Mapping[tuple[str, str], str],
    session_spaces: Mapping[tuple[str, str], str],
) -> list[Session]:
    """Running sessions in block (time) order, then offering id."""
    position = {block: i for i, block in enumerate(index.block_ids)}
    sessions = []
    for (offering_id, block), students in _enrollment(placements).items():
        offering = index.offerings[offering_id]
        use = index.resource_use(offering, len(students))
        sessions.append(
            Session(
                id=session_id(offering_id, block),
                offering=offering_id,
                block=block,
                space=session_spaces.get((offering_id, block)),
                staff=list(offering.staff),
                resources={resource: use[resource] for resource in sorted(use) if use[resource]},
                students=students,
            )
        )
    sessions.sort(key=lambda s: (position.get(s.block, len(position)), s.offering))
    return sessions


def build_assignments(index: ProblemIndex, placements: Mapping[tuple[str, str], str]) -> list[Assignment]:
    """One assignment per placement, in the problem's student order and then time order."""
    out = []
    for student in index.problem.students:
        for block in index.block_ids:
            offering = placements.get((student.id, block))
            if offering is None:
                continue
            out.append(
                Assignment(
                    student=student.id,
                    block=block,
                    session=session_id(offering, block),
                    reason=assignment_reason(index, student, block, offering),
                )
            )
    return out


def build_plan(
    index: ProblemIndex,
    placements: Mapping[tuple[str, str], str],
    session_spaces: Mapping[tuple[str, str], str],
    *,
    status: PlanStatus,
    bound: float | None = None,
    solve_seconds: float = 0.0,
    engine: dict | None = None,
) -> Plan:
    """The full plan: sessions, assignments, cost (total and per priority), gap and metrics."""
    cost = evaluate(index, placements, session_spaces)
    objective = cost.total
    plan = Plan(
        school=index.problem.school.id,
        status=status,
        solve_seconds=round(solve_seconds, 3),
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        sessions=build_sessions(index, placements, session_spaces),
        assignments=build_assignments(index, placements),
        objective_breakdown=cost.breakdown(),
        engine=engine,
    )
    plan.metrics = compute_metrics(index.problem, plan)
    plan.previous_changes = previous_changes(index.problem, plan, index)
    return plan


def infeasible_plan(
    index: ProblemIndex,
    conflicts: Iterable[Conflict],
    solve_seconds: float = 0.0,
    engine: dict | None = None,
) -> Plan:
    """The spec's answer when the rules cannot all hold: no sessions, no assignments, the reasons.

    Without a single conflict to show, infeasibility is not proven: the status is then "unknown"
    (no plan was found in time), never "infeasible" without a reason.
    """
    conflicts = list(conflicts)
    return Plan(
        school=index.problem.school.id,
        status="infeasible" if conflicts else "unknown",
        solve_seconds=round(solve_seconds, 3),
        conflicts=conflicts,
        engine=engine,
    )
