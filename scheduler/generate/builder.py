"""``build_school``: the generator's stages in order, for the study-hall witness or the seated one.

Deterministic per (students, seed, shape): one ``random.Random(seed)``, no global state, no iteration
over unordered sets. The default shape runs the original stages in the original order, so it gives
exactly the schools (and fixtures) it always gave.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import parse_problem
from scheduler.domain.problem import Problem
from scheduler.generate import extras, seating
from scheduler.generate.catalog import SCHOOL_NAMES, school_kind
from scheduler.generate.choices import assign_choices
from scheduler.generate.offerings import make_choice_offerings
from scheduler.generate.people import make_interventions, make_students
from scheduler.generate.rooms import make_fallbacks, make_resources, make_spaces
from scheduler.generate.shape import Shape
from scheduler.generate.state import Draft
from scheduler.generate.witness import Witness

DEFAULT_WEEK = dt.date(2026, 11, 30)


@dataclass
class GeneratedSchool:
    problem: Problem
    witness: Witness
    data: dict[str, Any]  # the problem as JSON data, in the generator's field order (for writing fixtures)
    shape: Shape = field(default_factory=Shape)
    fallback_growth: int = 0  # hall seats the seated witness had to add beyond the shape's (0 normally)


def generate_school(
    students: int,
    seed: int = 0,
    *,
    shape: Shape | None = None,
    school_id: str | None = None,
    name: str | None = None,
    week_start: dt.date = DEFAULT_WEEK,
    timezone: str = "America/Chicago",
) -> Problem:
    """A validated, feasible school of ``students`` students; the same for the same seed and shape.

    The default shape is a middle school (grades 6-8) with blocks ``mon``..``fri`` in the week of
    ``week_start`` (moved back to its Monday); see ``Shape`` and ``shape_presets`` for the others.
    """
    return build_school(
        students, seed, shape=shape, school_id=school_id, name=name, week_start=week_start, timezone=timezone
    ).problem


def build_school(
    students: int,
    seed: int = 0,
    *,
    shape: Shape | None = None,
    school_id: str | None = None,
    name: str | None = None,
    week_start: dt.date = DEFAULT_WEEK,
    timezone: str = "America/Chicago",
) -> GeneratedSchool:
    """Like ``generate_school``, also returning the witness plan that proves the school feasible."""
    if students < 1:
        raise ValueError("a school needs at least one student")
    shape = shape or Shape()
    d = Draft(students, random.Random(seed), shape, week_start)
    school_id = school_id or f"gen-{students}-{seed}"
    d.domain = f"{school_id}.example.org"
    name = name or f"{d.rng.choice(SCHOOL_NAMES)} {school_kind(shape.grades)}"
    _build(d)
    data = d.problem_data({"id": school_id, "name": name, "timezone": timezone})
    return GeneratedSchool(parse_problem(data), d.witness, data, shape, d.fallback_growth)


def _build(d: Draft) -> None:
    """The stages: people, rooms, offerings, then the witness and the hard extras it keeps."""
    make_students(d)
    make_interventions(d)
    make_spaces(d)
    make_resources(d)
    make_choice_offerings(d)
    make_fallbacks(d)
    assign_choices(d)
    if d.shape.seated_witness:
        seating.seat_school(d)
    else:
        extras.make_unavailability(d)
        extras.make_locks_and_requests(d)
        extras.make_avoid_pairs(d)
        extras.fill_fallbacks(d)
    extras.make_reservations(d)


def choice_seats_per_block(problem: Problem) -> float:
    """Seats of choice offerings per block if every one ran ``runs.max`` times: sum(cap x runs) / blocks."""
    index = ProblemIndex(problem)
    seats = sum(
        o.capacity * min(index.runs_max(o), len(index.allowed_blocks(o)))
        for o in problem.offerings
        if o.kind == "choice"
    )
    return seats / len(problem.blocks)
