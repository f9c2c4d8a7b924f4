"""The school generator: deterministic, valid at every size, realistic proportions, feasible by construction.

Feasibility is checked two ways: the witness plan the generator builds keeps all ten hard rules
(``witness_violations``), and the simple necessary conditions of the design hold on the data alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from functools import cache

import pytest

from scheduler.domain.index import ProblemIndex
from scheduler.domain.problem import Problem
from scheduler.generate import (
    GeneratedSchool,
    Witness,
    build_school,
    choice_seats_per_block,
    generate_school,
    witness_violations,
)

SIZES = (30, 200, 600, 2000)


@cache
def school(students: int, seed: int = 0) -> GeneratedSchool:
    return build_school(students, seed)


def tiers(problem: Problem) -> Counter[str]:
    """Students per intervention tier ("t2", "t3"), from the offering ids of their needs."""
    return Counter(n.offering.split("-")[1] for s in problem.students for n in s.needs)


# ---- determinism -----------------------------------------------------------------------------------
def test_same_seed_same_school() -> None:
    assert build_school(200, 5).data == build_school(200, 5).data
    assert generate_school(200, 5) == school(200, 5).problem


def test_different_seeds_differ() -> None:
    a, b = school(200, 0).problem, school(200, 1).problem
    assert [s.choices for s in a.students] != [s.choices for s in b.students]
    assert [o.id for o in a.offerings] != [o.id for o in b.offerings]


def test_options() -> None:
    problem = generate_school(40, 2, school_id="oak-ms", name="Oak MS", week_start=dt.date(2027, 1, 6))
    assert (problem.school.id, problem.school.name) == ("oak-ms", "Oak MS")
    assert problem.blocks[0].date.isoformat() == "2027-01-04"  # the Monday of that week
    assert [b.label for b in problem.blocks] == ["Mon flex", "Tue flex", "Wed flex", "Thu flex", "Fri flex"]
    with pytest.raises(ValueError):
        build_school(0)


# ---- valid and feasible at every size ---------------------------------------------------------------
@pytest.mark.parametrize("students", SIZES)
def test_witness_keeps_every_hard_rule(students: int) -> None:
    generated = school(students)
    assert len(generated.problem.students) == students
    assert witness_violations(generated.problem, generated.witness) == []


def test_witness_check_catches_a_broken_plan() -> None:
    generated = school(30)
    problem, witness = generated.problem, generated.witness
    student = next(s for s in problem.students if not s.unavailable and not s.needs)
    stranger = next(
        o.id
        for o in problem.offerings
        if o.kind == "choice" and o.id not in student.choices and (o.id, "mon") not in witness.spaces
    )
    moved = dict(witness.placements)
    moved[(student.id, "mon")] = stranger
    problems = witness_violations(problem, Witness(moved, dict(witness.spaces)))
    assert any(p.startswith(f"2: {student.id}") for p in problems)
    assert any(p.startswith(f"6: {stranger}@mon runs without a space") for p in problems)
    missing = dict(witness.placements)
    missing.pop((student.id, "tue"))
    assert any(p.startswith("1:") for p in witness_violations(problem, Witness(missing, dict(witness.spaces))))


# ---- proportions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("students", SIZES)
def test_intervention_shares(students: int) -> None:
    counts = tiers(school(students).problem)
    assert counts["t2"] == round(0.15 * students)
    assert counts["t3"] == round(0.05 * students)
    for student in school(students).problem.students:
        for need in student.needs:
            assert need.sessions == 3 if "-t3-" in need.offering else need.sessions in (1, 2)


@pytest.mark.parametrize("students", SIZES)
def test_choices(students: int) -> None:
    problem = school(students).problem
    offerings = {o.id: o for o in problem.offerings}
    for student in problem.students:
        assert 5 <= len(student.choices) <= 7
        assert len(set(student.choices)) == len(student.choices)
        for choice in student.choices:
            assert offerings[choice].kind == "choice" and offerings[choice].open_to(student.grade)
    lengths = Counter(len(s.choices) for s in problem.students)
    if students >= 200:
        assert all(lengths[k] > students / 6 for k in (5, 6, 7))


@pytest.mark.parametrize("students", (200, 600, 2000))
def test_scale(students: int) -> None:
    problem = school(students).problem
    assert 1.05 <= choice_seats_per_block(problem) / students <= 1.4
    assert abs(len(problem.spaces) - students / 11) <= max(4, 0.15 * students / 11)
    pathways = {o.pathway for o in problem.offerings if o.kind == "choice"}
    assert pathways == {"stem", "arts", "humanities", "wellness", "service", "careers"}
    choice = [o for o in problem.offerings if o.kind == "choice"]
    assert all(12 <= o.capacity <= 30 for o in choice if "vr-kits" not in {u.resource for u in o.resources})
    assert all(1 <= o.runs.max <= 3 for o in choice)
    assert any(o.allowed_blocks and len(o.allowed_blocks) < 5 for o in choice)
    assert any(o.grades and len(o.grades) < 3 for o in choice)
    assert any(o.needs_features for o in choice) and any(o.resources for o in choice)
    assert any(s.unavailable for s in problem.spaces) and any(s.unavailable for s in problem.staff)
    assert any(s.max_sessions for s in problem.staff)


def test_popularity_is_skewed() -> None:
    problem = school(600).problem
    index = ProblemIndex(problem)
    first = Counter(s.choices[0] for s in problem.students)
    counts = sorted(first.values(), reverse=True)
    assert counts[0] >= 5 * counts[len(counts) // 2]
    over = [
        o
        for o in problem.offerings
        if o.kind == "choice" and first[o.id] > o.capacity * min(index.runs_max(o), len(index.allowed_blocks(o)))
    ]
    assert over


@pytest.mark.parametrize("students", SIZES)
def test_extras_exist(students: int) -> None:
    problem = school(students).problem
    assert problem.locks and problem.reservations
    assert {r.priority for r in problem.requests} == {"required", "preferred"}
    assert any(s.avoid for s in problem.students) and any(s.unavailable for s in problem.students)
    assert all(o.runs.min == 0 for o in problem.offerings)


# ---- the design's necessary conditions, on the data alone ---------------------------------------------
@pytest.mark.parametrize("students", SIZES)
def test_fallback_seats_cover_every_block(students: int) -> None:
    problem = school(students).problem
    index = ProblemIndex(problem)
    fallbacks = [o for o in problem.offerings if o.kind == "fallback"]
    assert len(fallbacks) >= 2
    led_elsewhere = {t for o in problem.offerings if o.kind != "fallback" for t in o.staff}
    for offering in fallbacks:
        assert offering.space is not None and offering.open_to(6) and offering.open_to(8)
        for sid in offering.staff:
            assert sid not in led_elsewhere
            assert index.staff[sid].unavailable == [] and index.staff[sid].max_sessions is None
    for block in index.block_ids:
        present = sum(1 for s in problem.students if block not in s.unavailable)
        seats = sum(
            index.seat_limit(o, index.spaces[o.space]) for o in fallbacks if index.spaces_for(o, block)
        )  # spaces_for is empty when the space is unavailable or reserved
        assert seats >= present


@pytest.mark.parametrize("students", SIZES)
def test_intervention_seats_cover_needs(students: int) -> None:
    problem = school(students).problem
    index = ProblemIndex(problem)
    needs: dict[str, list[int]] = defaultdict(list)
    for student in problem.students:
        for need in student.needs:
            needs[need.offering].append(need.sessions)
    sessions_per_staff: Counter[str] = Counter()
    for offering in (o for o in problem.offerings if o.kind == "intervention"):
        blocks = index.run_blocks(offering)
        demand = needs[offering.id]
        assert 4 <= offering.capacity <= 8 and offering.needs_features == ["small-group"]
        assert max(demand) <= len(blocks)
        assert sum(demand) <= offering.capacity * len(blocks)
        (interventionist,) = offering.staff
        sessions_per_staff[interventionist] += max(max(demand), math.ceil(sum(demand) / offering.capacity))
    for interventionist, sessions in sessions_per_staff.items():
        free = [b for b in index.block_ids if index.staff_free(interventionist, b)]
        assert sessions <= len(free)  # one session per block at most
    small = [s for s in problem.spaces if "small-group" in s.features]
    assert min(s.capacity for s in small) >= 8
    for block in index.block_ids:
        free_rooms = [s for s in small if block not in s.unavailable and s.id not in index.reserved_spaces[block]]
        assert len(free_rooms) >= sum(1 for t in sessions_per_staff if index.staff_free(t, block))


@pytest.mark.parametrize("students", SIZES)
def test_students_with_needs_have_room_for_them(students: int) -> None:
    problem = school(students).problem
    index = ProblemIndex(problem)
    for student in problem.students:
        taken = sum(n.sessions for n in student.needs) + len(index.locks.get(student.id, {}))
        assert taken <= len(index.available_blocks(student))


@pytest.mark.parametrize("students", SIZES)
def test_hard_extras_are_satisfiable_kinds(students: int) -> None:
    problem = school(students).problem
    index = ProblemIndex(problem)
    for lock in problem.locks:
        offering = index.offerings[lock.offering]
        assert offering.kind == "fallback" or (
            offering.min_students == 1 and lock.offering in index.students[lock.student].choices
        )
    for request in problem.requests:
        if request.priority == "required":
            assert index.offerings[request.offering].min_students == 1
    fixed = Counter(
        [lock.student for lock in problem.locks] + [r.student for r in problem.requests if r.priority == "required"]
    )
    assert max(fixed.values()) == 1
    for pair in index.avoid_pairs:
        a, b = (index.students[s] for s in pair)
        assert not {n.offering for n in a.needs} & {n.offering for n in b.needs}
    protected = {o.space for o in problem.offerings if o.space} | {
        s.id for s in problem.spaces if "small-group" in s.features
    }
    special_staff = {t for o in problem.offerings if o.kind != "choice" for t in o.staff}
    for reservation in problem.reservations:
        assert reservation.space not in protected
        assert reservation.staff not in special_staff
