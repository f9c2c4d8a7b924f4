"""The timetable search's aimed move: a student left without a choice gets one when a plan allows it."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import FIXTURES

from scheduler.domain.loading import load_problem
from scheduler.domain.problem import Problem
from scheduler.solver import lns
from scheduler.solver.formulation import Formulation, build_formulation
from scheduler.solver.highs_run import run_highs
from scheduler.solver.instance import Instance, build_instance
from scheduler.solver.submip import Move, SubMip, Values
from scheduler.solver.units import make_units


def _school() -> Problem:
    """The tiny school, with Dev choosing art alone and free on Wednesday alone."""
    problem = load_problem(FIXTURES / "tiny-school.json")
    dev = {"choices": ["art"], "unavailable": ["mon", "tue"]}
    students = [s.model_copy(update=dev) if s.id == "s-4" else s for s in problem.students]
    return problem.model_copy(update={"students": students})


def _exact(inst: Instance) -> Formulation:
    form = build_formulation(inst, make_units(inst, 1))
    for var in [*form.vars.z.values(), *form.vars.placement_vars()]:
        var.integer = True
    return form


@pytest.fixture
def stuck() -> tuple[Instance, Formulation, dict, float]:
    """An incumbent with art's two sessions on Monday and Tuesday: Dev gets none of his choices."""
    inst = build_instance(_school())
    return _stuck(inst, _exact(inst))


def _stuck(inst: Instance, form: Formulation) -> tuple[Instance, Formulation, dict, float]:
    for (offering, block, _), var in form.vars.z.items():
        if offering == "art" and block == "wed":
            var.upper_bound = 0.0
    for block in ("mon", "tue"):
        form.vars.runs[("art", block)].lower_bound = 1.0
    result = run_highs(form.model, seconds=10, seed=0)
    assert result.feasible and result.objective is not None
    for var in form.vars.z.values():
        var.lower_bound, var.upper_bound = 0.0, 1.0
    for block in ("mon", "tue"):
        form.vars.runs[("art", block)].lower_bound = 0.0
    assert result.values[form.vars.no_choice["s-4"]] == pytest.approx(1.0)
    return inst, form, dict(result.values), result.objective


def test_the_move_frees_the_open_block_the_choices_and_their_students(stuck) -> None:
    inst, form, values, _ = stuck
    move = lns._no_choice_neighbourhood(inst, form, targets=2, offerings=2)(random.Random(0), values)
    assert move is not None
    assert move.blocks == {"wed"}
    assert {("art", "mon"), ("art", "tue"), ("art", "wed")} <= move.sessions
    in_art = {u for (u, o, _), var in form.vars.x.items() if o == "art" and values[var] > 0.5}
    assert {"s-4", *in_art} <= move.units


def test_merged_models_keep_a_one_slot_student_alone_and_aim_at_them() -> None:
    """Ava (two reading sessions) and Dev (free on Wednesday only) have one free slot each."""
    inst = build_instance(_school())
    units = make_units(inst, 3)
    alone = {u.id for u in units if u.single is not None}
    assert {"s-1", "s-4"} <= alone  # s-2 too: the only other grade-6 student
    # Dev's grade-7 classmates, with three free slots each, still share a unit.
    assert any({m.id for m in u.members} == {"s-3", "s-5"} for u in units)
    form = build_formulation(inst, units)
    for var in form.vars.z.values():
        var.integer = True
    _, _, values, objective = _stuck(inst, form)
    move = lns._no_choice_neighbourhood(inst, form, targets=2, offerings=2)(random.Random(0), values)
    # Focused: art's sessions, and Dev among the units freed in his open block, not the whole block.
    assert move is not None and not move.blocks and move.unit_blocks is not None and "wed" in move.unit_blocks
    assert ("art", "wed") in move.sessions and "s-4" in move.units
    layout = lns._layout(form)
    found = SubMip(form, layout, full_hint=True, sub_nodes=None).solve(move, layout.array(values), 10, 0)
    assert found is not None and found[1] < objective
    assert Values(layout, found[0])[form.vars.no_choice["s-4"]] == pytest.approx(0.0)


def test_solving_the_move_alone_gives_the_student_a_choice(stuck) -> None:
    inst, form, values, objective = stuck
    move = lns._no_choice_neighbourhood(inst, form, targets=2, offerings=2)(random.Random(0), values)
    layout = lns._layout(form)
    found = SubMip(form, layout, full_hint=True, sub_nodes=None).solve(move, layout.array(values), 10, 0)
    assert found is not None
    solution, cost = Values(layout, found[0]), found[1]
    assert solution[form.vars.no_choice["s-4"]] == pytest.approx(0.0)
    assert cost < objective
    # Art now runs on Wednesday, within its two sessions a week.
    running = {b for (o, b), y in form.vars.runs.items() if o == "art" and solution[y] > 0.5}
    assert "wed" in running and len(running) <= 2


def test_a_move_fixes_everything_outside_it(stuck) -> None:
    _, form, values, objective = stuck
    layout = lns._layout(form)
    sub = SubMip(form, layout, full_hint=True, sub_nodes=None)
    found = sub.solve(Move(set(), set()), layout.array(values), 10, 0)
    assert found is not None and found[1] == pytest.approx(objective)
    solution = Values(layout, found[0])
    for var in [*form.vars.z.values(), *form.vars.placement_vars()]:
        assert solution[var] == pytest.approx(values[var])


def test_nothing_to_aim_at_gives_no_move() -> None:
    inst = build_instance(_school())
    form = _exact(inst)
    result = run_highs(form.model, seconds=10, seed=0)
    assert result.values[form.vars.no_choice["s-4"]] == pytest.approx(0.0)
    pick = lns._no_choice_neighbourhood(inst, form, targets=2, offerings=2)
    assert pick(random.Random(0), result.values) is None


def test_the_replacement_frees_every_placement_once_per_timetable(stuck) -> None:
    inst, form, values, _ = stuck
    pick = lns._replacement(inst, form)
    move = pick(random.Random(0), values)
    assert move is not None and move.blocks == set(inst.index.block_ids) and not move.sessions
    assert pick(random.Random(0), values) is None  # the same rooms: nothing to re-place
    moved = dict(values)
    art_mon = next(var for (o, b, _), var in form.vars.z.items() if (o, b) == ("art", "mon") and values[var] > 0.5)
    moved[art_mon] = 0.0
    assert pick(random.Random(0), moved) is not None


def test_the_replacement_places_everyone_best_on_the_rooms(stuck) -> None:
    inst, form, values, objective = stuck
    layout = lns._layout(form)
    move = lns._replacement(inst, form)(random.Random(0), values)
    found = SubMip(form, layout, full_hint=True, sub_nodes=None).solve(move, layout.array(values), 10, 0)
    assert found is not None
    # The same optimum as the placement model solved on its own with the incumbent's rooms.
    for var in form.vars.z.values():
        var.lower_bound = var.upper_bound = round(values[var])
    alone = run_highs(form.model, seconds=10, seed=0)
    assert alone.objective is not None and found[1] == pytest.approx(alone.objective) and found[1] <= objective


def test_a_focused_move_frees_only_its_students_and_only_in_its_blocks(stuck) -> None:
    inst, form, values, _ = stuck
    move = lns._staff_neighbourhood(inst, form, 0.2, 2, focused=True)(random.Random(1), values)
    assert move.sessions and not move.blocks and move.unit_blocks is not None and len(move.unit_blocks) == 2
    assert all(block in move.unit_blocks for _, block in move.sessions)
    layout = lns._layout(form)
    array = layout.array(values)
    lower, upper = np.zeros(len(array)), np.ones(len(array))
    layout.bounds(move, array, lower, upper)
    placements = [(u, b, var) for (u, _, b), var in form.vars.x.items()]
    placements += [(u, b, var) for (u, b), var in form.vars.fb.items()]
    for unit, block, var in placements:
        position = layout.position[var.id]
        freed = unit in move.units and block in move.unit_blocks
        assert (lower[position] != upper[position]) == freed or var.lower_bound == var.upper_bound
        if not freed:
            assert lower[position] == upper[position] == pytest.approx(values[var])


def test_a_teachers_week_frees_their_sessions_in_every_block(stuck) -> None:
    inst, form, values, _ = stuck
    blocks = inst.index.block_ids
    pick = lns._staff_neighbourhood(inst, form, 1.0, len(blocks), focused=True, most=1)
    move = pick(random.Random(0), values)
    teachers = {t for offering, _ in move.sessions for t in inst.offering(offering).staff}
    assert len(teachers) == 1  # ``most`` caps the share
    (teacher,) = teachers
    assert move.sessions == {key for key in inst.session_classes if teacher in inst.offering(key[0]).staff}
    assert not move.blocks and move.unit_blocks == frozenset(blocks)
    could = {unit.id for key in move.sessions for unit, _ in form.vars.by_session.get(key, [])}
    assert move.units == frozenset(could)


def test_integer_placements_are_fixed_at_whole_values(stuck) -> None:
    """A solution read back as 0.9999999 fixed an integer placement where no integer lies, and
    every later move around that incumbent found nothing (polish, 600 students)."""
    _, form, values, objective = stuck
    layout = lns._layout(form)
    nudged = layout.array(values)
    nudged[layout.placed] = np.where(nudged[layout.placed] > 0.5, nudged[layout.placed] - 1e-7, nudged[layout.placed])
    found = SubMip(form, layout, full_hint=True, sub_nodes=None).solve(Move(set(), {"mon"}), nudged, 10, 0)
    assert found is not None and found[1] <= objective + 1e-6
