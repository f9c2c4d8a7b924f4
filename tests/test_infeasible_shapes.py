"""Every generated infeasible variant, on every shape of school, is explained by the fast pre-checks:
a conflict filed under the rule the change breaks, naming what the generator changed.

The generator says what it broke (``make_infeasible``'s cause); the pre-checks must find it from
the data alone, without a solver, each conflict being a proof on its own (``prechecks``).
"""

from __future__ import annotations

from functools import cache

import pytest

from scheduler.domain.rules import Rule
from scheduler.generate import GeneratedSchool, build_school, shape_presets
from scheduler.generate.infeasible import infeasible_kinds, make_infeasible
from scheduler.solver.explain.prechecks import run_prechecks

STUDENTS = 150
# The rule each kind of change breaks: a conflict under any of these names it.
RULES = {
    "seats": {Rule.SPACE, Rule.ONE_SESSION_PER_BLOCK, Rule.STAFF},
    "needs": {Rule.NEEDS_MET, Rule.STAFF},
    "staff": {Rule.STAFF, Rule.OFFERING_RUNS},
    "resources": {Rule.RESOURCES, Rule.LOCKS_AND_REQUESTS},  # a locked session over the stock
    "locks": {Rule.LOCKS_AND_REQUESTS, Rule.SPACE, Rule.STAFF, Rule.OFFERING_RUNS},
}


@cache
def school(shape: str) -> GeneratedSchool:
    return build_school(STUDENTS, 2, shape=shape_presets()[shape])


@pytest.mark.parametrize("shape", sorted(shape_presets()))
def test_the_prechecks_find_nothing_on_the_feasible_school(shape: str) -> None:
    # The engine runs them first and stops at the first conflict: a false alarm would make a
    # feasible school "infeasible".
    assert run_prechecks(school(shape).problem) == []


def test_every_kind_has_its_rules() -> None:
    assert set(RULES) == set(infeasible_kinds())


@pytest.mark.parametrize("kind", infeasible_kinds())
@pytest.mark.parametrize("shape", sorted(shape_presets()))
def test_the_prechecks_name_what_the_generator_broke(shape: str, kind: str) -> None:
    try:
        broken = make_infeasible(school(shape), kind)
    except ValueError as too_small:
        pytest.skip(f"{shape} at {STUDENTS} students cannot be broken that way: {too_small}")
    conflicts = run_prechecks(broken.problem)
    assert conflicts, f"no pre-check explains {broken.cause}"
    named = {str(value) for value in broken.cause.values() if isinstance(value, str)}
    matching = [
        c
        for c in conflicts
        if c.kind in RULES[kind] and (not named or any(ref.split("/", 1)[-1] in named for ref in c.entities))
    ]
    assert matching, f"{broken.cause}: {[(c.kind, c.message) for c in conflicts]}"


@pytest.mark.parametrize("kind", infeasible_kinds())
def test_the_engine_says_infeasible_at_once_with_the_reason(kind: str) -> None:
    from scheduler.solver.engine import solve
    from scheduler.solver.settings import SolveSettings

    broken = make_infeasible(school("hs-tight"), kind)
    plan = solve(broken.problem, SolveSettings(time_limit=30))
    assert plan.status == "infeasible" and plan.conflicts
    assert {c.kind for c in plan.conflicts} & {str(rule) for rule in RULES[kind]}
    stages = [s["stage"] for s in plan.engine["stages"]]  # type: ignore[index, union-attr]
    assert stages == ["prechecks"]  # no model was built: the proof came first
