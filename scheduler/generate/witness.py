"""The witness: a plan built next to a generated school that proves the school feasible.

``witness_violations`` writes a witness as the spec's plan and runs the plan checker
(``domain.checker``) on it, independently of how the generator built it, so tests confirm the
generator's feasibility argument with the same code that judges the engine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.domain.checker import check_plan
from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.domain.rules import Rule
from scheduler.solver.plan_writer import build_assignments, build_sessions


@dataclass
class Witness:
    """A plan that keeps every hard rule: who attends what, and which room each session uses."""

    placements: dict[tuple[str, str], str] = field(default_factory=dict)  # (student, block) -> offering
    spaces: dict[tuple[str, str], str] = field(default_factory=dict)  # (offering, block) -> space

    def sessions(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for (student, block), offering in self.placements.items():
            out[(offering, block)].append(student)
        return dict(out)


_RULE_NUMBER = {rule: number for number, rule in enumerate(Rule, start=1)}


def witness_plan(problem: Problem, witness: Witness) -> Plan:
    """The witness written as the spec's plan (sessions, rosters, assignments), without cost or metrics."""
    index = ProblemIndex(problem)
    return Plan(
        school=problem.school.id,
        status="feasible",
        sessions=build_sessions(index, witness.placements, witness.spaces),
        assignments=build_assignments(index, witness.placements),
    )


def witness_violations(problem: Problem, witness: Witness) -> list[str]:
    """Every way ``witness`` breaks one of the spec's ten hard rules (empty when it keeps them all).

    The judge is the plan checker (``domain.checker``), so the generator's feasibility argument is
    confirmed by the same code that judges the engine. Each line reads "N: message", N the rule number.
    """
    return [f"{_RULE_NUMBER[v.rule]}: {v.message}" for v in check_plan(problem, witness_plan(problem, witness))]
