"""Shared schools for the calendar tests: the tiny school and Riverside, each with a baseline plan
(a valid plan without solver time) and its feeds written to a folder once per test run.

Not a conftest.py: this folder cannot be a package (it would shadow the standard library's
``calendar``), and a second top-level ``conftest`` module would hide ``tests/conftest.py`` from the
tests that import it. Test modules load it with ``pytest_plugins = ["calendar_schools"]``, so its
session fixtures are built once per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import icalendar
import pytest

from scheduler.calendar import RenderedFeed, build_feeds, write_feed_files
from scheduler.domain.checker import check_plan
from scheduler.domain.loading import load_problem
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.solver.baseline import baseline_plan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ROSTER_BASE = "https://flex.example.org/api/v1"


@dataclass(frozen=True)
class School:
    problem: Problem
    plan: Plan
    feeds: list[RenderedFeed]
    folder: Path
    files: list[Path]
    _parsed: dict[Path, icalendar.Calendar] = field(default_factory=dict)

    def parsed(self, path: Path) -> icalendar.Calendar:
        """The file read by icalendar, once per session (Riverside has 700 feeds)."""
        if path not in self._parsed:
            self._parsed[path] = icalendar.Calendar.from_ical(path.read_bytes())
        return self._parsed[path]


def _school(name: str, folder: Path) -> School:
    problem = load_problem(FIXTURES / f"{name}.json")
    plan = baseline_plan(problem, seed=0)
    assert plan.status == "feasible" and not check_plan(problem, plan)
    feeds = build_feeds(problem, plan, roster_base_url=ROSTER_BASE)
    return School(problem, plan, feeds, folder, write_feed_files(folder, feeds))


@pytest.fixture(scope="session")
def tiny_feeds(tmp_path_factory: pytest.TempPathFactory) -> School:
    return _school("tiny-school", tmp_path_factory.mktemp("tiny-feeds"))


@pytest.fixture(scope="session")
def riverside_feeds(tmp_path_factory: pytest.TempPathFactory) -> School:
    return _school("riverside-ms", tmp_path_factory.mktemp("riverside-feeds"))


@pytest.fixture(params=["tiny_feeds", "riverside_feeds"])
def school_feeds(request: pytest.FixtureRequest) -> School:
    return request.getfixturevalue(request.param)
