"""The MIP of the whole week on MathOpt, one function per hard rule (named as in ``domain.rules``).

Variables (``Variables``): ``x[s, o, b]`` student s attends offering o in block b, only for the
triples of ``Instance.options``; ``fb[s, b]`` student s is in the fallback pool in block b;
``z[o, b, c]`` the session of o in b runs in a room of space class c (so ``y[o, b] = sum_c z``).
The same model serves three solves: all continuous (the LP bound), ``z`` integer (the session MIP),
and ``z`` fixed with ``x``/``fb`` integer (student placement). See ``engine`` for the stages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.math_opt.python import mathopt

from scheduler.domain.rules import Rule
from scheduler.solver.instance import Instance, fallback_piece_costs
from scheduler.solver.objective import student_ideal


@dataclass
class Variables:
    """Variable container keyed by the entities each variable stands for."""

    x: dict[tuple[str, str, str], mathopt.Variable] = field(default_factory=dict)
    fb: dict[tuple[str, str], mathopt.Variable] = field(default_factory=dict)
    z: dict[tuple[str, str, int], mathopt.Variable] = field(default_factory=dict)
    x_by_student: dict[str, list[tuple[str, str, mathopt.Variable]]] = field(default_factory=lambda: defaultdict(list))
    x_by_session: dict[tuple[str, str], list[tuple[str, mathopt.Variable]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    fb_by_student: dict[str, list[mathopt.Variable]] = field(default_factory=lambda: defaultdict(list))

    def y(self, inst: Instance, offering: str, block: str) -> mathopt.LinearExpression:
        """1 when the session of ``offering`` in ``block`` runs."""
        return mathopt.LinearSum(self.z[(offering, block, c)] for c, _, _ in inst.session_classes[(offering, block)])

    def seats(self, inst: Instance, offering: str, block: str) -> mathopt.LinearExpression:
        return mathopt.LinearSum(
            seats * self.z[(offering, block, c)] for c, seats, _ in inst.session_classes[(offering, block)]
        )

    def placement_vars(self) -> list[mathopt.Variable]:
        return [*self.x.values(), *self.fb.values()]


@dataclass
class Formulation:
    model: mathopt.Model
    vars: Variables
    objective_offset: float


def _create_variables(model: mathopt.Model, inst: Instance) -> Variables:
    v = Variables()
    for (offering, block), fits in inst.session_classes.items():
        for c, _, _ in fits:
            v.z[(offering, block, c)] = model.add_variable(lb=0, ub=1, name=f"z[{offering},{block},{c}]")
    for opt in inst.options:
        var = model.add_variable(lb=1 if opt.locked else 0, ub=1, name=f"x[{opt.student},{opt.offering},{opt.block}]")
        v.x[(opt.student, opt.offering, opt.block)] = var
        v.x_by_student[opt.student].append((opt.offering, opt.block, var))
        v.x_by_session[(opt.offering, opt.block)].append((opt.student, var))
    for student, block in inst.fallback_slots:
        var = model.add_variable(lb=0, ub=1, name=f"fb[{student},{block}]")
        v.fb[(student, block)] = var
        v.fb_by_student[student].append(var)
    return v


def one_session_per_block(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 1: every student is in exactly one session (or the fallback pool) in each available block."""
    per_slot: dict[tuple[str, str], list[mathopt.Variable]] = defaultdict(list)
    for (student, _, block), var in v.x.items():
        per_slot[(student, block)].append(var)
    for key, var in v.fb.items():
        per_slot[key].append(var)
    for student in inst.problem.students:
        for block in inst.index.available_blocks(student):
            if (student.id, block) in inst.fallback_locks:
                continue
            terms = per_slot.get((student.id, block), [])
            model.add_linear_constraint(
                mathopt.LinearSum(terms) == 1, name=f"{Rule.ONE_SESSION_PER_BLOCK}[{student.id},{block}]"
            )


def needs_met(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 3: each need is met exactly."""
    for student in inst.problem.students:
        attended = _attendance(v, student.id)
        for need in student.needs:
            terms = attended.get(need.offering, [])
            model.add_linear_constraint(
                mathopt.LinearSum(terms) == need.sessions, name=f"{Rule.NEEDS_MET}[{student.id},{need.offering}]"
            )


def not_repeated(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 4: a non-repeatable offering at most once per student (requests: once is all they ask)."""
    for student in inst.problem.students:
        needs = {n.offering for n in student.needs}
        choices = set(student.choices)
        for offering, terms in _attendance(v, student.id).items():
            repeatable = inst.offering(offering).is_repeatable
            request_only = offering not in needs and offering not in choices
            if len(terms) > 1 and (not repeatable or request_only):
                model.add_linear_constraint(
                    mathopt.LinearSum(terms) <= 1, name=f"{Rule.NOT_REPEATED}[{student.id},{offering}]"
                )


def offering_runs(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 5: at most one session per block, between runs.min and runs.max sessions."""
    blocks_of: dict[str, list[str]] = defaultdict(list)
    for offering, block in inst.session_classes:
        blocks_of[offering].append(block)
        model.add_linear_constraint(v.y(inst, offering, block) <= 1, name=f"{Rule.OFFERING_RUNS}[{offering},{block}]")
    for offering in inst.problem.offerings:
        if offering.kind == "fallback":
            continue
        total = mathopt.LinearSum(v.y(inst, offering.id, b) for b in blocks_of.get(offering.id, []))
        model.add_linear_constraint(
            total <= inst.index.runs_max(offering), name=f"{Rule.OFFERING_RUNS}[{offering.id}]max"
        )
        if offering.runs.min > 0:
            model.add_linear_constraint(total >= offering.runs.min, name=f"{Rule.OFFERING_RUNS}[{offering.id}]min")


def space(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 6: rooms per class and block, enrollment within seats and at least min_students."""
    per_class: dict[tuple[int, str], list[mathopt.Variable]] = defaultdict(list)
    for (_, block, c), var in v.z.items():
        per_class[(c, block)].append(var)
    for (c, block), terms in per_class.items():
        count = inst.class_counts[(c, block)]
        if len(terms) > count:
            model.add_linear_constraint(mathopt.LinearSum(terms) <= count, name=f"{Rule.SPACE}[class{c},{block}]")
    for (offering, block), attendees in v.x_by_session.items():
        enrolled = mathopt.LinearSum(var for _, var in attendees)
        min_students = inst.offering(offering).min_students
        model.add_linear_constraint(
            enrolled <= v.seats(inst, offering, block), name=f"{Rule.SPACE}[{offering},{block}]seats"
        )
        # Implied for integers but much tighter for the LP: nobody sits in a session that does not run.
        session_open = v.y(inst, offering, block)
        for _, var in attendees:
            model.add_linear_constraint(var <= session_open)
        if min_students > 1:
            model.add_linear_constraint(
                enrolled >= min_students * v.y(inst, offering, block), name=f"{Rule.SPACE}[{offering},{block}]min"
            )
    _fallback_pool_seats(model, inst, v)


def _fallback_pool_seats(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Fallback students per block (and per grade) fit in the fallback sessions that run."""
    index = inst.index
    grades = sorted({s.grade for s in inst.problem.students})
    grade_of = {s.id: s.grade for s in inst.problem.students}
    locked_per_block: dict[str, int] = defaultdict(int)
    for _, block in inst.fallback_locks:
        locked_per_block[block] += 1
    for block in index.block_ids:
        sessions = [o for o in index.fallback_offerings if (o.id, block) in inst.session_classes]
        pool = [var for (s, b), var in v.fb.items() if b == block]
        seats = mathopt.LinearSum(v.seats(inst, o.id, block) for o in sessions)
        model.add_linear_constraint(
            mathopt.LinearSum(pool) + locked_per_block[block] <= seats, name=f"{Rule.SPACE}[fallback,{block}]"
        )
        if all(o.grades is None for o in sessions):
            continue
        for grade in grades:
            open_seats = mathopt.LinearSum(v.seats(inst, o.id, block) for o in sessions if o.open_to(grade))
            members = [var for (s, b), var in v.fb.items() if b == block and grade_of[s] == grade]
            model.add_linear_constraint(
                mathopt.LinearSum(members) <= open_seats, name=f"{Rule.SPACE}[fallback,{block},g{grade}]"
            )
    for (student, block), offering in inst.fallback_locks.items():
        if (offering, block) in inst.session_classes:
            model.add_linear_constraint(
                v.y(inst, offering, block) == 1, name=f"{Rule.LOCKS_AND_REQUESTS}[{student},{block}]"
            )


def staff(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 7: one session per block per staff member, at most max_sessions in the week."""
    per_staff_block: dict[tuple[str, str], list[mathopt.LinearExpression]] = defaultdict(list)
    per_staff: dict[str, list[mathopt.LinearExpression]] = defaultdict(list)
    for offering, block in inst.session_classes:
        for member in inst.offering(offering).staff:
            per_staff_block[(member, block)].append(v.y(inst, offering, block))
            per_staff[member].append(v.y(inst, offering, block))
    for (member, block), terms in per_staff_block.items():
        if len(terms) > 1:
            model.add_linear_constraint(mathopt.LinearSum(terms) <= 1, name=f"{Rule.STAFF}[{member},{block}]")
    for member in inst.problem.staff:
        if member.max_sessions is not None and len(per_staff[member.id]) > member.max_sessions:
            model.add_linear_constraint(
                mathopt.LinearSum(per_staff[member.id]) <= member.max_sessions, name=f"{Rule.STAFF}[{member.id}]max"
            )


def resources(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 8: per-session plus per-student use, plus reservations, within each resource's quantity."""
    use: dict[tuple[str, str], list[mathopt.LinearExpression]] = defaultdict(list)
    for offering_id, block in inst.session_classes:
        offering = inst.offering(offering_id)
        for item in offering.resources:
            if item.per_session:
                use[(block, item.resource)].append(item.per_session * v.y(inst, offering_id, block))
            if item.per_student:
                enrolled = mathopt.LinearSum(var for _, var in v.x_by_session.get((offering_id, block), []))
                use[(block, item.resource)].append(item.per_student * enrolled)
    for (block, resource), terms in use.items():
        free = inst.index.resources[resource].quantity - inst.index.reserved_units.get((block, resource), 0)
        model.add_linear_constraint(mathopt.LinearSum(terms) <= free, name=f"{Rule.RESOURCES}[{resource},{block}]")


def avoid(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 9: students who avoid each other never share a session (fallback: see extract)."""
    for pair in inst.index.avoid_pairs:
        a, b = sorted(pair)
        for off_block in _common_sessions(v, a, b):
            model.add_linear_constraint(
                v.x[(a, *off_block)] + v.x[(b, *off_block)] <= 1,
                name=f"{Rule.AVOID}[{a},{b},{off_block[0]},{off_block[1]}]",
            )


def locks_and_requests(model: mathopt.Model, inst: Instance, v: Variables) -> None:
    """Rule 10: locks hold (fixed in the variables' bounds) and required requests are met."""
    for request in inst.problem.requests:
        if request.priority != "required":
            continue
        terms = _attendance(v, request.student).get(request.offering, [])
        model.add_linear_constraint(mathopt.LinearSum(terms) >= 1, name=f"{Rule.LOCKS_AND_REQUESTS}[{request.id}]")


def _attendance(v: Variables, student: str) -> dict[str, list[mathopt.Variable]]:
    out: dict[str, list[mathopt.Variable]] = defaultdict(list)
    for offering, _, var in v.x_by_student.get(student, []):
        out[offering].append(var)
    return out


def _common_sessions(v: Variables, a: str, b: str) -> list[tuple[str, str]]:
    mine = {(o, blk) for o, blk, _ in v.x_by_student.get(a, [])}
    return sorted(mine & {(o, blk) for o, blk, _ in v.x_by_student.get(b, [])})


HARD_RULES = (
    one_session_per_block,
    needs_met,
    not_repeated,
    offering_runs,
    space,
    staff,
    resources,
    avoid,
    locks_and_requests,
)


def _objective(model: mathopt.Model, inst: Instance, v: Variables) -> float:
    """Add the soft terms (see ``objective``); returns the constant offset."""
    policy = inst.problem.policy
    terms: list[mathopt.LinearExpression] = []
    costs = {(o.student, o.offering, o.block): o.cost for o in inst.options}
    terms += [cost * v.x[key] for key, cost in costs.items() if cost]
    for student, fbs in v.fb_by_student.items():
        pieces = [model.add_variable(lb=0, ub=1, name=f"fbk[{student},{k}]") for k in range(len(fbs))]
        model.add_linear_constraint(mathopt.LinearSum(pieces) == mathopt.LinearSum(fbs))
        terms += [c * p for c, p in zip(fallback_piece_costs(inst.problem, len(fbs)), pieces, strict=True)]
    for student_id in inst.no_choice_students:
        chosen = [var for o, _, var in v.x_by_student.get(student_id, []) if _is_choice(inst, student_id, o)]
        nc = model.add_variable(lb=0, ub=1, name=f"nochoice[{student_id}]")
        model.add_linear_constraint(nc + mathopt.LinearSum(chosen) >= 1)
        terms.append(policy.no_choice * nc)
    for request in inst.problem.requests:
        if request.priority == "preferred":
            miss = model.add_variable(lb=0, ub=1, name=f"miss[{request.id}]")
            attended = _attendance(v, request.student).get(request.offering, [])
            model.add_linear_constraint(miss + mathopt.LinearSum(attended) >= 1)
            terms.append(policy.preferred_request_missed * miss)
    offset = 0.0
    for prev in inst.problem.previous:
        offset += policy.previous_changed
        var = v.x.get((prev.student, prev.offering, prev.block))
        if var is None and inst.offering(prev.offering).kind == "fallback":
            var = v.fb.get((prev.student, prev.block))
        if var is not None:
            terms.append(-policy.previous_changed * var)
    for (offering, block), fits in inst.session_classes.items():
        terms += [fit * v.z[(offering, block, c)] for c, _, fit in fits if fit]
    offset -= sum(student_ideal(inst.index, s) for s in inst.problem.students)
    model.minimize(mathopt.LinearSum(terms) + offset)
    return offset


def _is_choice(inst: Instance, student_id: str, offering: str) -> bool:
    return offering in inst.index.students[student_id].choices


def build_formulation(inst: Instance) -> Formulation:
    model = mathopt.Model(name=f"flexblock-{inst.problem.school.id}")
    v = _create_variables(model, inst)
    for rule in HARD_RULES:
        rule(model, inst, v)
    offset = _objective(model, inst, v)
    return Formulation(model, v, offset)
