"""Synthetic schools of every realistic shape for tests, benchmarks and demos, feasible by construction.

``generate_school(students, seed, shape=...)`` scales every part of a school with its size (30 to
5,000 students) and is deterministic per (students, seed, shape). While the school is generated, a
*witness* plan is built next to it, and every record that could make the school infeasible is only
added when the witness still obeys the spec's ten hard rules; ``witness_violations`` confirms that
with the independent plan checker. ``make_infeasible`` turns a school into one that provably breaks
exactly one kind of fact.

The package, stage by stage: ``shape`` (the options and named presets), ``catalog`` (courses,
names, calendar), ``people`` (students, interventions), ``rooms`` (spaces, resources, study halls),
``offerings`` (choice offerings, teachers), ``choices`` (ranked choices), ``extras`` (the study-hall
witness's locks, requests, avoid pairs, and the reservations), ``seating`` (the seated witness for
tight seats) and ``seated_extras`` (what is read off it), ``state`` (the school under construction),
``builder`` (the order), ``witness`` (the check), ``infeasible`` (the broken variants).
"""

from scheduler.generate.builder import GeneratedSchool, build_school, choice_seats_per_block, generate_school
from scheduler.generate.infeasible import InfeasibleSchool, infeasible_kinds, make_infeasible
from scheduler.generate.shape import Shape, shape_named, shape_presets
from scheduler.generate.witness import Witness, witness_plan, witness_violations

__all__ = [
    "GeneratedSchool",
    "InfeasibleSchool",
    "Shape",
    "Witness",
    "build_school",
    "choice_seats_per_block",
    "generate_school",
    "infeasible_kinds",
    "make_infeasible",
    "shape_named",
    "shape_presets",
    "witness_plan",
    "witness_violations",
]
