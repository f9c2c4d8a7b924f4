"""Generator shapes: every preset makes valid, feasible, deterministic schools with its defining property.

Feasibility is the witness plan passing the independent plan checker (``witness_violations``); the
defining properties are read off the problem data alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cache

import pytest

from scheduler.domain.index import ProblemIndex
from scheduler.domain.problem import Problem
from scheduler.generate import (
    GeneratedSchool,
    Shape,
    build_school,
    choice_seats_per_block,
    shape_named,
    shape_presets,
    witness_violations,
)

PRESETS = tuple(shape_presets())
SIZES = (160, 300)
SEEDS = (0, 1)


@cache
def school(name: str, students: int, seed: int) -> GeneratedSchool:
    return build_school(students, seed, shape=shape_presets()[name])


def present(problem: Problem, block: str) -> int:
    return sum(1 for s in problem.students if block not in s.unavailable)


def hall_seats(problem: Problem) -> int:
    return sum(o.capacity for o in problem.offerings if o.kind == "fallback")


def teachers(problem: Problem) -> list:
    led = {t for o in problem.offerings if o.kind == "choice" for t in o.staff}
    return [s for s in problem.staff if s.id in led]


# ---- every preset ---------------------------------------------------------------------------------
def test_at_least_twelve_presets_and_the_default_is_the_original() -> None:
    assert len(PRESETS) >= 12
    assert shape_presets()["ms-loose"] == Shape()
    with pytest.raises(KeyError, match="valid shapes: ms-loose"):
        shape_named("no-such-shape")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("students", SIZES)
@pytest.mark.parametrize("name", PRESETS)
def test_witness_keeps_every_hard_rule(name: str, students: int, seed: int) -> None:
    generated = school(name, students, seed)
    assert len(generated.problem.students) == students  # and it validated: build_school parses it
    assert witness_violations(generated.problem, generated.witness) == []
    assert generated.fallback_growth == 0  # the halls kept the shape's seats


@pytest.mark.parametrize("name", PRESETS)
def test_same_seed_same_school(name: str) -> None:
    assert build_school(SIZES[0], SEEDS[0], shape=shape_presets()[name]).data == school(name, SIZES[0], SEEDS[0]).data
    assert school(name, SIZES[0], 0).data != school(name, SIZES[0], 1).data


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", PRESETS)
def test_defining_property(name: str, seed: int) -> None:
    for students in SIZES:
        PROPERTIES[name](school(name, students, seed).problem)


def test_default_shape_is_exactly_the_original_generator() -> None:
    assert build_school(200, 5, shape=Shape()).data == build_school(200, 5).data


def test_invalid_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="blocks 9"):
        Shape(blocks=9)
    with pytest.raises(ValueError, match="choices"):
        Shape(choices=(2, 11))
    with pytest.raises(ValueError, match="loose seats"):
        Shape(fallback_seats_per_student=0.4)
    with pytest.raises(ValueError, match="small-group rooms"):
        Shape(tier2_capacity=(8, 12))


# ---- the defining properties ------------------------------------------------------------------------
def loose(problem: Problem) -> None:
    index = ProblemIndex(problem)
    assert all(hall_seats(problem) >= present(problem, b) for b in index.block_ids)


def tight(problem: Problem, share: float = 0.5) -> None:
    """Hall seats well below the students present in every block; choice seats only modestly above."""
    index = ProblemIndex(problem)
    for block in index.block_ids:
        assert hall_seats(problem) < present(problem, block)
        assert hall_seats(problem) <= share * present(problem, block) + 2
    assert choice_seats_per_block(problem) < len(problem.students)


def grades(problem: Problem) -> list[int]:
    return sorted({s.grade for s in problem.students})


def choices(problem: Problem) -> Counter[int]:
    return Counter(len(s.choices) for s in problem.students)


def ms_loose(problem: Problem) -> None:
    loose(problem)
    assert grades(problem) == [6, 7, 8] and len(problem.blocks) == 5


def hs_tight(problem: Problem) -> None:
    tight(problem)
    assert grades(problem) == [9, 10, 11, 12]
    assert set(choices(problem)) == {7}


def hs_4_blocks(problem: Problem) -> None:
    tight(problem)
    assert grades(problem) == [9, 10, 11, 12] and len(problem.blocks) == 4


def elem_k5(problem: Problem) -> None:
    tight(problem, share=0.55)
    assert grades(problem) == [0, 1, 2, 3, 4, 5]
    assert len(problem.blocks) == 3 and set(choices(problem)) == {3}


def k12_mixed(problem: Problem) -> None:
    loose(problem)
    assert grades(problem) == list(range(6, 13))
    limited = [set(o.grades or ()) for o in problem.offerings if o.kind == "choice"]
    assert any(g and g <= {6, 7, 8} for g in limited) and any(g and g <= {9, 10, 11, 12} for g in limited)


def eight_blocks(problem: Problem) -> None:
    tight(problem)
    assert len(problem.blocks) == 8 and len({b.date for b in problem.blocks}) == 5
    assert {"mon2", "wed2", "fri2"} <= {b.id for b in problem.blocks}
    assert min(choices(problem)) >= 8


def ten_choices(problem: Problem) -> None:
    tight(problem)
    assert set(choices(problem)) == {10}


def interventions_30pct(problem: Problem) -> None:
    supported = [s for s in problem.students if s.needs]
    assert len(supported) == round(0.3 * len(problem.students))
    assert sum(1 for s in supported if len(s.needs) == 2) >= 0.05 * len(supported)
    groups = [o for o in problem.offerings if o.kind == "intervention"]
    assert all(o.capacity <= 5 for o in groups if "-t3-" in o.id)
    assert all(o.capacity >= 7 for o in groups if "-t2-" in o.id)
    per_interventionist = Counter(o.staff[0] for o in groups)
    assert max(per_interventionist.values()) >= 2
    assert sum(1 for s in problem.spaces if "small-group" in s.features) == len(per_interventionist)


def scarce_staff(problem: Problem) -> None:
    tight(problem)
    staff = teachers(problem)
    assert sum(1 for t in staff if t.max_sessions in (2, 3)) >= 0.5 * len(staff)
    loose_school = build_school(len(problem.students), 0, shape=shape_presets()["ms-tight"]).problem
    assert len(staff) < len(teachers(loose_school))


def clubs_min_students(problem: Problem) -> None:
    clubs = [o for o in problem.offerings if o.kind == "choice" and o.min_students > 1]
    assert clubs and all(6 <= o.min_students <= 10 for o in clubs)
    assert any(o.runs.min > 0 for o in problem.offerings)


def hot_offerings(problem: Problem) -> None:
    first = Counter(s.choices[0] for s in problem.students)
    assert sum(count for _, count in first.most_common(3)) >= 0.7 * len(problem.students)


def dense_avoid(problem: Problem) -> None:
    partners: Counter[str] = Counter()
    for student in problem.students:
        for other in student.avoid:
            partners[student.id] += 1
            partners[other] += 1
    assert sum(1 for count in partners.values() if count >= 3) >= 0.05 * len(problem.students)


def part_time_staff(problem: Problem) -> None:
    tight(problem)
    staff = teachers(problem) + [s for s in problem.staff if s.id.startswith("i-")]
    away = [len(s.unavailable) for s in staff]
    assert sum(1 for a in away if a >= 1) >= 0.2 * len(staff)
    assert any(a >= 2 for a in away)


PROPERTIES: dict[str, Callable[[Problem], None]] = {
    "ms-loose": ms_loose,
    "ms-tight": tight,
    "hs-tight": hs_tight,
    "hs-4-blocks": hs_4_blocks,
    "elem-k5": elem_k5,
    "k12-mixed": k12_mixed,
    "eight-blocks": eight_blocks,
    "ten-choices": ten_choices,
    "interventions-30pct": interventions_30pct,
    "scarce-staff": scarce_staff,
    "clubs-min-students": clubs_min_students,
    "hot-offerings": hot_offerings,
    "dense-avoid": dense_avoid,
    "part-time-staff": part_time_staff,
}


def test_every_preset_has_a_property() -> None:
    assert set(PROPERTIES) == set(PRESETS)


def test_tight_witness_seats_most_students_in_ranked_sessions() -> None:
    generated = school("ms-tight", 300, 0)
    index = ProblemIndex(generated.problem)
    ranked = Counter(
        index.students[s].choices.index(o) + 1
        for (s, _), o in generated.witness.placements.items()
        if o in index.students[s].choices
    )
    slots = sum(len(index.available_blocks(s)) for s in generated.problem.students)
    assert sum(ranked.values()) >= 0.4 * slots
    assert ranked[1] < 0.5 * sum(ranked.values())  # the witness is not simply everyone's first choice
