"""The plan checker: does a plan keep every hard rule of the spec? Independent of any solver.

It reads only the problem and the plan's sessions and assignments, so it can judge the engine, the
first-come-first-served baseline, a hand-edited plan or an imported one alike. Every violation is
reported (not only the first), under the ``Rule`` it breaks and naming the entities involved.

Facts used for the rules:

* Who is where comes from each session's ``students``; the ``assignments`` must tell the same story
  (any disagreement is reported under rule 1, as the student's place in the block is then unclear).
* A session with no students does not run: it needs no space, staff or resources and does not count
  towards ``runs``; only its bookkeeping (known offering and block, staff, resources) is checked.
* Bookkeeping faults have no rule number of their own in the spec; each is reported under the rule it
  bears on: unknown students or sessions and assignment mismatches under rule 1, an assignment reason
  that does not hold (``"choice 2"`` for a student's third choice) under rule 2, an unknown offering or
  block and duplicate session ids under rule 5, an unknown or missing space under rule 6, session staff
  other than the offering's under rule 7, session resources other than per_session + per_student x
  enrollment under rule 8.
* Resource use (rule 8) is recomputed from the offering, so a session that under-declares its
  resources is caught twice: once for the wrong figure, once if the true use exceeds the quantity.
* A plan with status "infeasible" must list no sessions and no assignments; nothing else is checked.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Plan, Session
from scheduler.domain.problem import Offering, Problem, Student
from scheduler.domain.rules import Rule

_CHOICE_REASON = re.compile(r"^choice ([1-9][0-9]*)$")


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, in a school scheduler's words, with the entities it is about."""

    rule: Rule
    message: str
    entities: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


def student_ref(student: str) -> str:
    return f"students/{student}"


def offering_ref(offering: str) -> str:
    return f"offerings/{offering}"


def staff_ref(staff: str) -> str:
    return f"staff/{staff}"


def space_ref(space: str) -> str:
    return f"spaces/{space}"


def resource_ref(resource: str) -> str:
    return f"resources/{resource}"


def block_ref(block: str) -> str:
    return f"blocks/{block}"


def _session_refs(session: Session) -> list[str]:
    return [offering_ref(session.offering), block_ref(session.block)]


def _nonzero(amounts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in amounts.items() if v != 0}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class PlanView:
    """The plan read against the problem: who is where, which sessions run, with effective defaults."""

    def __init__(self, problem: Problem, plan: Plan) -> None:
        self.index = ProblemIndex(problem)
        self.plan = plan

    @cached_property
    def known_sessions(self) -> list[Session]:
        """Sessions whose offering and block exist (the others cannot be judged against the rules)."""
        return [s for s in self.plan.sessions if s.offering in self.index.offerings and s.block in self.index.blocks]

    @cached_property
    def running(self) -> list[Session]:
        return [s for s in self.known_sessions if s.students]

    @cached_property
    def placements(self) -> dict[str, list[Session]]:
        """student -> running sessions they are listed in (known students only)."""
        out: dict[str, list[Session]] = defaultdict(list)
        for session in self.running:
            for student in dict.fromkeys(session.students):
                if student in self.index.students:
                    out[student].append(session)
        return out

    def sessions_of(self, student: str, block: str) -> list[Session]:
        return [s for s in self.placements.get(student, []) if s.block == block]

    def attended(self, student: str) -> Counter[str]:
        """offering -> number of sessions of it the student attends."""
        return Counter(s.offering for s in self.placements.get(student, []))

    def offering(self, session: Session) -> Offering:
        return self.index.offerings[session.offering]


Check = Callable[[PlanView], Iterator[Violation]]


# ---- rule 1 ------------------------------------------------------------------------------------
def check_one_session_per_block(view: PlanView) -> Iterator[Violation]:
    """Rule 1: every student is in exactly one session in each available block, none when unavailable."""
    for student in view.index.problem.students:
        away = set(student.unavailable)
        for block in view.index.block_ids:
            sessions = view.sessions_of(student.id, block)
            refs = [student_ref(student.id), block_ref(block), *(offering_ref(s.offering) for s in sessions)]
            names = " and ".join(s.id for s in sessions)
            if block in away and sessions:
                yield Violation(
                    Rule.ONE_SESSION_PER_BLOCK,
                    f"{student.id} is unavailable in block {block} but is placed in {names}",
                    refs,
                )
            elif block not in away and not sessions:
                yield Violation(Rule.ONE_SESSION_PER_BLOCK, f"{student.id} has no session in block {block}", refs)
            elif len(sessions) > 1:
                yield Violation(
                    Rule.ONE_SESSION_PER_BLOCK,
                    f"{student.id} is in {names}, {len(sessions)} sessions in block {block}",
                    refs,
                )


def check_session_rosters(view: PlanView) -> Iterator[Violation]:
    """Rule 1 bookkeeping: session rosters name known students, each once."""
    for session in view.plan.sessions:
        for student, count in Counter(session.students).items():
            refs = [student_ref(student), *_session_refs(session)]
            if student not in view.index.students:
                yield Violation(Rule.ONE_SESSION_PER_BLOCK, f"{session.id} lists unknown student {student}", refs)
            elif count > 1:
                yield Violation(Rule.ONE_SESSION_PER_BLOCK, f"{session.id} lists {student} {count} times", refs)


def check_assignments_agree(view: PlanView) -> Iterator[Violation]:
    """Rule 1 bookkeeping: the assignments and the session rosters describe the same placements."""
    by_id = {s.id: s for s in view.plan.sessions}
    assigned: set[tuple[str, str]] = set()
    for a in view.plan.assignments:
        refs = [student_ref(a.student), block_ref(a.block)]
        session = by_id.get(a.session)
        assigned.add((a.student, a.session))
        if a.student not in view.index.students:
            yield Violation(Rule.ONE_SESSION_PER_BLOCK, f"an assignment names unknown student {a.student}", refs)
        elif session is None:
            yield Violation(
                Rule.ONE_SESSION_PER_BLOCK,
                f"{a.student} is assigned to {a.session} in block {a.block}, but the plan has no such session",
                refs,
            )
        elif session.block != a.block:
            yield Violation(
                Rule.ONE_SESSION_PER_BLOCK,
                f"{a.student} is assigned to {a.session} for block {a.block}, "
                f"but that session meets in {session.block}",
                [*refs, *_session_refs(session)],
            )
        elif a.student not in session.students:
            yield Violation(
                Rule.ONE_SESSION_PER_BLOCK,
                f"{a.student} is assigned to {a.session}, but its roster does not list them",
                [*refs, offering_ref(session.offering)],
            )
    for session in view.plan.sessions:
        for student in dict.fromkeys(session.students):
            if student in view.index.students and (student, session.id) not in assigned:
                yield Violation(
                    Rule.ONE_SESSION_PER_BLOCK,
                    f"{session.id} lists {student}, but no assignment places them there",
                    [student_ref(student), *_session_refs(session)],
                )


def check_one_assignment_per_block(view: PlanView) -> Iterator[Violation]:
    """Rule 1 bookkeeping: a student has at most one assignment per block."""
    counts = Counter((a.student, a.block) for a in view.plan.assignments)
    for (student, block), count in counts.items():
        if count > 1:
            yield Violation(
                Rule.ONE_SESSION_PER_BLOCK,
                f"{student} has {count} assignments in block {block}",
                [student_ref(student), block_ref(block)],
            )


# ---- rule 2 ------------------------------------------------------------------------------------
def _allowed_offerings(view: PlanView, student: Student) -> set[str]:
    allowed = set(student.choices) | {n.offering for n in student.needs}
    allowed |= {r.offering for r in view.index.requests_by_student.get(student.id, [])}
    allowed |= set(view.index.locks.get(student.id, {}).values())
    allowed |= {o.id for o in view.index.fallback_offerings}
    return allowed


def check_allowed_offering(view: PlanView) -> Iterator[Violation]:
    """Rule 2: only chosen, needed, requested, fallback or locked offerings, and never outside grades.

    A lock allows its offering in any block; whether the lock itself holds is rule 10.
    """
    for student_id, sessions in view.placements.items():
        student = view.index.students[student_id]
        allowed = _allowed_offerings(view, student)
        for session in sessions:
            refs = [student_ref(student_id), *_session_refs(session)]
            if session.offering not in allowed:
                yield Violation(
                    Rule.ALLOWED_OFFERING,
                    f"{student_id} is placed in {session.id}, but {session.offering} is not one of their choices, "
                    "needs, requests or locks, nor a fallback",
                    refs,
                )
            if not view.offering(session).open_to(student.grade):
                yield Violation(
                    Rule.ALLOWED_OFFERING,
                    f"{student_id} (grade {student.grade}) is placed in {session.id}, "
                    f"but {session.offering} is not open to grade {student.grade}",
                    refs,
                )


def _reason_holds(view: PlanView, student: Student, session: Session, reason: str) -> bool:
    offering = view.offering(session)
    match = _CHOICE_REASON.match(reason)
    if match:
        rank = int(match.group(1))
        return rank <= len(student.choices) and student.choices[rank - 1] == session.offering
    if reason == "need":
        return any(n.offering == session.offering for n in student.needs)
    if reason == "request":
        return any(r.offering == session.offering for r in view.index.requests_by_student.get(student.id, []))
    if reason == "lock":
        return view.index.locks.get(student.id, {}).get(session.block) == session.offering
    return reason == "fallback" and offering.kind == "fallback"


def check_assignment_reasons(view: PlanView) -> Iterator[Violation]:
    """Rule 2 bookkeeping: the reason shown to a student is true ("choice 2" is their second choice)."""
    by_id = {s.id: s for s in view.known_sessions}
    for a in view.plan.assignments:
        session = by_id.get(a.session)
        student = view.index.students.get(a.student)
        if session is None or student is None or _reason_holds(view, student, session, a.reason):
            continue
        yield Violation(
            Rule.ALLOWED_OFFERING,
            f"{a.student} is told they are in {a.session} because of {a.reason!r}, which is not true",
            [student_ref(a.student), *_session_refs(session)],
        )


# ---- rule 3 ------------------------------------------------------------------------------------
def check_needs_met(view: PlanView) -> Iterator[Violation]:
    """Rule 3: each need is met exactly: the student attends the offering `sessions` times."""
    for student in view.index.problem.students:
        attended = view.attended(student.id)
        for need in student.needs:
            got = attended[need.offering]
            if got != need.sessions:
                yield Violation(
                    Rule.NEEDS_MET,
                    f"{student.id} needs {_plural(need.sessions, 'session')} of {need.offering} but is placed in {got}",
                    [student_ref(student.id), offering_ref(need.offering)],
                )


# ---- rule 4 ------------------------------------------------------------------------------------
def check_not_repeated(view: PlanView) -> Iterator[Violation]:
    """Rule 4: a non-repeatable offering is attended at most once per student."""
    for student_id in view.placements:
        for offering_id, count in view.attended(student_id).items():
            if count > 1 and not view.index.offerings[offering_id].is_repeatable:
                blocks = ", ".join(s.block for s in view.placements[student_id] if s.offering == offering_id)
                yield Violation(
                    Rule.NOT_REPEATED,
                    f"{student_id} attends {offering_id} {count} times ({blocks}), but it is not repeatable",
                    [student_ref(student_id), offering_ref(offering_id)],
                )


# ---- rule 5 ------------------------------------------------------------------------------------
def check_session_identity(view: PlanView) -> Iterator[Violation]:
    """Rule 5 bookkeeping: sessions name a known offering and block, and session ids are unique."""
    for session in view.plan.sessions:
        if session.offering not in view.index.offerings:
            yield Violation(
                Rule.OFFERING_RUNS,
                f"session {session.id} is of unknown offering {session.offering}",
                [offering_ref(session.offering)],
            )
        if session.block not in view.index.blocks:
            yield Violation(
                Rule.OFFERING_RUNS,
                f"session {session.id} meets in unknown block {session.block}",
                _session_refs(session),
            )
    for session_id, count in Counter(s.id for s in view.plan.sessions).items():
        if count > 1:
            yield Violation(Rule.OFFERING_RUNS, f"session id {session_id} is used {count} times", [])


def check_offering_runs(view: PlanView) -> Iterator[Violation]:
    """Rule 5: at most one session per offering and block, only in allowed blocks, runs.min..runs.max."""
    per_block = Counter((s.offering, s.block) for s in view.running)
    for (offering_id, block), count in per_block.items():
        if count > 1:
            yield Violation(
                Rule.OFFERING_RUNS,
                f"{offering_id} has {count} sessions in block {block}; an offering runs at most once per block",
                [offering_ref(offering_id), block_ref(block)],
            )
    for session in view.running:
        if session.block not in view.index.allowed_blocks(view.offering(session)):
            yield Violation(
                Rule.OFFERING_RUNS,
                f"{session.offering} runs in block {session.block}, which is not one of its allowed blocks",
                _session_refs(session),
            )
    runs = Counter(s.offering for s in view.running)
    for offering in view.index.problem.offerings:
        count, low, high = runs[offering.id], offering.runs.min, view.index.runs_max(offering)
        if not low <= count <= high:
            yield Violation(
                Rule.OFFERING_RUNS,
                f"{offering.id} runs {_plural(count, 'time')}, but must run between {low} and {high} times",
                [offering_ref(offering.id)],
            )


# ---- rule 6 ------------------------------------------------------------------------------------
def _space_faults(view: PlanView, session: Session) -> Iterator[str]:
    offering = view.offering(session)
    space = view.index.spaces[session.space] if session.space else None
    if space is None:
        return
    if offering.space is not None and offering.space != space.id:
        yield f"{session.id} is in {space.id}, but {offering.id} must meet in {offering.space}"
    missing = sorted(set(offering.needs_features) - set(space.features))
    if missing:
        yield f"{session.id} is in {space.id}, which lacks {', '.join(missing)}"
    if session.block in space.unavailable:
        yield f"{session.id} is in {space.id}, which is unavailable in block {session.block}"
    if space.id in view.index.reserved_spaces[session.block]:
        yield f"{session.id} is in {space.id}, which is reserved in block {session.block}"


def _enrollment_faults(view: PlanView, session: Session) -> Iterator[str]:
    offering = view.offering(session)
    enrolled = len(set(session.students))
    space = view.index.spaces.get(session.space or "")
    limit = offering.capacity if space is None else view.index.seat_limit(offering, space)
    if enrolled > limit:
        yield f"{session.id} has {enrolled} students, above its limit of {limit}"
    if enrolled < offering.min_students:
        minimum = offering.min_students
        yield f"{session.id} has {_plural(enrolled, 'student')}, below {offering.id}'s minimum of {minimum}"


def check_space(view: PlanView) -> Iterator[Violation]:
    """Rule 6: a running session has one fitting, available, unshared space, and enrollment within limits."""
    for session in view.running:
        refs = _session_refs(session) + ([space_ref(session.space)] if session.space else [])
        if session.space is None:
            yield Violation(Rule.SPACE, f"{session.id} runs without a space", refs)
        elif session.space not in view.index.spaces:
            yield Violation(Rule.SPACE, f"{session.id} is in unknown space {session.space}", refs)
        for message in [*_space_faults(view, session), *_enrollment_faults(view, session)]:
            yield Violation(Rule.SPACE, message, refs)
    yield from _shared_spaces(view)


def _shared_spaces(view: PlanView) -> Iterator[Violation]:
    """Rule 6: a space hosts at most one session per block."""
    hosted: dict[tuple[str, str], list[Session]] = defaultdict(list)
    for session in view.running:
        if session.space is not None:
            hosted[(session.space, session.block)].append(session)
    for (space, block), sessions in hosted.items():
        if len(sessions) > 1:
            names = " and ".join(s.id for s in sessions)
            yield Violation(
                Rule.SPACE,
                f"{space} hosts {names}, {len(sessions)} sessions in block {block}",
                [space_ref(space), block_ref(block), *(offering_ref(s.offering) for s in sessions)],
            )


# ---- rule 7 ------------------------------------------------------------------------------------
def check_session_staff(view: PlanView) -> Iterator[Violation]:
    """Rule 7: a session's staff are exactly its offering's staff."""
    for session in view.known_sessions:
        expected = view.offering(session).staff
        if sorted(session.staff) != sorted(expected):
            yield Violation(
                Rule.STAFF,
                f"{session.id} is led by {', '.join(session.staff) or 'nobody'}, "
                f"but {session.offering} is led by {', '.join(expected)}",
                [*_session_refs(session), *(staff_ref(t) for t in {*session.staff, *expected})],
            )


def check_staff(view: PlanView) -> Iterator[Violation]:
    """Rule 7: one session per block per staff member, none when unavailable or reserved, max_sessions."""
    leads: dict[str, list[Session]] = defaultdict(list)
    for session in view.running:
        for staff_id in dict.fromkeys(session.staff):
            leads[staff_id].append(session)
    for staff_id, sessions in leads.items():
        yield from _staff_member_faults(view, staff_id, sessions)


def _staff_member_faults(view: PlanView, staff_id: str, sessions: list[Session]) -> Iterator[Violation]:
    member = view.index.staff.get(staff_id)
    if member is None:
        yield Violation(Rule.STAFF, f"unknown staff member {staff_id} leads {sessions[0].id}", [staff_ref(staff_id)])
        return
    for session in sessions:
        refs = [staff_ref(staff_id), *_session_refs(session)]
        if session.block in member.unavailable:
            yield Violation(
                Rule.STAFF, f"{staff_id} leads {session.id} but is unavailable in block {session.block}", refs
            )
        elif not view.index.staff_free(staff_id, session.block):
            yield Violation(
                Rule.STAFF, f"{staff_id} leads {session.id} but holds a reservation in block {session.block}", refs
            )
    yield from _staff_double_booked(staff_id, sessions)
    if member.max_sessions is not None and len(sessions) > member.max_sessions:
        yield Violation(
            Rule.STAFF,
            f"{staff_id} leads {len(sessions)} sessions this week, above their maximum of {member.max_sessions}",
            [staff_ref(staff_id)],
        )


def _staff_double_booked(staff_id: str, sessions: list[Session]) -> Iterator[Violation]:
    """Rule 7: a staff member leads at most one session per block."""
    by_block: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        by_block[session.block].append(session)
    for block, same in by_block.items():
        if len(same) > 1:
            yield Violation(
                Rule.STAFF,
                f"{staff_id} leads {' and '.join(s.id for s in same)}, {len(same)} sessions in block {block}",
                [staff_ref(staff_id), block_ref(block), *(offering_ref(s.offering) for s in same)],
            )


# ---- rule 8 ------------------------------------------------------------------------------------
def _expected_resources(view: PlanView, session: Session) -> dict[str, int]:
    if not session.students:
        return {}
    return _nonzero(view.index.resource_use(view.offering(session), len(set(session.students))))


def check_session_resources(view: PlanView) -> Iterator[Violation]:
    """Rule 8 bookkeeping: a session's resources are per_session + per_student x enrollment, nothing else."""
    for session in view.known_sessions:
        expected, declared = _expected_resources(view, session), _nonzero(session.resources)
        if declared != expected:
            shown = ", ".join(f"{k} {v}" for k, v in sorted(expected.items())) or "nothing"
            listed = ", ".join(f"{k} {v}" for k, v in sorted(declared.items())) or "nothing"
            yield Violation(
                Rule.RESOURCES,
                f"{session.id} lists {listed} but uses {shown}",
                [*_session_refs(session), *(resource_ref(r) for r in sorted({*expected, *declared}))],
            )


def check_resources(view: PlanView) -> Iterator[Violation]:
    """Rule 8: in each block, session use plus reserved units never exceeds a resource's quantity."""
    use: dict[tuple[str, str], int] = defaultdict(int)
    for (block, resource), units in view.index.reserved_units.items():
        use[(block, resource)] += units
    for session in view.running:
        for resource, units in _expected_resources(view, session).items():
            use[(session.block, resource)] += units
    for (block, resource), units in sorted(use.items()):
        known = view.index.resources.get(resource)
        if known is not None and units > known.quantity:
            reserved = view.index.reserved_units.get((block, resource), 0)
            yield Violation(
                Rule.RESOURCES,
                f"block {block} uses {units} {resource} ({reserved} of them reserved), "
                f"but the school has {known.quantity}",
                [resource_ref(resource), block_ref(block)],
            )


# ---- rule 9 ------------------------------------------------------------------------------------
def check_avoid(view: PlanView) -> Iterator[Violation]:
    """Rule 9: two students who avoid each other never share a session."""
    for pair in sorted(view.index.avoid_pairs, key=sorted):
        first, second = sorted(pair)
        shared = {s.id: s for s in view.placements.get(first, [])}
        for session in view.placements.get(second, []):
            if session.id in shared:
                yield Violation(
                    Rule.AVOID,
                    f"{first} and {second} must be kept apart but are both in {session.id}",
                    [student_ref(first), student_ref(second), *_session_refs(session)],
                )


# ---- rule 10 -----------------------------------------------------------------------------------
def check_locks(view: PlanView) -> Iterator[Violation]:
    """Rule 10: every lock holds: the student is in the locked offering in the locked block."""
    for lock in view.index.problem.locks:
        placed = [s.offering for s in view.sessions_of(lock.student, lock.block)]
        if lock.offering not in placed:
            where = f"is in {', '.join(placed)}" if placed else "has no session"
            yield Violation(
                Rule.LOCKS_AND_REQUESTS,
                f"{lock.student} is locked into {lock.offering} in block {lock.block} but {where} there",
                [student_ref(lock.student), offering_ref(lock.offering), block_ref(lock.block)],
            )


def check_required_requests(view: PlanView) -> Iterator[Violation]:
    """Rule 10: every required request is met, and names an offering the requesting staff member leads."""
    for request in view.index.problem.requests:
        refs = [student_ref(request.student), offering_ref(request.offering), staff_ref(request.staff)]
        offering = view.index.offerings.get(request.offering)
        if offering is not None and request.staff not in offering.staff:
            yield Violation(
                Rule.LOCKS_AND_REQUESTS,
                f"request {request.id} by {request.staff} names {request.offering}, "
                f"which {request.staff} does not lead",
                refs,
            )
        if request.priority == "required" and view.attended(request.student)[request.offering] == 0:
            yield Violation(
                Rule.LOCKS_AND_REQUESTS,
                f"{request.staff} requires {request.student} in {request.offering} (request {request.id}), "
                "but the plan never places them there",
                refs,
            )


# Every check, filed under the rule it reports (each function yields violations of that rule only).
CHECKS_BY_RULE: dict[Rule, tuple[Check, ...]] = {
    Rule.ONE_SESSION_PER_BLOCK: (
        check_session_rosters,
        check_assignments_agree,
        check_one_assignment_per_block,
        check_one_session_per_block,
    ),
    Rule.ALLOWED_OFFERING: (check_allowed_offering, check_assignment_reasons),
    Rule.NEEDS_MET: (check_needs_met,),
    Rule.NOT_REPEATED: (check_not_repeated,),
    Rule.OFFERING_RUNS: (check_session_identity, check_offering_runs),
    Rule.SPACE: (check_space,),
    Rule.STAFF: (check_session_staff, check_staff),
    Rule.RESOURCES: (check_session_resources, check_resources),
    Rule.AVOID: (check_avoid,),
    Rule.LOCKS_AND_REQUESTS: (check_locks, check_required_requests),
}
CHECKS: tuple[Check, ...] = tuple(check for rule in Rule for check in CHECKS_BY_RULE[rule])


def check_infeasible_is_empty(plan: Plan) -> list[Violation]:
    """An infeasible plan places nobody: it lists no sessions and no assignments."""
    if not plan.sessions and not plan.assignments:
        return []
    return [
        Violation(
            Rule.ONE_SESSION_PER_BLOCK,
            f"the plan says the school is infeasible but lists {_plural(len(plan.sessions), 'session')} "
            f"and {_plural(len(plan.assignments), 'assignment')}",
            [],
        )
    ]


def check_plan(problem: Problem, plan: Plan) -> list[Violation]:
    """Every hard-rule violation of ``plan`` for ``problem``, in rule order; empty when the plan is valid."""
    if plan.status == "infeasible":
        return check_infeasible_is_empty(plan)
    view = PlanView(problem, plan)
    return [violation for check in CHECKS for violation in check(view)]


def format_violations(violations: list[Violation]) -> str:
    """A printable report: one line per violation, grouped under each broken rule in rule order."""
    if not violations:
        return "The plan keeps every hard rule."
    by_rule: dict[Rule, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_rule[violation.rule].append(violation)
    lines = [f"{_plural(len(violations), 'violation')} of the hard rules:"]
    for number, rule in enumerate(Rule, start=1):
        for violation in by_rule.get(rule, []):
            lines.append(f"  {number}. {rule}: {violation.message}")
    return "\n".join(lines)
