"""The seated witness: students placed in choice sessions they ranked, for schools whose halls are small.

With tight seats the study halls hold far fewer students than attend a block, so a witness that puts
everyone in a hall cannot exist. This witness is a timetable with students in it, built block by
block before the students' choices are final:

1. Every student has a wish list (``choices.assign_choices``) and may attend at most as many choice
   offerings as it is long. Students with more free blocks than wishes spend the difference in a
   study hall, in the blocks where the halls are least taken.
2. In each block, sessions open for the offerings most wished for by the students present, when
   every rule allows one more (allowed block, teachers free and under ``max_sessions``, a fitting
   unused room, resources for its seats) and not ahead of an even spread of the offering's runs
   (and a limited teacher's sessions) over the week.
3. Students take the open session they ranked highest with a seat left (never an offering they
   attended, never outside its grades); sessions that cannot reach ``min_students`` close and their
   students choose again. Those left over fill the halls, then any open session with a seat, then
   new sessions opened for them. Only if all of that fails do the halls get more seats (recorded
   in ``Draft.fallback_growth``; the tests require it to stay 0).
4. Each student's choice list then gets every offering the witness gives them
   (``seated_extras.finish_choices``).

Hall seats go by home base: each student has a usual hall, so students of different halls can
avoid each other. Locks, requests, ``runs.min`` and avoid pairs are then read off the finished
witness (``seated_extras``).
"""

from __future__ import annotations

import copy
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from scheduler.generate import extras, seated_extras
from scheduler.generate.rooms import grow_halls
from scheduler.generate.state import Draft, Record


@dataclass
class _Session:
    """A choice session the witness has opened in the block being seated."""

    offering: Record
    seats: int
    roster: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.roster) >= self.seats


@dataclass
class _Seating:
    """What the seated witness knows across blocks."""

    students: dict[str, Record]
    wishes: dict[str, list[str]]  # student -> ranked wish list (becomes their choices)
    order: list[str]  # blocks in the order they are seated
    attended: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    hall_blocks: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    home: dict[str, str] = field(default_factory=dict)  # student -> usual study hall
    phase: dict[str, float] = field(default_factory=dict)  # offering or limited teacher -> pacing phase

    def may_attend(self, student: Record, offering: Record) -> bool:
        """Grade, not attended yet, and still a place on their list for one more offering."""
        sid = student["id"]
        return (
            student["grade"] in offering["grades"]
            and offering["id"] not in self.attended[sid]
            and len(self.attended[sid]) < len(self.wishes[sid])
        )


def seat_school(d: Draft) -> None:
    """The seated witness and the extras read off it, in order (module doc)."""
    extras.make_unavailability(d)
    seating = _seat_week(d)
    halls = {f["id"] for f in d.fallbacks}
    for (_, block), oid in d.witness.placements.items():
        if oid in halls:
            d.witness.spaces[(oid, block)] = d.offering_by_id[oid]["space"]
    seated_extras.finish_choices(d, seating.wishes, seating.attended)
    seated_extras.make_locks(d)
    extras.add_preferred_requests(d)
    seated_extras.set_runs_min(d)
    seated_extras.make_avoid_pairs(d)


def _seat_week(d: Draft) -> _Seating:
    """Seat every block, in week order; if the halls had to grow, again starting from each other
    block in turn (the block seated last gets what the others left), keeping the best attempt."""
    before = copy.deepcopy(d)
    seating = _seat_blocks(d, list(d.block_ids))
    best = (d.fallback_growth, d, seating)
    for shift in range(1, len(d.block_ids)):
        if best[0] == 0:
            break
        attempt = copy.deepcopy(before)
        order = [*attempt.block_ids[shift:], *attempt.block_ids[:shift]]
        seated = _seat_blocks(attempt, order)
        if attempt.fallback_growth < best[0]:
            best = (attempt.fallback_growth, attempt, seated)
    _, chosen, seating = best
    if chosen is not d:
        d.__dict__.update(chosen.__dict__)
        seating.students = {s["id"]: s for s in d.students}
    return seating


def _seat_blocks(d: Draft, order: list[str]) -> _Seating:
    seating = _start(d, order)
    for block in order:
        _seat_block(d, seating, block)
    return seating


def _start(d: Draft, order: list[str]) -> _Seating:
    """Wish lists, pacing phases, home halls, and the hall blocks of students with few wishes."""
    rng = d.rng
    seating = _Seating({s["id"]: s for s in d.students}, {s["id"]: list(s["choices"]) for s in d.students}, order)
    for offering in d.offerings:
        if offering["kind"] == "choice":
            seating.phase[offering["id"]] = rng.random()
    for member in d.staff:
        if member["max_sessions"] is not None:
            seating.phase[member["id"]] = rng.random()
    weights = [hall["capacity"] for hall in d.fallbacks]
    load: Counter[str] = Counter()
    for student in d.students:
        seating.home[student["id"]] = rng.choices(d.fallbacks, weights)[0]["id"]
        free = d.free_blocks(student)
        extra = len(free) - len(seating.wishes[student["id"]])
        if extra > 0:
            rng.shuffle(free)
            chosen = sorted(free, key=lambda b: load[b])[:extra]
            seating.hall_blocks[student["id"]].update(chosen)
            load.update(chosen)
    return seating


# ---- one block -----------------------------------------------------------------------------------
def _seat_block(d: Draft, seating: _Seating, block: str) -> None:
    present = [s for s in d.students if block not in s["unavailable"] and (s["id"], block) not in d.witness.placements]
    must = [s for s in present if block in seating.hall_blocks[s["id"]]]
    pool = [s for s in present if block not in seating.hall_blocks[s["id"]]]
    d.rng.shuffle(pool)
    room = max(0, _hall_seats(d) - len(must))
    sessions = _open_for_wishes(d, seating, block, pool, _seats_wanted(d, len(pool) - room))
    left = _seat_wishes(d, seating, block, pool, sessions)
    left.sort(key=lambda s: any(_fits(seating, s, x) for x in sessions.values()))
    hall, over = left[:room], left[room:]
    over = _relieve(d, seating, block, sessions, hall, over)
    if over:
        grow_halls(d, len(over))
    _commit(d, seating, block, sessions, must + hall + over)


def _seats_wanted(d: Draft, beyond_halls: int) -> float:
    """Choice seats to open in a block: with tight seats, what the halls leave plus the shape's spare
    share (runs and teachers' sessions are saved for later blocks); with loose ones, all on pace."""
    if d.shape.seats == "loose":
        return math.inf
    return max(0, beyond_halls) * (1 + d.shape.witness_spare_seats)


def _hall_seats(d: Draft) -> int:
    return sum(hall["capacity"] for hall in d.fallbacks)


def _fits(seating: _Seating, student: Record, session: _Session) -> bool:
    return not session.full and seating.may_attend(student, session.offering)


def _open_for_wishes(d: Draft, seating: _Seating, block: str, pool: list[Record], wanted: float) -> dict[str, _Session]:
    """Sessions of the offerings most wished for by the students present, as the rules and pacing
    allow, until they have ``wanted`` seats."""
    demand: Counter[str] = Counter()
    for student in pool:
        for oid in seating.wishes[student["id"]]:
            if seating.may_attend(student, d.offering_by_id[oid]):
                demand[oid] += 1
    order = [o for o in d.offerings if o["kind"] == "choice" and demand[o["id"]] >= o["min_students"]]
    keys = {o["id"]: d.rng.random() for o in order}
    order.sort(key=lambda o: (-demand[o["id"]], keys[o["id"]]))
    sessions: dict[str, _Session] = {}
    for offering in order:
        if sum(s.seats for s in sessions.values()) >= wanted:
            break
        if _on_pace(d, seating, offering, block):
            session = _try_open(d, offering, block, demand[offering["id"]])
            if session is not None:
                sessions[offering["id"]] = session
    return sessions


def _on_pace(d: Draft, seating: _Seating, offering: Record, block: str) -> bool:
    """Not ahead of an even spread of the offering's runs, and its limited teachers' sessions, over the week."""
    allowed = [b for b in seating.order if b in offering["allowed_blocks"]]
    if block not in allowed:
        return False
    position = allowed.index(block) + 1
    quota = math.floor(offering["runs"]["max"] * position / len(allowed) + seating.phase[offering["id"]])
    if d.runs[offering["id"]] >= quota:
        return False
    week = seating.order.index(block) + 1
    for sid in offering["staff"]:
        limit = d.staff_by_id[sid]["max_sessions"]
        if limit is not None and d.staff_sessions[sid] >= math.floor(
            limit * week / len(d.block_ids) + seating.phase[sid]
        ):
            return False
    return True


def _try_open(d: Draft, offering: Record, block: str, wanted: int) -> _Session | None:
    """A session in the smallest free room that seats ``wanted`` (else the largest), if every rule allows."""
    if block not in offering["allowed_blocks"] or d.runs[offering["id"]] >= offering["runs"]["max"]:
        return None
    if not d.staff_can_lead(offering, block) or not d.units_fit(offering, block, 0, 1):
        return None
    rooms = d.fitting_rooms(offering, block)
    if not rooms:
        return None
    target = min(offering["capacity"], wanted)
    big_enough = [r for r in rooms if r["capacity"] >= target]
    room = min(big_enough, key=lambda r: r["capacity"]) if big_enough else max(rooms, key=lambda r: r["capacity"])
    seats = min(offering["capacity"], room["capacity"], _unit_seats(d, offering, block))
    if seats < offering["min_students"]:
        return None
    d.book_session(offering, block, room["id"])
    for use in offering["resources"]:
        d.units[(block, use["resource"])] += use["per_student"] * seats  # held until the block is seated
    return _Session(offering, seats)


def _unit_seats(d: Draft, offering: Record, block: str) -> int:
    """How many students the resources left in the block allow, after the session's own units."""
    seats = offering["capacity"]
    for use in offering["resources"]:
        spare = d.quantity[use["resource"]] - d.units[(block, use["resource"])] - use["per_session"]
        if use["per_student"]:
            seats = min(seats, spare // use["per_student"])
    return seats


def _close(d: Draft, session: _Session, block: str) -> None:
    for use in session.offering["resources"]:
        d.units[(block, use["resource"])] -= use["per_student"] * session.seats
    d.unbook_session(session.offering, block)


def _seat_wishes(
    d: Draft, seating: _Seating, block: str, pool: list[Record], sessions: dict[str, _Session]
) -> list[Record]:
    """Each student into their highest-ranked open session with a seat; sessions under min_students
    close and their students choose again. Returns the students left without a session."""
    waiting, left = list(pool), []
    while True:
        for student in waiting:
            best = next(
                (
                    sessions[oid]
                    for oid in seating.wishes[student["id"]]
                    if oid in sessions and _fits(seating, student, sessions[oid])
                ),
                None,
            )
            if best is None:
                left.append(student)
            else:
                best.roster.append(student["id"])
        short = [oid for oid, s in sessions.items() if len(s.roster) < s.offering["min_students"]]
        if not short:
            return left
        waiting = []
        for oid in short:
            session = sessions.pop(oid)
            waiting += [seating.students[sid] for sid in session.roster]
            _close(d, session, block)


def _seat_anywhere(
    seating: _Seating, students: list[Record], sessions: dict[str, _Session], most: int | None = None
) -> list[Record]:
    """Students into any open session with a seat (the offering joins their list later), emptiest
    sessions first. Returns those who found none, or with ``most``, the (at most ``most``) seated."""
    left, seated = [], []
    by_room = sorted(sessions.values(), key=lambda s: len(s.roster) - s.seats)
    for student in students:
        if most is not None and len(seated) >= most:
            break
        session = next((s for s in by_room if _fits(seating, student, s)), None)
        if session is None:
            left.append(student)
        else:
            session.roster.append(student["id"])
            seated.append(student)
    return seated if most is not None else left


def _relieve(
    d: Draft, seating: _Seating, block: str, sessions: dict[str, _Session], hall: list[Record], over: list[Record]
) -> list[Record]:
    """Seats for the students the halls cannot take (``over``); returns those still without one.

    First any open session with a seat; then hall students move into open sessions, each freeing
    a hall seat; then new sessions (pacing aside) for students over and in the hall alike.
    """
    over = _seat_anywhere(seating, over, sessions)
    while over:
        moved = _seat_anywhere(seating, hall, sessions, most=len(over))
        if not moved:
            break
        for student in moved:
            hall.remove(student)
            hall.append(over.pop())
    while over:
        opened = _open_for(d, seating, block, over + hall, sessions)
        if opened is None:
            break
        over = [s for s in over if not _join(seating, s, opened)]
        for student in [s for s in hall if over or len(opened.roster) < opened.offering["min_students"]]:
            if _join(seating, student, opened):
                hall.remove(student)
                if over:
                    hall.append(over.pop())
    return over


def _join(seating: _Seating, student: Record, session: _Session) -> bool:
    if not _fits(seating, student, session):
        return False
    session.roster.append(student["id"])
    return True


def _open_for(
    d: Draft, seating: _Seating, block: str, students: list[Record], sessions: dict[str, _Session]
) -> _Session | None:
    """A new session of the offering most of ``students`` may attend, if it can reach min_students."""
    counts: Counter[str] = Counter()
    for offering in d.offerings:
        if offering["kind"] == "choice" and offering["id"] not in sessions:
            counts[offering["id"]] = sum(seating.may_attend(s, offering) for s in students)
    for oid, count in counts.most_common():
        offering = d.offering_by_id[oid]
        if count < offering["min_students"]:
            return None
        opened = _try_open(d, offering, block, count)
        if opened is not None:
            sessions[oid] = opened
            return opened
    return None


def _commit(d: Draft, seating: _Seating, block: str, sessions: dict[str, _Session], to_hall: list[Record]) -> None:
    """Write the block's placements, release unused resource seats, seat the hall students."""
    for oid, session in sessions.items():
        for sid in session.roster:
            d.witness.placements[(sid, block)] = oid
            seating.attended[sid].add(oid)
        for use in session.offering["resources"]:
            d.units[(block, use["resource"])] -= use["per_student"] * (session.seats - len(session.roster))
    taken: Counter[str] = Counter()
    capacity = {hall["id"]: hall["capacity"] for hall in d.fallbacks}
    for student in to_hall:
        hall = seating.home[student["id"]]
        if taken[hall] >= capacity[hall]:
            hall = max(capacity, key=lambda h: capacity[h] - taken[h])
        taken[hall] += 1
        d.witness.placements[(student["id"], block)] = hall
