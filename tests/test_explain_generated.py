"""The prechecks on generated schools: nothing on feasible ones (never a false alarm), and each kind of
infeasible school (``infeasible_schools``) explained by name, by the prechecks alone (no CP-SAT)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, SPEC_EXAMPLES
from infeasible_schools import KINDS, Expected, infeasible_school
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import load_problem, parse_problem
from scheduler.domain.plan import Conflict
from scheduler.generate import generate_school
from scheduler.solver.explain import PRECHECK_RULES, explain, explain_infeasibility, run_prechecks
from scheduler.solver.explain.reach import Reach


@pytest.mark.parametrize(("students", "seed"), [(30, 0), (60, 5), (150, 1), (300, 2), (600, 3), (1000, 4)])
def test_prechecks_find_nothing_in_feasible_generated_schools(students: int, seed: int) -> None:
    """Generated schools are feasible by construction (a witness plan the checker accepts), so any
    conflict here would be a false alarm."""
    assert run_prechecks(generate_school(students, seed)) == []


@pytest.mark.parametrize("path", ["riverside-ms.json", "tiny-school.json"])
def test_prechecks_find_nothing_in_feasible_fixtures(path: str) -> None:
    assert run_prechecks(load_problem(FIXTURES / path)) == []


def test_prechecks_find_nothing_in_the_spec_example() -> None:
    assert run_prechecks(load_problem(SPEC_EXAMPLES / "small-school.json")) == []


def explained(conflicts: list[Conflict], expected: Expected) -> Conflict:
    """The conflict of the expected rule that names every expected entity (fails with all messages)."""
    for found in conflicts:
        if found.kind == expected.rule and set(expected.entities) <= set(found.entities):
            return found
    raise AssertionError(f"no {expected.rule} conflict naming {expected.entities}: {[str(c) for c in conflicts]}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_each_kind_of_infeasible_school_is_explained_by_the_prechecks(kind: str, seed: int) -> None:
    data, expected = infeasible_school(kind, seed)
    problem = parse_problem(data)
    explained(run_prechecks(problem), expected)
    found = explain(problem, time_limit=30)
    assert (found.status, found.source) == ("infeasible", "prechecks")  # no CP-SAT needed
    explained(found.conflicts, expected)
    assert explain_infeasibility(problem, time_limit=30) == found.conflicts


@pytest.mark.parametrize("kind", KINDS)
def test_each_conflict_is_reported_under_a_rule_its_check_declares(kind: str) -> None:
    reach = Reach(ProblemIndex(parse_problem(infeasible_school(kind)[0])))
    for check, rules in PRECHECK_RULES.items():
        for found in check(reach):
            assert found.kind in rules, (check.__name__, found)
            assert found.entities and all("/" in e for e in found.entities)


def test_explain_command_on_the_seats_school_exits_3_and_names_the_block(tmp_path: Path) -> None:
    data, _ = infeasible_school("seats")
    path = tmp_path / "seats.json"
    path.write_text(json.dumps(data), "utf-8")
    result = CliRunner().invoke(app, ["explain", str(path), "--time-limit", "10"])
    assert result.exit_code == 3, result.output
    present = sum(1 for s in data["students"] if "wed" not in (s.get("unavailable") or []))
    assert f"block wed has {present} students to place" in result.output
    assert "blocks/wed" in result.output
    assert "can all hold" not in result.output


def test_undecided_explanation_lists_where_the_week_is_tight(monkeypatch) -> None:
    """Interventionists whose groups fill every block they can lead are listed, as advice only."""
    import scheduler.solver.explain as explain_module

    monkeypatch.setattr(explain_module, "search_core", lambda *a, **k: explain_module.CoreSearch("unknown"))
    found = explain(generate_school(300, 0), time_limit=5)
    assert (found.status, found.conflicts) == ("unknown", [])
    assert "i-lee must lead at least 5 sessions this week and can lead at most 5" in found.tight
