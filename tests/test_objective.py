"""The shared cost on the tiny school's hand-checked plan (fixtures/README.md), term by term."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import load_problem
from scheduler.domain.problem import Problem
from scheduler.solver.objective import evaluate

# fixtures/README.md, step 4: one of the optimal plans.
SESSIONS = {
    ("mon", "robotics"): ["s-2", "s-4", "s-6"],
    ("mon", "art"): ["s-3", "s-5", "s-7"],
    ("mon", "reading-t2"): ["s-1"],
    ("tue", "chess"): ["s-2", "s-4", "s-5", "s-6"],
    ("tue", "study-hall"): ["s-3", "s-7"],
    ("tue", "reading-t2"): ["s-1"],
    ("wed", "art"): ["s-1", "s-2", "s-4", "s-6"],
    ("wed", "chess"): ["s-3", "s-7"],
}
ROOMS = {"robotics": "maker-1", "art": "art-1", "chess": "room-1", "reading-t2": "sg-1", "study-hall": "library"}


def _cost(policy: dict[str, int]) -> float:
    tiny = load_problem(FIXTURES / "tiny-school.json")
    problem = Problem.model_validate({**tiny.model_dump(mode="json"), "policy": policy})
    placements = {(s, block): offering for (block, offering), students in SESSIONS.items() for s in students}
    rooms = {(offering, block): ROOMS[offering] for block, offering in SESSIONS}
    return evaluate(ProblemIndex(problem), placements, rooms).total


def test_the_hand_checked_plan_costs_170_by_default() -> None:
    assert _cost({}) == pytest.approx(170)


@pytest.mark.parametrize("missed", [0, 50])
def test_two_students_miss_their_first_choice(missed: int) -> None:
    """s-1 and s-3 never get robotics; s-2's lock on it counts as getting it."""
    assert _cost({"first_choice_missed": missed}) == pytest.approx(110 + 2 * missed)
