"""The week as a MIP on MathOpt, one function per hard rule (named as in ``domain.rules``).

Variables (``Variables``): ``x[u, o, b]`` how many students of unit u attend offering o in block b
(a unit is one student, or a group merged for a smaller relaxation: see ``units``); ``fb[u, b]``
how many of them are in the fallback pool; ``z[o, b, c]`` the session of o in b runs in a room of
space class c, with ``y[o, b] = sum_c z``. One model serves several solves (see ``engine``): all
continuous (the LP bound), rooms integer (the session MIP and its neighbourhoods), and, built on a
fixed timetable with one unit per student, the exact student placement. Rows are written in bulk
(``bulk``) because the expression API is too slow for thousands of students.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from ortools.math_opt.python import mathopt

from scheduler.domain.problem import Student
from scheduler.domain.rules import Rule
from scheduler.solver.bulk import ModelBuilder, Term
from scheduler.solver.instance import Instance
from scheduler.solver.objective import student_ideal
from scheduler.solver.tuning import DEFAULT_TUNING, EngineTuning
from scheduler.solver.units import Unit, no_choice_members

Key = tuple[str, str]
Var: TypeAlias = mathopt.Variable


@dataclass
class Variables:
    """Variable container keyed by the entities each variable stands for."""

    x: dict[tuple[str, str, str], Var] = field(default_factory=dict)
    fb: dict[tuple[str, str], Var] = field(default_factory=dict)
    z: dict[tuple[str, str, int], Var] = field(default_factory=dict)
    runs: dict[Key, Var] = field(default_factory=dict)
    seats: dict[Key, list[tuple[int, Var]]] = field(default_factory=lambda: defaultdict(list))
    by_unit: dict[str, list[tuple[str, str, Var]]] = field(default_factory=lambda: defaultdict(list))
    by_session: dict[Key, list[tuple[Unit, Var]]] = field(default_factory=lambda: defaultdict(list))
    fb_by_unit: dict[str, list[Var]] = field(default_factory=lambda: defaultdict(list))
    # unit -> how many of its members get none of their choices (only units that may pay for it)
    no_choice: dict[str, Var] = field(default_factory=dict)

    def seat_terms(self, key: Key, sign: float = 1.0) -> list[Term]:
        return [(var, sign * seats) for seats, var in self.seats[key]]

    def placement_vars(self) -> list[Var]:
        return [*self.x.values(), *self.fb.values()]


@dataclass
class Formulation:
    model: mathopt.Model
    vars: Variables
    units: list[Unit]
    sessions: Mapping[Key, list[tuple[int, int, int]]]
    link_chunk: int  # attendees per copy of a session variable (``EngineTuning.link_chunk``)


RuleConstraints = Callable[[ModelBuilder, Formulation, Instance], None]


def _ones(variables: list[Var], coef: float = 1.0) -> list[Term]:
    return [(var, coef) for var in variables]


def _session_variables(b: ModelBuilder, sessions: Mapping[Key, list[tuple[int, int, int]]], v: Variables) -> None:
    for (offering, block), fits in sessions.items():
        y = b.var()
        v.runs[(offering, block)] = y
        room_vars = []
        for c, seats, _ in fits:
            z = b.var()
            v.z[(offering, block, c)] = z
            v.seats[(offering, block)].append((seats, z))
            room_vars.append(z)
        # An explicit session variable keeps the many student links at two nonzeros each.
        b.row([(y, 1.0), *_ones(room_vars, -1.0)], 0.0, 0.0)


def allowed_offering(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 2: a student is only placed in an offering they chose, need, are requested for, are locked
    into, or a fallback, and never outside its grades.

    Stated by which variables exist rather than by rows: ``x[u, o, b]`` is made here only for the
    (offering, block) pairs in the unit's options, which ``units`` takes from ``ProblemIndex.options``
    (exactly the allowed offerings, open to the student's grade), and ``fb[u, b]`` only for slots that
    may go to the fallback pool (``Instance.pooled_slots``: an open fallback runs there). No other
    function makes placement variables, so this runs first.
    """
    v = f.vars
    for unit in f.units:
        for (offering, block), (_, count, locked) in unit.options.items():
            if (offering, block) not in v.runs:
                continue
            var = b.var(locked, count)
            v.x[(unit.id, offering, block)] = var
            v.by_unit[unit.id].append((offering, block, var))
            v.by_session[(offering, block)].append((unit, var))
        for block, slots in unit.slots.items():
            poolable = sum((m.id, block) in inst.pooled_slots for m in unit.members)
            if poolable and slots:
                var = b.var(0, poolable)
                v.fb[(unit.id, block)] = var
                v.fb_by_unit[unit.id].append(var)


def one_session_per_block(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 1: every student is in exactly one session (or the fallback pool) in each available block."""
    per_slot: dict[Key, list[Var]] = defaultdict(list)
    for (unit, _, block), var in f.vars.x.items():
        per_slot[(unit, block)].append(var)
    for key, var in f.vars.fb.items():
        per_slot[key].append(var)
    for unit in f.units:
        for block, slots in unit.slots.items():
            b.row(_ones(per_slot.get((unit.id, block), [])), slots, slots)


def needs_met(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 3: each need is met exactly."""
    for unit in f.units:
        attended = _attendance(f.vars, unit.id)
        for offering, sessions in unit.needs.items():
            b.row(_ones(attended.get(offering, [])), sessions, sessions)


def not_repeated(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 4: a non-repeatable offering at most once per student (requests: once is all they ask)."""
    for unit in f.units:
        for offering, terms in _attendance(f.vars, unit.id).items():
            limit = unit.at_most.get(offering)
            if limit is not None and offering not in unit.needs and len(terms) > 1:
                b.row(_ones(terms), ub=limit)


def offering_runs(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 5: at most one session per block (``y`` <= 1), between runs.min and runs.max sessions."""
    blocks_of: dict[str, list[Var]] = defaultdict(list)
    for (offering, _), y in f.vars.runs.items():
        blocks_of[offering].append(y)
    for offering in inst.problem.offerings:
        if offering.kind == "fallback" or offering.id not in blocks_of:
            continue
        runs = blocks_of[offering.id]
        limit = inst.index.runs_max(offering)
        if len(runs) > limit or offering.runs.min > 0:
            b.row(_ones(runs), offering.runs.min, limit)


def space(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 6: rooms per class and block; enrollment within seats, at least min_students."""
    per_class: dict[tuple[int, str], list[Var]] = defaultdict(list)
    for (_, block, c), var in f.vars.z.items():
        per_class[(c, block)].append(var)
    for (c, block), terms in per_class.items():
        if len(terms) > inst.class_counts[(c, block)]:
            b.row(_ones(terms), ub=inst.class_counts[(c, block)])
    for key, attendees in f.vars.by_session.items():
        enrolled = [(var, 1.0) for _, var in attendees]
        y = f.vars.runs[key]
        b.row(enrolled + f.vars.seat_terms(key, -1.0), ub=0.0)
        offering = inst.offering(key[0])
        # A session without students does not run: with runs.min the model must not count one.
        if offering.min_students > 1 or offering.runs.min > 0:
            b.row([*enrolled, (y, -float(offering.min_students))], lb=0.0)
        _link_to_session(b, key, attendees, y, f.link_chunk)


def _link_to_session(b: ModelBuilder, key: Key, attendees: list[tuple[Unit, Var]], y: Var, chunk_size: int) -> None:
    """x <= n * y for every attendee: implied for integers, but it is what makes the LP bound tight.

    A session variable in hundreds of rows is a dense column, which makes the interior-point
    method's normal equations dense; copies of ``y`` (equal to it, one per chunk of attendees) keep
    every column short.
    """
    for start in range(0, len(attendees), chunk_size):
        chunk = attendees[start : start + chunk_size]
        copy = y
        if len(attendees) > chunk_size:
            copy = b.var()
            b.row([(copy, 1.0), (y, -1.0)], 0.0, 0.0)
        for unit, var in chunk:
            b.row([(var, 1.0), (copy, -float(unit.options[key][1]))], ub=0.0)


def fallback_pool(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 6 for fallbacks: pooled students per block (and grade) fit in the fallback sessions that run."""
    index = inst.index
    locked: dict[str, int] = defaultdict(int)
    for _, block in inst.fallback_locks:
        locked[block] += 1
    pooled: dict[str, list[tuple[int, Var]]] = defaultdict(list)
    grade_of = {u.id: u.grade for u in f.units}
    for (unit, block), var in f.vars.fb.items():
        pooled[block].append((grade_of[unit], var))
    for block in index.block_ids:
        sessions = [o for o in index.fallback_offerings if (o.id, block) in f.vars.runs]
        seats = [term for o in sessions for term in f.vars.seat_terms((o.id, block), -1.0)]
        b.row(_ones([var for _, var in pooled[block]]) + seats, ub=-float(locked[block]))
        if all(o.grades is None for o in sessions):
            continue
        for grade in sorted({g for g, _ in pooled[block]}):
            open_seats = [t for o in sessions if o.open_to(grade) for t in f.vars.seat_terms((o.id, block), -1.0)]
            b.row(_ones([var for g, var in pooled[block] if g == grade]) + open_seats, ub=0.0)
    for (_, block), offering in inst.fallback_locks.items():
        if (offering, block) in f.vars.runs:
            b.row([(f.vars.runs[(offering, block)], 1.0)], 1.0, 1.0)


def staff(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 7: one session per block per staff member, at most max_sessions in the week."""
    per_block: dict[Key, list[Var]] = defaultdict(list)
    per_week: dict[str, list[Var]] = defaultdict(list)
    for (offering, block), y in f.vars.runs.items():
        for member in inst.offering(offering).staff:
            per_block[(member, block)].append(y)
            per_week[member].append(y)
    for terms in per_block.values():
        if len(terms) > 1:
            b.row(_ones(terms), ub=1.0)
    for member in inst.problem.staff:
        if member.max_sessions is not None and len(per_week[member.id]) > member.max_sessions:
            b.row(_ones(per_week[member.id]), ub=member.max_sessions)


def resources(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 8: per-session plus per-student use, plus reservations, within each resource's quantity."""
    use: dict[Key, list[Term]] = defaultdict(list)
    for (offering_id, block), y in f.vars.runs.items():
        for item in inst.offering(offering_id).resources:
            if item.per_session:
                use[(block, item.resource)].append((y, float(item.per_session)))
            if item.per_student:
                enrolled = f.vars.by_session.get((offering_id, block), [])
                use[(block, item.resource)] += [(var, float(item.per_student)) for _, var in enrolled]
    for (block, resource), terms in use.items():
        free = inst.index.resources[resource].quantity - inst.index.reserved_units.get((block, resource), 0)
        b.row(terms, ub=free)


def avoid(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 9: students who avoid each other never share a session.

    In the fallback pool a pair may both be pooled only where at least two fallback sessions run
    (``extract.seat_fallback`` then seats them in different ones): with one fallback offering in
    the block, one of them is pooled at most; with several, both pooled need two of them running
    (a solution that pooled a pair beside a single running study hall could not be seated).
    """
    fallbacks_in: dict[str, list[Var]] = defaultdict(list)
    for (offering, block), y in f.vars.runs.items():
        if inst.offering(offering).kind == "fallback":
            fallbacks_in[block].append(y)
    for first, second in sorted(tuple(sorted(p)) for p in inst.index.avoid_pairs):
        mine = {(o, blk): var for o, blk, var in f.vars.by_unit.get(first, [])}
        for o, blk, var in f.vars.by_unit.get(second, []):
            if (o, blk) in mine:
                b.row([(mine[(o, blk)], 1.0), (var, 1.0)], ub=1.0)
        for block in inst.index.block_ids:
            pooled = [var for s in (first, second) if (var := f.vars.fb.get((s, block))) is not None]
            locked = sum((s, block) in inst.fallback_locks for s in (first, second))
            if len(pooled) + locked <= 1:
                continue
            if len(fallbacks_in[block]) > 1:
                b.row(_ones(pooled) + _ones(fallbacks_in[block], -1.0), ub=-float(locked))
            else:
                b.row(_ones(pooled), ub=1.0 - locked)


def locks_and_requests(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """Rule 10: locks hold (lower bounds of their variables) and required requests are met."""
    for unit in f.units:
        attended = _attendance(f.vars, unit.id)
        for offering, count in unit.required.items():
            b.row(_ones(attended.get(offering, [])), lb=count)


# Each hard rule's home in the model, named as in ``domain.rules`` (rule 6 has a second part for the
# fallback pool). ``HARD_RULES`` runs them in this order; ``allowed_offering`` makes the placement
# variables, so it comes first.
RULE_CONSTRAINTS: dict[Rule, tuple[RuleConstraints, ...]] = {
    Rule.ALLOWED_OFFERING: (allowed_offering,),
    Rule.ONE_SESSION_PER_BLOCK: (one_session_per_block,),
    Rule.NEEDS_MET: (needs_met,),
    Rule.NOT_REPEATED: (not_repeated,),
    Rule.OFFERING_RUNS: (offering_runs,),
    Rule.SPACE: (space, fallback_pool),
    Rule.STAFF: (staff,),
    Rule.RESOURCES: (resources,),
    Rule.AVOID: (avoid,),
    Rule.LOCKS_AND_REQUESTS: (locks_and_requests,),
}
HARD_RULES: tuple[RuleConstraints, ...] = tuple(fn for fns in RULE_CONSTRAINTS.values() for fn in fns)


def _attendance(v: Variables, unit: str) -> dict[str, list[Var]]:
    out: dict[str, list[Var]] = defaultdict(list)
    for offering, _, var in v.by_unit.get(unit, []):
        out[offering].append(var)
    return out


def _objective(b: ModelBuilder, f: Formulation, inst: Instance) -> None:
    """The soft terms of ``objective``, with the students' ideals as a constant offset."""
    policy = inst.problem.policy
    v = f.vars
    for unit in f.units:
        for (offering, block), (cost, _, _) in unit.options.items():
            if cost and (unit.id, offering, block) in v.x:
                b.cost(v.x[(unit.id, offering, block)], cost)
        _fallback_terms(b, unit, v)
        attended = _attendance(v, unit.id)
        for offering, count in unit.preferred.items():
            miss = b.var(0, count)
            b.row([(miss, 1.0), *_ones(attended.get(offering, []))], lb=count)
            b.cost(miss, policy.preferred_request_missed)
        members = no_choice_members(inst, unit)
        if members:
            wanted = {offering for student in members for offering in student.choices}
            chosen = [var for o, _, var in v.by_unit.get(unit.id, []) if o in wanted]
            nc = b.var(0, len(members))
            v.no_choice[unit.id] = nc
            b.row([(nc, 1.0), *_ones(chosen)], lb=float(len(members)))
            b.cost(nc, policy.no_choice)
            if policy.first_choice_missed:
                _first_choice_term(b, unit, members, v, policy.first_choice_missed)
    b.offset = -float(sum(student_ideal(inst.index, s) for s in inst.problem.students))
    singles = {u.id for u in f.units if u.single is not None}
    for prev in inst.problem.previous:
        if prev.student not in singles:
            continue  # stability is not relaxed into groups; dropping it keeps a bound valid
        b.offset += policy.previous_changed
        var = v.x.get((prev.student, prev.offering, prev.block))
        if var is None and inst.offering(prev.offering).kind == "fallback":
            var = v.fb.get((prev.student, prev.block))
        if var is not None:
            b.cost(var, -policy.previous_changed)
    for (offering, block), fits in f.sessions.items():
        for c, _, fit in fits:
            b.cost(v.z[(offering, block, c)], fit)


def _first_choice_term(b: ModelBuilder, unit: Unit, members: list[Student], v: Variables, cost: int) -> None:
    """Members who never attend their first choice: at least the members minus the unit's
    attendances of its members' first choices. Exact for one student; a relaxation for a group
    (every member who got theirs adds at least one attendance)."""
    firsts = {student.choices[0] for student in members}
    attended = [var for o, _, var in v.by_unit.get(unit.id, []) if o in firsts]
    missed = b.var(0, len(members))
    b.row([(missed, 1.0), *_ones(attended)], lb=float(len(members)))
    b.cost(missed, cost)


def _fallback_terms(b: ModelBuilder, unit: Unit, v: Variables) -> None:
    """Convex fallback cost: pieces with increasing marginal cost, filled cheapest first."""
    pool = v.fb_by_unit.get(unit.id, [])
    if not pool:
        return
    marginals = unit.fallback_marginals
    if len(set(marginals)) == 1:
        for var in pool:
            b.cost(var, marginals[0])
        return
    pieces = [b.var(0, 1) for _ in marginals]
    b.row(_ones(pieces) + _ones(pool, -1.0), 0.0, 0.0)
    for cost, piece in zip(marginals, pieces, strict=True):
        b.cost(piece, cost)


def build_formulation(
    inst: Instance,
    units: list[Unit],
    sessions: Mapping[Key, list[tuple[int, int, int]]] | None = None,
    *,
    tuning: EngineTuning = DEFAULT_TUNING,
) -> Formulation:
    """The model over ``units`` and the given session candidates (all of them by default)."""
    sessions = inst.session_classes if sessions is None else sessions
    model = mathopt.Model(name=f"flexblock-{inst.problem.school.id}")
    builder = ModelBuilder(model)
    form = Formulation(model, Variables(), units, sessions, tuning.link_chunk)
    _session_variables(builder, sessions, form.vars)
    for rule in HARD_RULES:
        rule(builder, form, inst)
    _objective(builder, form, inst)
    builder.flush()
    return form
