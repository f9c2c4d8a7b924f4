"""Where each offering can hold a session, and, when it cannot, the plain reason why.

Every blocker here is a fact that alone forbids a session of the offering in the block under the
hard rules (an unavailable teacher, no free room with the needed features, fewer students allowed
to attend than its minimum ...). The prechecks rely on that: a shortfall computed from these facts
is a proof of infeasibility, never a guess. ``shortfall`` walks the limits in the order a scheduler
would check them (allowed blocks, staff, session limits, rooms, the student's own week) and names
the first one that makes a demand impossible, so the message blames the real bottleneck.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from scheduler.domain.index import ProblemIndex
from scheduler.domain.problem import Offering, Space, Student
from scheduler.domain.rules import Rule
from scheduler.solver.explain.words import (
    blocks_phrase,
    listing,
    offering_ref,
    plural,
    resource_ref,
    role,
    space_ref,
    staff_ref,
    student_ref,
)


def need_of(student: Student, offering_id: str) -> int:
    """Sessions of the offering the student needs (0 when none)."""
    return next((n.sessions for n in student.needs if n.offering == offering_id), 0)


@dataclass(frozen=True)
class Blocker:
    """Why an offering cannot hold a session in one block."""

    rule: Rule
    reason: str
    entities: tuple[str, ...] = ()
    about_students: bool = False  # too few students may attend (not a fact about the offering itself)


@dataclass(frozen=True)
class Shortfall:
    """A demand the offering cannot meet: ``phrase`` completes "..., but {phrase}"."""

    rule: Rule
    phrase: str
    entities: tuple[str, ...]
    reachable: int


RoomKey = tuple[str | None, frozenset[str]]  # an offering's fixed space and needed features


class Reach:
    """Static reachability facts of one problem, computed once and shared by every precheck.

    Rooms are looked up by what an offering asks of them (its fixed space and needed features), which
    few distinct offerings differ in, so a 5,000-student school's facts take a fraction of a second.
    """

    def __init__(self, index: ProblemIndex) -> None:
        self.index = index
        self._room_needs: dict[str, RoomKey] = {}
        self._free_rooms: dict[tuple[RoomKey, str], tuple[list[Space], Space | None]] = {}

    # ---- who may attend ------------------------------------------------------------------
    @cached_property
    def options(self) -> dict[str, frozenset[str]]:
        """student -> offerings rule 2 lets them attend (choices, needs, requests, locks, fallbacks)."""
        index = self.index
        fallbacks = [o.id for o in index.fallback_offerings]
        out = {}
        for student in index.problem.students:
            named = {*student.choices, *(n.offering for n in student.needs), *fallbacks}
            named |= {r.offering for r in index.requests_by_student.get(student.id, [])}
            named |= set(index.locks.get(student.id, {}).values())
            out[student.id] = frozenset(o for o in named if index.offerings[o].open_to(student.grade))
        return out

    @cached_property
    def eligible(self) -> dict[str, list[Student]]:
        """offering -> students who may attend it."""
        out: dict[str, list[Student]] = defaultdict(list)
        for student in self.index.problem.students:
            for offering in self.options[student.id]:
                out[offering].append(student)
        return out

    @cached_property
    def _eligible_counts(self) -> tuple[Counter[tuple[str, int]], Counter[tuple[str, str, int]]]:
        """(offering, grade) -> students who may attend it, and (offering, block, grade) -> those of them
        who are not free in the block (unavailable, or locked into another offering there)."""
        may: Counter[tuple[str, int]] = Counter()
        away: Counter[tuple[str, str, int]] = Counter()
        blocks = set(self.index.block_ids)
        for student in self.index.problem.students:
            options, grade = self.options[student.id], student.grade
            for offering_id in options:
                may[(offering_id, grade)] += 1
            locks = self.index.locks.get(student.id, {})
            gone = {b for b in student.unavailable if b in blocks}
            for block in gone | set(locks):
                locked = None if block in gone else locks[block]
                for offering_id in options:
                    if offering_id != locked:
                        away[(offering_id, block, grade)] += 1
        return may, away

    @cached_property
    def grades(self) -> list[int]:
        return sorted({s.grade for s in self.index.problem.students})

    def free_count(self, offering_id: str, block: str, grade: int | None = None) -> int:
        """Students (of ``grade``, when given) who may attend the offering and are free in the block:
        available there and not locked into another offering."""
        may, away = self._eligible_counts
        grades = self.grades if grade is None else [grade]
        return sum(may[(offering_id, g)] - away[(offering_id, block, g)] for g in grades)

    def lock_in(self, student: str, block: str) -> str | None:
        return self.index.locks.get(student, {}).get(block)

    def free_for(self, student: Student, offering: str, block: str) -> bool:
        """The student is available in the block and not locked into another offering there."""
        return block not in student.unavailable and self.lock_in(student.id, block) in (None, offering)

    # ---- where an offering can run ---------------------------------------------------------
    def blocker(self, offering: Offering, block: str) -> Blocker | None:
        """The first fact that forbids a session of ``offering`` in ``block``; None when it may run."""
        return self._blockers[(offering.id, block)]

    @cached_property
    def _blockers(self) -> dict[tuple[str, str], Blocker | None]:
        return {(o.id, b): self._find_blocker(o, b) for o in self.index.problem.offerings for b in self.index.block_ids}

    def _find_blocker(self, offering: Offering, block: str) -> Blocker | None:
        for find in (self._block_not_allowed, self._staff_blocker, self._room_blocker, self._resource_blocker):
            found = find(offering, block)
            if found is not None:
                return found
        return self._attendance_blocker(offering, block)

    def blocker_apart_from_staff(self, offering: Offering, block: str) -> Blocker | None:
        """The first fact other than its staff's week that forbids a session of the offering in the block."""
        found = self.blocker(offering, block)
        if found is None or found.rule != Rule.STAFF:
            return found
        for find in (self._room_blocker, self._resource_blocker, self._attendance_blocker):
            found = find(offering, block)
            if found is not None:
                return found
        return None

    def _block_not_allowed(self, offering: Offering, block: str) -> Blocker | None:
        if block in self.index.allowed_blocks(offering):
            return None
        return Blocker(Rule.OFFERING_RUNS, "not one of its allowed blocks", (offering_ref(offering.id),))

    def _staff_blocker(self, offering: Offering, block: str) -> Blocker | None:
        for staff_id in offering.staff:
            member = self.index.staff[staff_id]
            if block in member.unavailable:
                return Blocker(Rule.STAFF, f"{staff_id} is unavailable", (staff_ref(staff_id),))
            held = [r.id for r in self.index.problem.reservations if r.staff == staff_id and r.block == block]
            if held:
                return Blocker(Rule.STAFF, f"{staff_id} holds reservation {held[0]}", (staff_ref(staff_id),))
            if member.max_sessions == 0:
                return Blocker(Rule.STAFF, f"{staff_id} may lead no sessions this week", (staff_ref(staff_id),))
        return None

    def room_needs(self, offering: Offering) -> RoomKey:
        """What the offering asks of a room: its fixed space (or None) and its needed features."""
        found = self._room_needs.get(offering.id)
        if found is None:
            found = self._room_needs[offering.id] = (offering.space, frozenset(offering.needs_features))
        return found

    @cached_property
    def _fitting(self) -> dict[RoomKey, list[Space]]:
        out: dict[RoomKey, list[Space]] = {}
        for offering in self.index.problem.offerings:
            key = self.room_needs(offering)
            if key not in out:
                out[key] = [s for s in self.index.problem.spaces if self.index.space_fits(offering, s)]
        return out

    def fitting_spaces(self, offering: Offering) -> list[str]:
        """Rooms with every needed feature (and the fixed room, when there is one), in any block."""
        return [s.id for s in self._fitting[self.room_needs(offering)]]

    def free_rooms(self, offering: Offering, block: str) -> list[Space]:
        """Fitting rooms that are available and not reserved in the block (``index.spaces_for``, cached)."""
        return self._free(self.room_needs(offering), block)[0]

    def largest_free_room(self, offering: Offering, block: str) -> Space | None:
        return self._free(self.room_needs(offering), block)[1]

    def _free(self, key: RoomKey, block: str) -> tuple[list[Space], Space | None]:
        found = self._free_rooms.get((key, block))
        if found is None:
            reserved = self.index.reserved_spaces[block]
            free = [s for s in self._fitting[key] if block not in s.unavailable and s.id not in reserved]
            found = self._free_rooms[(key, block)] = (free, max(free, key=lambda s: s.capacity, default=None))
        return found

    def _room_blocker(self, offering: Offering, block: str) -> Blocker | None:
        fitting = self.fitting_spaces(offering)
        features = listing(offering.needs_features)
        if not fitting:
            if offering.space is not None:
                space = self.index.spaces[offering.space]
                missing = listing(sorted(set(offering.needs_features) - set(space.features)))
                return Blocker(Rule.SPACE, f"its room {space.id} lacks {missing}", (space_ref(space.id),))
            return Blocker(Rule.SPACE, f"no room has {features}" if features else "the school lists no rooms")
        best = self.largest_free_room(offering, block)
        if best is None:
            refs = tuple(space_ref(s) for s in fitting)
            if offering.space is not None:
                space = self.index.spaces[offering.space]
                state = "unavailable" if block in space.unavailable else "reserved"
                return Blocker(Rule.SPACE, f"its room {space.id} is {state}", refs)
            what = f"every room with {features}" if features else "every room"
            return Blocker(Rule.SPACE, f"{what} is unavailable or reserved", refs)
        seats = self.index.seat_limit(offering, best)
        if seats < offering.min_students:
            return Blocker(
                Rule.SPACE,
                f"its largest free room ({best.id}) seats {seats}, "
                f"below its minimum of {offering.min_students} students",
                (space_ref(best.id),),
            )
        return None

    def _resource_blocker(self, offering: Offering, block: str) -> Blocker | None:
        for resource_id, need in self.index.resource_use(offering, offering.min_students).items():
            resource = self.index.resources[resource_id]
            free = resource.quantity - self.index.reserved_units.get((block, resource_id), 0)
            if need > free:
                return Blocker(
                    Rule.RESOURCES,
                    f"a session needs {need} {resource_id} but only {free} of {resource.quantity} are free",
                    (resource_ref(resource_id),),
                )
        return None

    def _attendance_blocker(self, offering: Offering, block: str) -> Blocker | None:
        count = self.free_count(offering.id, block)
        if count == 0:
            return Blocker(Rule.ALLOWED_OFFERING, "no student who may attend it is free", about_students=True)
        if count < offering.min_students:
            return Blocker(
                Rule.SPACE,
                f"only {plural(count, 'student')} who may attend it "
                f"{'is' if count == 1 else 'are'} free, below its minimum of {offering.min_students}",
                about_students=True,
            )
        return None

    def session_blocks(self, offering: Offering) -> list[str]:
        """Blocks where a session of the offering is possible at all."""
        return self._session_blocks[offering.id]

    @cached_property
    def _session_blocks(self) -> dict[str, list[str]]:
        return {
            o.id: [b for b in self.index.block_ids if self._blockers[(o.id, b)] is None]
            for o in self.index.problem.offerings
        }

    @cached_property
    def _session_pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((o, b) for o, blocks in self._session_blocks.items() for b in blocks)

    def can_hold(self, offering_id: str, block: str) -> bool:
        """A session of the offering is possible in the block (``block in session_blocks``, in O(1))."""
        return (offering_id, block) in self._session_pairs

    def static_blocks(self, offering: Offering) -> list[str]:
        """Blocks where the offering itself could hold a session (who may attend left aside)."""
        return [b for b in self.index.block_ids if (found := self.blocker(offering, b)) is None or found.about_students]

    def best_seats(self, offering: Offering, block: str) -> int:
        """Most students one session can seat in the block (0 when it cannot run there)."""
        if self.blocker(offering, block) is not None:
            return 0
        largest = self.largest_free_room(offering, block)
        return 0 if largest is None else self.index.seat_limit(offering, largest)

    def staff_limit(self, offering: Offering) -> tuple[int, str | None]:
        """The tightest ``max_sessions`` among its staff, and who sets it (None when unlimited)."""
        limits = [(m, t) for t in offering.staff if (m := self.index.staff[t].max_sessions) is not None]
        return min(limits) if limits else (len(self.index.block_ids), None)

    def run_cap(self, offering: Offering) -> int:
        """Most sessions the offering can hold this week."""
        return min(self.index.runs_max(offering), self.staff_limit(offering)[0], len(self.session_blocks(offering)))

    def usable_blocks(self, student: Student, offering: Offering) -> list[str]:
        """Blocks where the student could attend a session of the offering."""
        return [b for b in self.session_blocks(offering) if self.free_for(student, offering.id, b)]

    # ---- why a demand cannot be met ----------------------------------------------------------
    def shortfall(self, offering: Offering, want: int, student: Student | None = None) -> Shortfall | None:
        """Why the offering cannot give ``want`` sessions (to ``student``, when given); None if it can.

        For one student, the student's own week (absences, locks) is checked before the count of
        students who may attend, since it is usually the reason a scheduler can act on.
        """
        for stage in (self._allowed_stage, self._staff_stage, self._limit_stage):
            found = stage(offering, want)
            if found is not None:
                return found
        if student is None:
            return self._room_stage(offering, want, static=False)
        found = self._room_stage(offering, want, static=True)
        return found if found is not None else self._student_stage(offering, want, student)

    def _allowed_stage(self, offering: Offering, want: int) -> Shortfall | None:
        allowed = self.index.allowed_blocks(offering)
        if len(allowed) >= want:
            return None
        phrase = f"{offering.id} may only run in {blocks_phrase(allowed)}"
        return Shortfall(Rule.OFFERING_RUNS, phrase, (offering_ref(offering.id),), len(allowed))

    def staff_free_blocks(self, offering: Offering) -> list[str]:
        allowed = self.index.allowed_blocks(offering)
        return [b for b in allowed if all(self.index.staff_free(t, b) for t in offering.staff)]

    def staff_phrase(self, offering: Offering) -> str:
        """ "its only interventionist t-ng is available in 2 blocks (mon and fri)"."""
        free = self.staff_free_blocks(offering)
        scoped = offering.allowed_blocks is not None and len(self.index.allowed_blocks(offering)) < len(
            self.index.block_ids
        )
        if scoped:
            where = f"{'only ' if free else ''}{len(free) or 'none'} of its allowed blocks"
            where += f" ({listing(free)})" if free else ""
        else:
            where = blocks_phrase(free)
        if len(offering.staff) == 1:
            return f"its only {role(offering)} {offering.staff[0]} is available in {where}"
        return f"its staff {listing(offering.staff)} are available together in {where}"

    def _staff_stage(self, offering: Offering, want: int) -> Shortfall | None:
        free = self.staff_free_blocks(offering)
        if len(free) >= want:
            return None
        allowed = self.index.allowed_blocks(offering)
        absent = [t for t in offering.staff if any(not self.index.staff_free(t, b) for b in allowed)]
        refs = (offering_ref(offering.id), *(staff_ref(t) for t in absent))
        return Shortfall(Rule.STAFF, self.staff_phrase(offering), refs, len(free))

    def _limit_stage(self, offering: Offering, want: int) -> Shortfall | None:
        limit, staff_id = self.staff_limit(offering)
        if staff_id is not None and limit < want:
            phrase = (
                f"{staff_id} may lead no sessions this week"
                if limit == 0
                else f"{staff_id} leads at most {plural(limit, 'session')} a week"
            )
            return Shortfall(Rule.STAFF, phrase, (staff_ref(staff_id),), limit)
        runs_max = self.index.runs_max(offering)
        if runs_max < want:
            phrase = f"{offering.id} runs at most {plural(runs_max, 'time')}"
            return Shortfall(Rule.OFFERING_RUNS, phrase, (offering_ref(offering.id),), runs_max)
        return None

    def blocker_summary(self, offering: Offering, blocks: list[str]) -> tuple[str, Rule, tuple[str, ...]]:
        """The blockers of ``blocks`` grouped by reason: "no room has lab (mon and tue); ..."."""
        grouped: dict[Blocker, list[str]] = defaultdict(list)
        for block in blocks:
            found = self.blocker(offering, block)
            if found is not None:
                grouped[found].append(block)
        parts = [f"{b.reason} ({listing(where)})" for b, where in grouped.items()]
        rules = [b.rule for b in grouped for _ in grouped[b]]
        rule = max(set(rules), key=rules.count) if rules else Rule.OFFERING_RUNS
        refs = tuple(ref for b in grouped for ref in b.entities)
        return "; ".join(parts), rule, refs

    def _room_stage(self, offering: Offering, want: int, *, static: bool) -> Shortfall | None:
        free = self.staff_free_blocks(offering)
        ok = set(self.static_blocks(offering) if static else self.session_blocks(offering))
        runnable = [b for b in free if b in ok]
        if len(runnable) >= want:
            return None
        reasons, rule, refs = self.blocker_summary(offering, [b for b in free if b not in runnable])
        count = f"only {blocks_phrase(runnable)}" if runnable else "no block"
        phrase = f"{offering.id} can hold a session in {count}: {reasons}"
        return Shortfall(rule, phrase, (offering_ref(offering.id), *refs), len(runnable))

    def _only_in(self, offering: Offering, blocks: list[str]) -> str:
        """ "reading can run only in mon and fri, and " (nothing when it can run in every block)."""
        if len(blocks) == len(self.index.block_ids):
            return ""
        return f"{offering.id} can run only in {listing(blocks)}, and "

    def _student_stage(self, offering: Offering, want: int, student: Student) -> Shortfall | None:
        runnable = self.static_blocks(offering)
        available = [b for b in runnable if b not in student.unavailable]
        if len(available) < want:
            away = [b for b in runnable if b in student.unavailable]
            phrase = f"{self._only_in(offering, runnable)}{student.id} is unavailable in {listing(away)}"
            return Shortfall(Rule.ONE_SESSION_PER_BLOCK, phrase, (student_ref(student.id),), len(available))
        usable = [b for b in available if self.free_for(student, offering.id, b)]
        if len(usable) < want:
            locked = [(b, self.lock_in(student.id, b)) for b in available if b not in usable]
            where = listing(f"{o} in {b}" for b, o in locked)
            phrase = f"{self._only_in(offering, available)}{student.id} is locked into {where}"
            refs = (student_ref(student.id), *(offering_ref(o) for _, o in locked if o))
            return Shortfall(Rule.LOCKS_AND_REQUESTS, phrase, refs, len(usable))
        attended = [b for b in usable if self.blocker(offering, b) is None]
        if len(attended) < want:
            reasons, rule, refs = self.blocker_summary(offering, [b for b in usable if b not in attended])
            count = f"only {blocks_phrase(attended)}" if attended else "no block"
            phrase = f"{offering.id} can hold a session for {student.id} in {count}: {reasons}"
            return Shortfall(rule, phrase, (offering_ref(offering.id), *refs), len(attended))
        if want > 1 and not offering.is_repeatable:
            phrase = f"{offering.id} is not repeatable: a student attends it at most once"
            return Shortfall(Rule.NOT_REPEATED, phrase, (offering_ref(offering.id),), 1)
        return None
