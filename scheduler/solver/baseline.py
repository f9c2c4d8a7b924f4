"""The first-come-first-served plan a sign-up tool gives a school today: the yardstick for quality claims.

What schools do now, step by step, with no optimization:

1. Study halls (fallbacks) are put in every block, then locked sessions.
2. Each interventionist gives each group just enough sessions (the largest need, and seats for all
   need sessions), in blocks its members can come to, and seats the students; teacher pulls
   (requests, required first) come next, opening a session when none fits the student. When
   planning one interventionist at a time leaves a member short of their sessions, the MTSS team
   plans every group at once instead (``intervention_week``, a small CP-SAT model), as a school
   would by hand: interventions are scheduled before sign-up opens.
3. Choice offerings get sessions round-robin in order of demand (ceil(demand / seats) each, within
   runs.max), each new one in the block with the fewest choice seats per student so far. Every
   session gets the smallest adequate free room (rooms without features it does not need first);
   staff are never double-booked or over their weekly limit; per-session equipment stays within stock.
4. Students sign up in a random order (the seed); each takes, block by block, their best-ranked
   session that still has a seat, that they have not attended yet, that no avoided classmate is in and
   whose per-student equipment is still on the shelf. Everyone left over goes to the roomiest study
   hall they may join.
5. Offerings that must run (``runs.min``) keep their fullest sessions, topped up to ``min_students``
   from students who listed them, wherever they sit. Other sessions below ``min_students`` are
   topped up from students who ranked them above where they sit, and cancelled otherwise; their
   students re-pick in that block or go to a study hall.

Apart from that intervention week it calls no solver. Hard rules that this greedy cannot keep (a
very tight school) are listed in the plan's ``engine.shortfalls`` and the status is then "unknown"
instead of "feasible".
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from scheduler.domain.index import ProblemIndex
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Offering, Problem, Space, Student
from scheduler.solver.objective import free_slot_count
from scheduler.solver.plan_writer import build_plan

# Weight of one need session a group member could not get, against one session they merely cannot come to.
_MISSED_NEED = 1000
# Most partial week plans tried per interventionist before settling for the best found.
_GROUP_SEARCH_BUDGET = 20_000


@dataclass
class _Session:
    offering: Offering
    block: str
    space: str
    seats: int
    students: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.offering.id, self.block)

    @property
    def seats_left(self) -> int:
        return self.seats - len(self.students)


def _space_order(offering: Offering, space: Space) -> tuple:
    """Smallest adequate room first, and rooms without features the session does not need before others."""
    adequate = space.capacity >= offering.capacity
    extra = len(set(space.features) - set(offering.needs_features))
    return (not adequate, extra, space.capacity if adequate else -space.capacity, space.id)


class _Timetable:
    """The published timetable: sessions with their room, staff time and per-session equipment."""

    def __init__(self, index: ProblemIndex) -> None:
        self.index = index
        self.sessions: dict[tuple[str, str], _Session] = {}
        self.staff_busy: set[tuple[str, str]] = set()
        self.staff_load: Counter[str] = Counter()
        self.space_busy: set[tuple[str, str]] = set()
        self.runs: Counter[str] = Counter()
        self.used: Counter[tuple[str, str]] = Counter(index.reserved_units)  # (block, resource) -> units
        self.choice_seats: Counter[str] = Counter()  # block -> seats of choice sessions published
        self._fitting: dict[str, list[Space]] = {}

    def get(self, offering_id: str, block: str) -> _Session | None:
        session = self.sessions.get((offering_id, block))
        return None if session is None or session.closed else session

    def _staff_ok(self, offering: Offering, block: str) -> bool:
        for member in offering.staff:
            limit = self.index.staff[member].max_sessions
            if (member, block) in self.staff_busy or (limit is not None and self.staff_load[member] >= limit):
                return False
        return True

    def equipment_ok(self, offering: Offering, block: str, enrolled: int = 0) -> bool:
        """Would a session with ``enrolled`` students fit in what is left of every resource?"""
        return all(
            self.used[(block, use.resource)] + use.per_session + use.per_student * enrolled
            <= self.index.resources[use.resource].quantity
            for use in offering.resources
        )

    def fitting_spaces(self, offering: Offering) -> list[Space]:
        """Spaces with the offering's features (and its fixed space), best first; cached per offering."""
        if offering.id not in self._fitting:
            fits = [s for s in self.index.problem.spaces if self.index.space_fits(offering, s)]
            self._fitting[offering.id] = sorted(fits, key=lambda s: _space_order(offering, s))
        return self._fitting[offering.id]

    def free_spaces(self, offering: Offering, block: str) -> list[Space]:
        """The fitting spaces open in the block, not reserved and not taken, best first."""
        reserved = self.index.reserved_spaces[block]
        return [
            space
            for space in self.fitting_spaces(offering)
            if block not in space.unavailable and space.id not in reserved and (space.id, block) not in self.space_busy
        ]

    def _free_space(self, offering: Offering, block: str) -> Space | None:
        """The best fitting space that is open in the block, not reserved and not taken."""
        return next(iter(self.free_spaces(offering, block)), None)

    def can_open(self, offering: Offering, block: str) -> Space | None:
        """The room the session would get, or None when the rules leave no way to run it there."""
        if (offering.id, block) in self.sessions or not self.index.can_run(offering, block):
            return None
        if self.runs[offering.id] >= self.index.runs_max(offering):
            return None
        if not (self._staff_ok(offering, block) and self.equipment_ok(offering, block)):
            return None
        return self._free_space(offering, block)

    def open(self, offering: Offering, block: str, space: Space | None = None) -> _Session | None:
        """Open the session in ``space`` (one the caller checked is free), or in the best free room."""
        space = space or self.can_open(offering, block)
        if space is None:
            return None
        session = _Session(offering, block, space.id, self.index.seat_limit(offering, space))
        self.sessions[session.key] = session
        self.space_busy.add((space.id, block))
        self.runs[offering.id] += 1
        for member in offering.staff:
            self.staff_busy.add((member, block))
            self.staff_load[member] += 1
        for use in offering.resources:
            self.used[(block, use.resource)] += use.per_session
        if offering.kind == "choice":
            self.choice_seats[block] += session.seats
        return session


class _Baseline:
    """Sign-up state: the timetable plus who sits where; every step checks the hard rules it touches."""

    def __init__(self, index: ProblemIndex, seed: int) -> None:
        self.index = index
        self.table = _Timetable(index)
        self.placed: dict[str, dict[str, str]] = defaultdict(dict)  # student -> block -> offering
        self.attended: dict[str, Counter[str]] = defaultdict(Counter)
        self.pinned: set[tuple[str, str]] = set()  # placed by lock, need or request: not moved by sign-up
        self.hard: set[tuple[str, str]] = set()  # lock, need or required request: session cannot be cancelled
        self.shortfalls: list[str] = []
        self.needs_short = False  # a member could not get their needed sessions
        self.required: set[tuple[str, str]] = set()  # sessions kept for runs.min: never cancelled
        self.seed = seed
        self.order = [s.id for s in index.problem.students]
        random.Random(seed).shuffle(self.order)
        self.turn = {student: i for i, student in enumerate(self.order)}  # sign-up position
        self.choosers: dict[str, list[str]] = defaultdict(list)  # offering -> students ranking it, in turn
        for student_id in self.order:
            for choice in index.students[student_id].choices:
                self.choosers[choice].append(student_id)
        self.avoids: dict[str, set[str]] = defaultdict(set)  # either side listing the other is enough
        for pair in index.avoid_pairs:
            for student in pair:
                self.avoids[student] |= pair - {student}

    # ---- seats ---------------------------------------------------------------------------
    def free_blocks(self, student: Student) -> list[str]:
        return [b for b in self.index.available_blocks(student) if b not in self.placed[student.id]]

    def can_join(self, student: Student, offering_id: str, block: str) -> bool:
        """Seat free, grade open, not a repeat, no avoided classmate, per-student equipment left."""
        session = self.table.get(offering_id, block)
        if session is None or session.seats_left <= 0 or block in student.unavailable:
            return False
        offering = session.offering
        if not offering.open_to(student.grade) or block in self.placed[student.id]:
            return False
        if not offering.is_repeatable and self.attended[student.id][offering_id] > 0:
            return False
        if any(other in session.students for other in self.avoids[student.id]):
            return False
        return all(
            self.table.used[(block, use.resource)] + use.per_student <= self.index.resources[use.resource].quantity
            for use in offering.resources
        )

    def join(self, student: Student, offering_id: str, block: str) -> None:
        session = self.table.sessions[(offering_id, block)]
        session.students.append(student.id)
        self.placed[student.id][block] = offering_id
        self.attended[student.id][offering_id] += 1
        for use in session.offering.resources:
            self.table.used[(block, use.resource)] += use.per_student

    def leave(self, student: Student, block: str) -> None:
        offering_id = self.placed[student.id].pop(block)
        session = self.table.sessions[(offering_id, block)]
        session.students.remove(student.id)
        self.attended[student.id][offering_id] -= 1
        for use in session.offering.resources:
            self.table.used[(block, use.resource)] -= use.per_student

    def roomiest_block(self, student: Student, offering_id: str) -> str | None:
        """The student's free block whose session of the offering has the most seats left."""
        blocks = [b for b in self.free_blocks(student) if self.can_join(student, offering_id, b)]
        return max(blocks, key=lambda b: self.table.sessions[(offering_id, b)].seats_left, default=None)

    def open_for(self, student: Student, offering: Offering) -> str | None:
        """Open a session of the offering in the student's first free block that allows it."""
        for block in self.free_blocks(student):
            if self.table.can_open(offering, block) is None or not self.table.equipment_ok(offering, block, 1):
                continue
            self.table.open(offering, block)
            if self.can_join(student, offering.id, block):
                return block
        return None

    def place_fixed(self, student: Student, offering: Offering, *, hard: bool) -> bool:
        """Place the student once more in the offering (existing session first, else a new one)."""
        block = self.roomiest_block(student, offering.id) or self.open_for(student, offering)
        if block is None:
            return False
        self.join(student, offering.id, block)
        self.pinned.add((student.id, block))
        if hard:
            self.hard.add((student.id, block))
        return True

    # ---- 1. timetable: fallbacks, locks, interventions -------------------------------------
    def open_fallbacks(self) -> None:
        for offering in self.index.fallback_offerings:
            for block in self.index.block_ids:
                self.table.open(offering, block)

    def place_locks(self) -> None:
        for lock in self.index.problem.locks:
            student = self.index.students[lock.student]
            offering = self.index.offerings[lock.offering]
            session = self.table.get(offering.id, lock.block) or self.table.open(offering, lock.block)
            if session is None or session.seats_left <= 0:
                self.shortfalls.append(f"lock of {student.id} in {offering.id}@{lock.block} cannot be honoured")
                continue
            self.join(student, offering.id, lock.block)
            self.pinned.add((student.id, lock.block))
            self.hard.add((student.id, lock.block))

    def need_members(self) -> dict[str, list[tuple[Student, int]]]:
        out: dict[str, list[tuple[Student, int]]] = defaultdict(list)
        for student in self.index.problem.students:
            for need in student.needs:
                out[need.offering].append((student, need.sessions))
        return out

    def can_come(self, student: Student, offering: Offering, block: str) -> bool:
        """Could a group member attend the group in this block: present, not locked, not in another group?"""
        if block in student.unavailable or block in self.placed[student.id]:
            return False
        return not any(self.table.get(n.offering, block) for n in student.needs if n.offering != offering.id)

    def group_cost(self, offering: Offering, blocks: tuple[str, ...], members: list[tuple[Student, int]]) -> int:
        """Need sessions a member could not get weigh most; then sessions a member could not come to."""
        cost = 0
        for student, sessions in members:
            usable = sum(1 for b in blocks if self.can_come(student, offering, b))
            cost += _MISSED_NEED * max(0, sessions - usable) + len(blocks) - usable
        return cost

    def group_runs(self, offering: Offering, members: list[tuple[Student, int]]) -> int:
        """Just enough sessions: the largest need, and enough seats for all need sessions."""
        total = sum(k for _, k in members)
        return max(max(k for _, k in members), math.ceil(total / offering.capacity))

    def week_of_groups(
        self, groups: list[Offering], members_of: dict[str, list[tuple[Student, int]]]
    ) -> dict[str, tuple[str, ...]]:
        """An interventionist's week by hand: disjoint blocks for their groups, the cheapest of all ways tried."""
        best_cost: int | None = None
        best: dict[str, tuple[str, ...]] = {}  # offering -> blocks of its new sessions
        budget = _GROUP_SEARCH_BUDGET

        def visit(i: int, used: frozenset[str], chosen: dict[str, tuple[str, ...]], cost: int) -> None:
            nonlocal best_cost, best, budget
            budget -= 1
            if budget < 0 or (best_cost is not None and cost >= best_cost):
                return
            if i == len(groups):
                best_cost, best = cost, dict(chosen)
                return
            group, members = groups[i], members_of[groups[i].id]
            held = tuple(b for b in self.index.block_ids if self.table.get(group.id, b))
            free = [b for b in self.index.block_ids if b not in used and self.table.can_open(group, b) is not None]
            count = max(0, min(len(free), self.group_runs(group, members) - len(held)))
            for blocks in combinations(free, count):
                chosen[group.id] = blocks
                visit(i + 1, used | set(blocks), chosen, cost + self.group_cost(group, held + blocks, members))
            chosen.pop(group.id, None)

        visit(0, frozenset(), {}, 0)
        return best

    def open_interventions(self) -> None:
        """Each group gets just enough sessions, in the blocks its members can come to.

        Groups that share their staff are planned together (they cannot share a block); a group still
        short afterwards (no room left, say) takes the blocks where fewest members are kept away.
        """
        members_of = self.need_members()
        buckets: dict[tuple[str, ...], list[Offering]] = defaultdict(list)
        for offering_id in sorted(members_of):
            offering = self.index.offerings[offering_id]
            buckets[tuple(sorted(offering.staff))].append(offering)
        demand = {key: sum(k for g in groups for _, k in members_of[g.id]) for key, groups in buckets.items()}
        for key in sorted(buckets, key=lambda k: (-demand[k], k)):
            for offering_id, blocks in sorted(self.week_of_groups(buckets[key], members_of).items()):
                for block in blocks:
                    self.table.open(self.index.offerings[offering_id], block)
            for group in buckets[key]:
                self.open_more(group, members_of[group.id])

    def open_more(self, offering: Offering, members: list[tuple[Student, int]]) -> None:
        position = {b: i for i, b in enumerate(self.index.block_ids)}
        while self.table.runs[offering.id] < self.group_runs(offering, members):
            blocks = [b for b in self.index.block_ids if self.table.can_open(offering, b) is not None]
            if not blocks:
                return
            away = {b: sum(not self.can_come(s, offering, b) for s, _ in members) for b in blocks}
            self.table.open(offering, min(blocks, key=lambda b: (away[b], position[b])))

    def plan_interventions_exactly(self) -> bool:
        """Every group's sessions and members' seats at once (``intervention_week``), for a school
        where planning one interventionist at a time left a member short; False when it finds none.
        Imported here: the yardstick needs no solver on every other school."""
        from scheduler.solver.intervention_week import WeekState, plan_interventions

        members_of = self.need_members()
        state = WeekState(
            free_spaces=self.table.free_spaces,
            staff_busy=self.table.staff_busy,
            staff_load=self.table.staff_load,
            runs=self.table.runs,
            resources_used=self.table.used,
            student_busy={(s, b) for s, blocks in self.placed.items() for b in blocks},
        )
        week = plan_interventions(self.index, members_of, state, seed=self.seed)
        if week is None:
            return False
        for (offering_id, block), space_id in sorted(week.sessions.items()):
            self.table.open(self.index.offerings[offering_id], block, self.index.spaces[space_id])
        for (student_id, block), offering_id in sorted(week.seats.items()):
            self.join(self.index.students[student_id], offering_id, block)
            self.pinned.add((student_id, block))
            self.hard.add((student_id, block))
        return True

    def place_needs(self) -> None:
        """Students with the most need sessions (and fewest free blocks) are placed first."""
        students = [s for s in self.index.problem.students if s.needs]
        students.sort(key=lambda s: (-sum(n.sessions for n in s.needs), len(self.index.available_blocks(s))))
        for student in students:
            for need in sorted(student.needs, key=lambda n: self.need_slack(student, n.offering, n.sessions)):
                offering = self.index.offerings[need.offering]
                while self.attended[student.id][need.offering] < need.sessions:
                    if not self.place_fixed(student, offering, hard=True):
                        self.shortfalls.append(f"{student.id} cannot get {need.sessions} sessions of {offering.id}")
                        self.needs_short = True
                        break

    def need_slack(self, student: Student, offering_id: str, sessions: int) -> int:
        return sum(1 for b in self.free_blocks(student) if self.can_join(student, offering_id, b)) - sessions

    def place_requests(self) -> None:
        """Teacher pulls, required ones first; a pull opens a session when none fits the student."""
        requests = sorted(self.index.problem.requests, key=lambda r: r.priority != "required")
        for request in requests:
            student = self.index.students[request.student]
            if self.attended[student.id][request.offering] > 0:
                continue
            required = request.priority == "required"
            placed = self.place_fixed(student, self.index.offerings[request.offering], hard=required)
            if not placed and required:
                self.shortfalls.append(f"required request {request.id} ({student.id} to {request.offering}) unmet")

    # ---- 2. timetable: choice offerings by demand ------------------------------------------
    def choice_demand(self) -> dict[str, float]:
        """Students who rank the offering within their free slots count 1, later ranks count 1/2."""
        demand: dict[str, float] = defaultdict(float)
        for student in self.index.problem.students:
            slots = free_slot_count(self.index, student)
            for rank, choice in enumerate(student.choices, start=1):
                demand[choice] += 1.0 if rank <= slots else 0.5
        return demand

    def seat_estimate(self, offering: Offering) -> int:
        fitting = [s.capacity for s in self.index.problem.spaces if self.index.space_fits(offering, s)]
        return max(1, min(offering.capacity, max(fitting, default=offering.capacity)))

    def wanted_runs(self, offering: Offering, demand: float) -> int:
        wanted = math.ceil(demand / self.seat_estimate(offering)) if demand > 0 else 0
        return min(self.index.runs_max(offering), max(offering.runs.min, wanted))

    def open_choices(self) -> None:
        """Sessions as demand asks, handed out round-robin so no offering takes every free teacher first.

        Every new session goes to the block with the fewest choice seats per student present.
        """
        demand = self.choice_demand()
        offerings = [o for o in self.index.problem.offerings if o.kind == "choice"]
        offerings.sort(key=lambda o: (-demand.get(o.id, 0.0), o.id))
        # Sessions the school must run come first, before demand takes the free rooms and staff.
        self.round_robin([o for o in offerings if o.runs.min], {o.id: o.runs.min for o in offerings})
        self.round_robin(offerings, {o.id: self.wanted_runs(o, demand.get(o.id, 0.0)) for o in offerings})

    def round_robin(self, offerings: list[Offering], wanted: dict[str, int]) -> None:
        """Give each offering one more session per round, up to its ``wanted`` count."""
        position = {b: i for i, b in enumerate(self.index.block_ids)}
        present = Counter(b for s in self.index.problem.students for b in self.index.available_blocks(s))
        for _round in range(len(self.index.block_ids)):
            for offering in offerings:
                if self.table.runs[offering.id] >= wanted[offering.id]:
                    continue
                blocks = [b for b in self.index.block_ids if self.table.can_open(offering, b) is not None]
                if blocks:
                    best = min(blocks, key=lambda b: (self.table.choice_seats[b] / max(1, present[b]), position[b]))
                    self.table.open(offering, best)

    # ---- 3-4. sign-up and fallback ---------------------------------------------------------
    def best_choice(self, student: Student, block: str) -> str | None:
        return next((c for c in student.choices if self.can_join(student, c, block)), None)

    def roomiest_fallback(self, student: Student, block: str) -> str | None:
        options = [o.id for o in self.index.fallback_offerings if self.can_join(student, o.id, block)]
        return max(options, key=lambda o: (self.table.sessions[(o, block)].seats_left, o), default=None)

    def sign_up(self, student: Student) -> None:
        for block in self.free_blocks(student):
            choice = self.best_choice(student, block)
            if choice is not None:
                self.join(student, choice, block)

    def seat_anywhere(self, student: Student, block: str) -> None:
        """Best open choice, else the roomiest fallback; a student left seatless is a shortfall."""
        offering = self.best_choice(student, block) or self.roomiest_fallback(student, block)
        if offering is None:
            self.shortfalls.append(f"{student.id} has no open seat in block {block}")
            return
        self.join(student, offering, block)

    # ---- 5. cancel sessions below min_students --------------------------------------------
    def better_here(self, student: Student, session: _Session) -> bool:
        """Would the student rather be in this session than where they sit in its block?"""
        current = self.placed[student.id].get(session.block)
        if current is None or current == session.offering.id or (student.id, session.block) in self.pinned:
            return False
        if session.offering.id not in student.choices:
            return False
        if current not in student.choices:
            return True
        return student.choices.index(session.offering.id) < student.choices.index(current)

    def top_up(self, session: _Session, *, any_rank: bool = False) -> None:
        """Fill a small session from students, in sign-up order, who ranked it above where they sit
        (with ``any_rank``, who ranked it at all: a session the school must run)."""
        for student_id in self.choosers[session.offering.id]:
            if len(session.students) >= session.offering.min_students:
                return
            student = self.index.students[student_id]
            if not (self.movable_here(student, session) if any_rank else self.better_here(student, session)):
                continue
            previous = self.placed[student.id][session.block]
            self.leave(student, session.block)
            if self.can_join(student, session.offering.id, session.block):
                self.join(student, session.offering.id, session.block)
            else:
                self.join(student, previous, session.block)

    def movable_here(self, student: Student, session: _Session) -> bool:
        """May the student be moved into this session they listed, from wherever they sit now?"""
        current = self.placed[student.id].get(session.block)
        if current is None or current == session.offering.id or (student.id, session.block) in self.pinned:
            return False
        return session.offering.id in student.choices

    def keep_required_runs(self) -> None:
        """Offerings that must run (``runs.min``): their fullest sessions are topped up to
        ``min_students`` from students who listed them, wherever they sit now, as a school assigns
        members to a club it promised to run; those sessions are then never cancelled."""
        for offering in self.index.problem.offerings:
            if offering.runs.min == 0:
                continue
            sessions = [s for s in self.table.sessions.values() if s.offering.id == offering.id and not s.closed]
            sessions.sort(key=lambda s: (-len(s.students), s.block))
            running = 0
            for session in sessions:
                if running >= offering.runs.min:
                    break
                if len(session.students) < offering.min_students:
                    self.top_up(session, any_rank=True)
                if len(session.students) >= offering.min_students:
                    running += 1
                    self.required.add(session.key)

    def cancel(self, session: _Session) -> None:
        leaving = [self.index.students[s] for s in session.students]
        for student in leaving:
            self.leave(student, session.block)
        session.closed = True
        for student in sorted(leaving, key=lambda s: self.turn[s.id]):
            self.seat_anywhere(student, session.block)

    def small_sessions(self) -> list[_Session]:
        position = {b: i for i, b in enumerate(self.index.block_ids)}
        small = [
            s for s in self.table.sessions.values() if not s.closed and 0 < len(s.students) < s.offering.min_students
        ]
        return sorted(small, key=lambda s: (position[s.block], s.offering.id))

    def settle_small_sessions(self) -> None:
        """Top up or cancel; cancelled sessions stay cancelled, so this ends."""
        changed = True
        while changed:
            changed = False
            for session in self.small_sessions():
                if session.closed or not session.students:
                    continue
                self.top_up(session)
                if len(session.students) >= session.offering.min_students:
                    continue
                if session.key in self.required or any((s, session.block) in self.hard for s in session.students):
                    continue
                self.cancel(session)
                changed = True
        for session in self.small_sessions():
            self.shortfalls.append(f"{session.offering.id}@{session.block} runs below min_students")

    def run(self, *, exact_interventions: bool = False) -> None:
        students = [self.index.students[s] for s in self.order]
        self.open_fallbacks()
        self.place_locks()
        if not (exact_interventions and self.plan_interventions_exactly()):
            self.open_interventions()
            self.place_needs()
        self.place_requests()
        self.open_choices()
        for student in students:
            self.sign_up(student)
        for student in students:
            for block in self.free_blocks(student):
                self.seat_anywhere(student, block)
        self.keep_required_runs()
        self.settle_small_sessions()

    # ---- result ------------------------------------------------------------------------------
    def placements(self) -> dict[tuple[str, str], str]:
        return {(s, b): o for s, blocks in self.placed.items() for b, o in blocks.items()}

    def session_spaces(self) -> dict[tuple[str, str], str]:
        return {key: s.space for key, s in self.table.sessions.items() if s.students and not s.closed}


def baseline_plan(problem: Problem, seed: int = 0) -> Plan:
    """First-come-first-served plan for the school; ``seed`` fixes the students' sign-up order."""
    started = time.perf_counter()
    index = ProblemIndex(problem)
    state = _Baseline(index, seed)
    state.run()
    if state.needs_short:
        # Planned one interventionist at a time, some member is short: plan them all at once.
        exact = _Baseline(index, seed)
        exact.run(exact_interventions=True)
        if len(exact.shortfalls) < len(state.shortfalls):
            state = exact
    engine: dict = {"name": "baseline", "method": "first-come-first-served", "seed": seed}
    if state.shortfalls:
        engine["shortfalls"] = state.shortfalls
    return build_plan(
        index,
        state.placements(),
        state.session_spaces(),
        status="unknown" if state.shortfalls else "feasible",
        solve_seconds=time.perf_counter() - started,
        engine=engine,
    )
