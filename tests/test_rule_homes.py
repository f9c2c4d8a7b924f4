"""Every hard rule has one named home in the checker, the solver's formulation and the explanations,
under the same name (``scheduler.domain.rules.Rule``), so a scheduler reading a violation or a
conflict can find the rule (STYLE.md, convention 1)."""

from __future__ import annotations

import pytest
from test_explain import need, reach_of, school

from scheduler.domain import checker
from scheduler.domain.rules import RULE_TEXT, Rule
from scheduler.solver import formulation
from scheduler.solver.explain.constraints import GROUPS, Guard, group_rule
from scheduler.solver.explain.describe import DESCRIBE
from scheduler.solver.explain.prechecks import PRECHECK_RULES, PRECHECKS


@pytest.mark.parametrize("rule", list(Rule))
def test_every_rule_has_a_checker_function(rule: Rule) -> None:
    checks = checker.CHECKS_BY_RULE[rule]
    assert checks, rule
    assert all(check.__module__ == checker.__name__ and check.__name__.startswith("check_") for check in checks)
    assert rule in RULE_TEXT


def test_the_checker_runs_exactly_the_filed_checks_in_rule_order() -> None:
    filed = [check for rule in Rule for check in checker.CHECKS_BY_RULE[rule]]
    assert list(checker.CHECKS) == filed
    assert len(set(filed)) == len(filed)


@pytest.mark.parametrize("rule", list(Rule))
def test_every_rule_has_a_constraint_function_named_after_it(rule: Rule) -> None:
    homes = formulation.RULE_CONSTRAINTS[rule]
    assert rule.value in [fn.__name__ for fn in homes]
    assert all(fn in formulation.HARD_RULES for fn in homes)


def test_the_formulation_runs_every_rule_and_makes_placements_first() -> None:
    filed = [fn for fns in formulation.RULE_CONSTRAINTS.values() for fn in fns]
    assert set(formulation.HARD_RULES) == set(filed) and len(filed) == len(formulation.HARD_RULES)
    assert formulation.HARD_RULES[0] is formulation.allowed_offering  # it makes the placement variables


@pytest.mark.parametrize("rule", list(Rule))
def test_every_rule_has_an_explanation_path(rule: Rule) -> None:
    by_precheck = {r for rules in PRECHECK_RULES.values() for r in rules}
    by_core = {group_rule(group) for group in GROUPS}
    assert rule in by_precheck | by_core


def test_prechecks_and_core_groups_are_named_after_rules() -> None:
    assert list(PRECHECKS) == list(PRECHECK_RULES)
    for group in GROUPS:
        head, _, part = group.partition(".")
        assert Rule(head) == group_rule(group)
        assert part == "" or part.replace("_", "").isalpha()
    assert set(DESCRIBE) == set(GROUPS)


def test_each_core_fact_is_told_under_its_groups_rule() -> None:
    data = school()
    need(data, "s1", "reading", 1)
    data["locks"] = [{"student": "s2", "block": "mon", "offering": "art"}]
    data["requests"] = [{"id": "q-1", "staff": "t-b", "student": "s3", "offering": "coding"}]
    data["staff"][0]["max_sessions"] = 3
    reach = reach_of(data)
    keys = {
        "one_session_per_block": ("s1",),
        "needs_met": ("s1", "reading"),
        "not_repeated": ("art",),
        "offering_runs": ("art",),
        "space.capacity": ("art",),
        "space.minimum": ("art",),
        "space.room": ("room-a",),
        "staff.once_per_block": ("t-a",),
        "staff.max_sessions": ("t-a",),
        "resources": ("cart", "mon"),
        "avoid": ("s1", "s2"),
        "locks_and_requests.lock": ("s2", "mon"),
        "locks_and_requests.request": ("q-1",),
    }
    assert set(keys) == set(GROUPS)
    for group, key in keys.items():
        told = DESCRIBE[group](reach, Guard(group, key))
        assert told.kind == group_rule(group), (group, told)
        assert told.entities
