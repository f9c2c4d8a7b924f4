"""A complete student placement on a fixed timetable, built without a MIP: the exact placement's
start, and the plan to fall back on when that MIP runs out of time.

Why: at 2,000 students the exact placement's root LP can outlast its reserve; HiGHS then has no
incumbent and the engine used to return the warm start (gap about 45%). This places every student
on the timetable the search chose, in about a second, keeping every hard rule and following the
search's merged picture (how many students of each group it sent to each session):

1. locks; 2. needs, one min-cost flow per intervention offering (exact counts, in free blocks);
3. required requests, tightest students first; 4. each block's free students by one min-cost flow
   over its sessions and fallback sessions (choice rank cost, the student's next convex fallback
   cost, the group's quota), then seated one by one: whoever would break an avoid pair or an
   equipment limit takes their next best seat; 5. sessions under ``min_students`` are topped up
   from fallback or emptied; 6. fallback slots move to free choice seats, students without a
   choice first.
When a step cannot keep a rule it gives up (None): the caller then runs the MIP without a start.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

from scheduler.domain.problem import Student
from scheduler.solver.extract import Guide, Timetable
from scheduler.solver.instance import Instance
from scheduler.solver.objective import choice_cost, fallback_cost, needs_no_choice_guard
from scheduler.solver.session_flow import Arc, assign
from scheduler.solver.tuning import DEFAULT_TUNING, EngineTuning

Key = tuple[str, str]
_log = logging.getLogger(__name__)


class StartFailed(RuntimeError):
    """A hard rule the greedy steps could not keep on this timetable."""


class _Seating:
    """Who sits where, with every per-session and per-block limit kept as students are added."""

    def __init__(self, inst: Instance, timetable: Timetable) -> None:
        self.inst = inst
        index = inst.index
        self.seats = {
            key: next(seats for cls, seats, _ in inst.session_classes[key] if cls == c)
            for key, c in timetable.sessions.items()
        }
        self.members: dict[Key, set[str]] = defaultdict(set)
        self.placed: dict[Key, str] = {}  # (student, block) -> offering
        self.attended: dict[str, Counter[str]] = defaultdict(Counter)
        self.fallbacks: Counter[str] = Counter()
        self.chosen: Counter[str] = Counter()
        self.fixed: set[Key] = set()  # (student, block) placed by a lock, need or required request
        self.used: Counter[tuple[str, str]] = Counter(index.reserved_units)
        self.avoiders: dict[str, set[str]] = defaultdict(set)
        for pair in index.avoid_pairs:
            first, second = tuple(pair)
            self.avoiders[first].add(second)
            self.avoiders[second].add(first)
        self.fallback_ids = {o.id for o in index.fallback_offerings}

    def left(self, offering: str, block: str) -> int:
        return self.seats.get((offering, block), 0) - len(self.members[(offering, block)])

    def fits(self, student: str, offering: str, block: str) -> bool:
        key = (offering, block)
        if self.left(offering, block) <= 0 or self.avoiders[student] & self.members[key]:
            return False
        enrolled = len(self.members[key])
        for use in self.inst.offering(offering).resources:
            extra = use.per_student + (use.per_session if enrolled == 0 else 0)
            if self.used[(block, use.resource)] + extra > self.inst.index.resources[use.resource].quantity:
                return False
        return True

    def _equipment(self, offering: str, block: str, sign: int) -> None:
        enrolled = len(self.members[(offering, block)])
        for use in self.inst.offering(offering).resources:
            # A session uses its per-session equipment only while someone attends it.
            first = enrolled == (1 if sign > 0 else 0)
            self.used[(block, use.resource)] += sign * (use.per_student + (use.per_session if first else 0))

    def add(self, student: Student, offering: str, block: str, *, fixed: bool = False) -> None:
        self.members[(offering, block)].add(student.id)
        self.placed[(student.id, block)] = offering
        self.attended[student.id][offering] += 1
        self._equipment(offering, block, +1)
        if fixed:
            self.fixed.add((student.id, block))
        elif offering in self.fallback_ids:
            self.fallbacks[student.id] += 1
        elif offering in student.choices:
            self.chosen[student.id] += 1

    def remove(self, student: Student, block: str) -> str:
        offering = self.placed.pop((student.id, block))
        self.members[(offering, block)].discard(student.id)
        self.attended[student.id][offering] -= 1
        self._equipment(offering, block, -1)
        if offering in self.fallback_ids:
            self.fallbacks[student.id] -= 1
        elif offering in student.choices:
            self.chosen[student.id] -= 1
        return offering


class _Builder:
    """The steps of the module docstring, over one ``_Seating``."""

    def __init__(self, inst: Instance, timetable: Timetable, guide: Guide, move_candidates: int) -> None:
        self.inst = inst
        # Students of a full session tried, each level, when making room for one without a seat.
        self.move_candidates = move_candidates
        self.index = inst.index
        self.policy = inst.problem.policy
        self.timetable = timetable
        self.guide = guide
        self.seating = _Seating(inst, timetable)
        self.closed: dict[Key, int] = {}  # sessions emptied for want of students -> their seats
        self.options = {s.id: self.index.options(s) for s in inst.problem.students}
        self.free_blocks = {
            s.id: [b for b in self.index.available_blocks(s) if b not in self.index.locks.get(s.id, {})]
            for s in inst.problem.students
        }
        self.previous = {(p.student, p.block): p.offering for p in inst.problem.previous}
        self.preferred: dict[str, set[str]] = defaultdict(set)
        for request in inst.problem.requests:
            if request.priority == "preferred":
                self.preferred[request.student].add(request.offering)
        self.menu = {s.id: self._menu(s) for s in inst.problem.students}
        self.choice_costs = {
            s.id: {o: c for o, _, c in self.menu[s.id] if c is not None} for s in inst.problem.students
        }
        self.guarded = {s.id for s in inst.problem.students if needs_no_choice_guard(self.index, s)}

    # ---- what a free slot may hold, and its cost ----------------------------------------------
    def _menu(self, student: Student) -> list[tuple[str, bool, int | None]]:
        """(offering, at most once, choice cost or None) for every offering a free slot may hold:
        fallbacks, choices, and requests that are not choices; never needs (met exactly)."""
        needs = {n.offering for n in student.needs}
        out: list[tuple[str, bool, int | None]] = []
        for offering_id, option in self.options[student.id].items():
            offering = self.inst.offering(offering_id)
            if offering_id in needs:
                continue
            if offering.kind == "fallback":
                out.append((offering_id, False, None))
            elif option.rank is not None:
                out.append((offering_id, not offering.is_repeatable, choice_cost(self.policy, option.rank)))
            elif option.reason == "request":
                out.append((offering_id, True, None))
        return out

    def free_options(self, student: Student, block: str) -> list[str]:
        """Offerings the student may take in a free slot of the block without breaking rules 2-4."""
        attended = self.seating.attended[student.id]
        sessions = self.timetable.sessions
        return [o for o, once, _ in self.menu[student.id] if (o, block) in sessions and not (once and attended[o])]

    def cost(self, student: Student, offering: str, block: str, last_chance: bool) -> int:
        """The placement's cost for this student as things stand (what the exact model would add)."""
        rank_cost = self.choice_costs[student.id].get(offering)
        if offering in self.seating.fallback_ids:
            cost = fallback_cost(self.policy, self.seating.fallbacks[student.id] + 1)
        elif rank_cost is not None:
            cost = rank_cost - (self.policy.no_choice if last_chance else 0)
            if self._first_choice_open(student, offering):
                cost -= self.policy.first_choice_missed
        else:
            cost = 0
        if offering in self.preferred[student.id] and self.seating.attended[student.id][offering] == 0:
            cost -= self.policy.preferred_request_missed
        if self.previous.get((student.id, block)) == offering:
            cost -= self.policy.previous_changed
        return cost

    def _first_choice_open(self, student: Student, offering: str) -> bool:
        """The student's first choice, not yet attended: the first-choice cost is at stake."""
        first = student.id in self.guarded and offering == student.choices[0]
        return first and not self.seating.attended[student.id][offering]

    def _last_chance(self, student: Student, block: str) -> bool:
        """No choice yet and no free block after this one: the no-choice cost is at stake now."""
        if self.seating.chosen[student.id] or student.id not in self.guarded:
            return False
        later = [b for b in self.free_blocks[student.id] if (student.id, b) not in self.seating.placed and b != block]
        return not later

    def best_seat(self, student: Student, block: str, exclude: str | None = None) -> str | None:
        last = self._last_chance(student, block)
        fitting = [
            o for o in self.free_options(student, block) if o != exclude and self.seating.fits(student.id, o, block)
        ]
        return min(fitting, key=lambda o: (self.cost(student, o, block, last), o), default=None)

    # ---- steps ---------------------------------------------------------------------------------
    def locks(self) -> None:
        for student_id, blocks in sorted(self.index.locks.items()):
            student = self.index.students[student_id]
            for block, offering in sorted(blocks.items()):
                if block in student.unavailable:
                    continue
                if (offering, block) not in self.timetable.sessions:
                    raise StartFailed(f"locked session {offering}@{block} is not in the timetable")
                self.seating.add(student, offering, block, fixed=True)

    def needs(self) -> None:
        wanted: dict[str, dict[str, int]] = defaultdict(dict)
        for student in self.inst.problem.students:
            for need in student.needs:
                left = need.sessions - self.seating.attended[student.id][need.offering]
                if left < 0:
                    raise StartFailed(f"{student.id} is locked into {need.offering} more often than needed")
                if left:
                    wanted[need.offering][student.id] = left
        # Blocks where a required request could be met are used for needs last.
        request_blocks: dict[str, set[str]] = defaultdict(set)
        for request in self.inst.problem.requests:
            if request.priority == "required":
                request_blocks[request.student] |= {
                    b for b in self.index.block_ids if (request.offering, b) in self.timetable.sessions
                }

        # Offerings with the least spare seats first: they have the least room to move.
        def spare(offering: str) -> int:
            seats = sum(self.seating.left(offering, b) for b in self.index.block_ids)
            return seats - sum(wanted[offering].values())

        for offering in sorted(wanted, key=lambda o: (spare(o), o)):
            arcs = []
            for student_id in wanted[offering]:
                for block in self.free_blocks[student_id]:
                    if (student_id, block) not in self.seating.placed and (offering, block) in self.timetable.sessions:
                        followed = self.guide.quota(student_id, offering, block) >= 0.5
                        cost = (0 if followed else 1) + 10 * (block in request_blocks[student_id])
                        arcs.append(Arc(student_id, (offering, block), cost))
            seats = {(offering, b): self.seating.left(offering, b) for b in self.index.block_ids}
            result = assign(wanted[offering], arcs, seats)
            for student_id, count in wanted[offering].items():
                sessions = result.get(student_id, [])
                if len(sessions) < count:
                    raise StartFailed(f"no seats for {student_id}'s need {offering}")
                for _, block in sessions:
                    if not self.seating.fits(student_id, offering, block):
                        raise StartFailed(f"{student_id}'s need {offering} breaks a rule in {block}")
                    self.seating.add(self.index.students[student_id], offering, block, fixed=True)

    def requests(self) -> None:
        todo = []
        for request in self.inst.problem.requests:
            if request.priority == "required" and not self.seating.attended[request.student][request.offering]:
                todo.append(request)

        def blocks_for(student_id: str, offering: str) -> list[str]:
            return [
                b
                for b in self.free_blocks[student_id]
                if (student_id, b) not in self.seating.placed and self.seating.fits(student_id, offering, b)
            ]

        for request in sorted(todo, key=lambda r: (len(blocks_for(r.student, r.offering)), r.id)):
            if self.seating.attended[request.student][request.offering]:
                continue
            blocks = blocks_for(request.student, request.offering)
            if not blocks:
                raise StartFailed(f"no seat for required request {request.id}")
            student, offering = request.student, request.offering
            block = max(blocks, key=lambda b: (self.guide.quota(student, offering, b), self.seating.left(offering, b)))
            self.seating.add(self.index.students[student], offering, block, fixed=True)

    def block(self, block: str, *, follow_guide: bool = True) -> None:
        """One block's free students by min-cost flow, then seated one by one."""
        students = [
            self.index.students[s]
            for s, blocks in self.free_blocks.items()
            if block in blocks and (s, block) not in self.seating.placed
        ]
        # Fallback seats are alike: one arc per student to a hub of the fallback sessions open to
        # their grade, not one per session (at 5,000 students those were half the flow's arcs).
        fallback_ids = self.seating.fallback_ids
        hubs = {
            ("fallback", grade): [(o.id, block) for o in self.index.fallback_offerings if o.open_to(grade)]
            for grade in {s.grade for s in students}
        }
        arcs = []
        for student in students:
            last = self._last_chance(student, block)
            hub_cost = None
            for offering in self.free_options(student, block):
                cost = self.cost(student, offering, block, last)
                if offering in fallback_ids:
                    hub_cost = cost if hub_cost is None else min(hub_cost, cost)
                elif not follow_guide or not self.guide.counts:
                    arcs.append(Arc(student.id, (offering, block), cost))
                else:
                    group = self.guide.group_of.get(student.id, student.id)
                    arcs.append(Arc(student.id, (offering, block), cost, (group, offering, block)))
            if hub_cost is not None:
                arcs.append(Arc(student.id, ("fallback", student.grade), hub_cost))
        quotas = {key: round(count) for key, count in self.guide.counts.items() if key[2] == block}
        seats = {key: self.seating.left(*key) for key in self.timetable.sessions if key[1] == block}
        result = assign({s.id: 1 for s in students}, arcs, seats, quotas, over_quota=self.guide.over_quota, hubs=hubs)
        # Students the flow gave a choice go first: they are the ones whose seat is worth most.
        order = sorted(students, key=lambda s: (result.get(s.id, [("fallback", 0)])[0][0] == "fallback", s.id))
        for student in order:
            sessions = result.get(student.id)
            offering = sessions[0][0] if sessions else None
            if offering == "fallback":
                offering = self._roomiest_fallback(student, block)
            if offering is None or not self.seating.fits(student.id, offering, block):
                offering = self.best_seat(student, block) or self._make_room(student, block)
            if offering is None:
                raise StartFailed(f"no seat left for {student.id} in {block}")
            self.seating.add(student, offering, block)

    def _make_room(self, student: Student, block: str, depth: int = 2, exclude: str | None = None) -> str | None:
        """A session the student may take, freed by moving one of its students elsewhere in the
        block (out of a full session, or an avoided classmate out of the only study hall), that
        student making room in turn up to ``depth`` moves deep; None when no such chain exists."""
        options = [o for o in self.free_options(student, block) if o != exclude]
        for offering in sorted(options, key=lambda o: (self.cost(student, o, block, False), o)):
            members = self.seating.members[(offering, block)]
            blocking = self.seating.avoiders[student.id] & members
            if len(blocking) > 1:
                continue
            candidates = sorted(blocking) if blocking else sorted(members)[: self.move_candidates]
            for other_id in candidates:
                if (other_id, block) in self.seating.fixed:
                    continue
                other = self.index.students[other_id]
                self.seating.remove(other, block)
                elsewhere = self.best_seat(other, block, exclude=offering)
                if elsewhere is None and depth > 1:
                    elsewhere = self._make_room(other, block, depth - 1, offering)
                if elsewhere is not None:
                    self.seating.add(other, elsewhere, block)
                if elsewhere is not None and self.seating.fits(student.id, offering, block):
                    return offering
                if elsewhere is not None:
                    self.seating.remove(other, block)
                self.seating.add(other, offering, block)
        return None

    def _roomiest_fallback(self, student: Student, block: str) -> str | None:
        fits = [o for o in self.free_options(student, block) if o in self.seating.fallback_ids]
        fits = [o for o in fits if self.seating.fits(student.id, o, block)]
        return max(fits, key=lambda o: (self.seating.left(o, block), o), default=None)

    def reseat(self, block: str) -> None:
        """Everyone not fixed in the block re-placed by its flow, every other block as it is: the
        block's exact best on its own, which undoes the first pass's blindness to later blocks.
        When that cannot seat everyone (an avoid pair with one study hall between them), the
        block stays as it was."""
        before = {
            (s, b): o for (s, b), o in self.seating.placed.items() if b == block and (s, b) not in self.seating.fixed
        }
        closed = dict(self.seating.seats)
        self._clear(block)
        for key, seats in self.closed.items():
            if key[1] == block:
                self.seating.seats[key] = seats
        try:
            self.block(block, follow_guide=False)
            self.min_students(block)
        except StartFailed:
            self._clear(block)
            self.seating.seats = closed
            for (student_id, _), offering in sorted(before.items()):
                self.seating.add(self.index.students[student_id], offering, block)

    def _clear(self, block: str) -> None:
        for student_id, b in sorted(self.seating.placed):
            if b == block and (student_id, b) not in self.seating.fixed:
                self.seating.remove(self.index.students[student_id], block)

    def min_students(self, only: str | None = None) -> None:
        """Sessions under their minimum: topped up from fallback, else emptied."""
        for (offering_id, block), members in sorted(self.seating.members.items()):
            if only is not None and block != only:
                continue
            minimum = self.inst.offering(offering_id).min_students
            if not members or len(members) >= minimum:
                continue
            for student_id in sorted(s for s, b in self._in_fallback(block)):
                if len(members) >= minimum:
                    break
                student = self.index.students[student_id]
                old = self.seating.remove(student, block)
                allowed = offering_id in self.free_options(student, block)
                if allowed and self.seating.fits(student_id, offering_id, block):
                    self.seating.add(student, offering_id, block)
                else:
                    self.seating.add(student, old, block)
            if len(members) >= minimum:
                continue
            if any((s, block) in self.seating.fixed for s in members):
                raise StartFailed(f"{offering_id}@{block} is under its minimum with fixed students")
            self.closed.setdefault((offering_id, block), self.seating.seats[(offering_id, block)])
            self.seating.seats[(offering_id, block)] = 0  # closed: nobody moves back in
            for student_id in sorted(members):
                student = self.index.students[student_id]
                self.seating.remove(student, block)
                seat = self.best_seat(student, block)
                if seat is None:
                    raise StartFailed(f"no seat for {student_id} once {offering_id}@{block} closed")
                self.seating.add(student, seat, block)

    def _in_fallback(self, block: str) -> list[Key]:
        return [
            (s, b)
            for (s, b), o in self.seating.placed.items()
            if b == block and o in self.seating.fallback_ids and (s, b) not in self.seating.fixed
        ]

    def upgrade(self) -> None:
        """Fallback slots to choice seats still free, students without a choice first."""
        slots = sorted(
            {key for block in self.index.block_ids for key in self._in_fallback(block)},
            key=lambda key: (self.seating.chosen[key[0]] > 0, -self.seating.fallbacks[key[0]], key),
        )
        for student_id, block in slots:
            student = self.index.students[student_id]
            old = self.seating.remove(student, block)
            choices = [o for o in self.free_options(student, block) if o not in self.seating.fallback_ids]
            best = min(
                (o for o in choices if self.seating.fits(student_id, o, block) and self._may_open(o, block)),
                key=lambda o: (self.cost(student, o, block, False), o),
                default=None,
            )
            self.seating.add(student, best or old, block)

    def _may_open(self, offering: str, block: str) -> bool:
        """A session may gain a student when it runs already or one student is enough to run it."""
        return bool(self.seating.members[(offering, block)]) or self.inst.offering(offering).min_students <= 1

    def runs_min(self) -> None:
        running = Counter(o for (o, _), members in self.seating.members.items() if members)
        for offering in self.inst.problem.offerings:
            if offering.kind != "fallback" and running[offering.id] < offering.runs.min:
                raise StartFailed(f"{offering.id} runs {running[offering.id]} times, fewer than its minimum")


def placement_start(
    inst: Instance,
    timetable: Timetable,
    guide: Guide | None = None,
    passes: int = 1,
    *,
    tuning: EngineTuning = DEFAULT_TUNING,
) -> dict[Key, str] | None:
    """(student, block) -> offering for every available slot (fallback offerings named), keeping
    every hard rule on ``timetable``; None when the greedy steps cannot."""
    return placement_start_or_why(inst, timetable, guide, passes, tuning=tuning)[0]


def placement_start_or_why(
    inst: Instance,
    timetable: Timetable,
    guide: Guide | None = None,
    passes: int = 1,
    *,
    tuning: EngineTuning = DEFAULT_TUNING,
) -> tuple[dict[Key, str] | None, str]:
    """``placement_start``, with why it failed in words ("" when it did not)."""
    builder = _Builder(inst, timetable, guide or Guide(), tuning.move_candidates)
    try:
        builder.locks()
        builder.needs()
        builder.requests()
        for block in inst.index.block_ids:
            builder.block(block)
        builder.min_students()
        for _ in range(passes):
            for block in inst.index.block_ids:
                builder.reseat(block)
        builder.upgrade()
        builder.runs_min()
    except StartFailed as failed:
        _log.debug("no placement start: %s", failed)
        return None, str(failed)
    return dict(builder.seating.placed), ""
