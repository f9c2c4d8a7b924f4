"""A CP-SAT feasibility model of the ten hard rules, each rule of each entity behind its own switch.

Only what can happen gets a variable: a session per (offering, block) the offering may run in (an
allowed block, its staff free, a fitting free room), a room choice per session and fitting room, and
a student variable per (student, offering, block) the student may attend (rule 2) in a block they
are available. Those facts are the data's own limits and are never blamed themselves; the message
of a conflict quotes them as context ("reading-t3 can run only in mon and fri").

Every other rule is enforced per entity under an assumption literal (a ``Guard``): "s-0001's needs",
"room lab-2 hosts one session per block", "lock of s-0003 in mon"... When the model is infeasible,
CP-SAT reports a subset of guards that cannot hold together; ``core.py`` shrinks it. Guards whose
constraint can never bind (a room only one offering can use, a capacity nobody can fill) are not
created, so the solver only juggles switches that matter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.domain.index import ProblemIndex

# Deletion order when shrinking a core: generic guards are dropped first, so the explanation that
# survives is phrased in the school's specific facts (needs, locks, requests, avoid pairs).
GROUPS = (
    "placed",
    "room",
    "capacity",
    "minimum",
    "resource",
    "staff_once",
    "staff_max",
    "runs",
    "repeat",
    "avoid",
    "request",
    "lock",
    "need",
)


@dataclass(frozen=True)
class Guard:
    """One switchable rule of one entity: ``group`` from GROUPS and the ids it is about."""

    group: str
    key: tuple[str, ...]

    @property
    def order(self) -> tuple[int, tuple[str, ...]]:
        return GROUPS.index(self.group), self.key


class GuardedModel:
    """The model, its variables and the guard behind each assumption literal."""

    def __init__(self, index: ProblemIndex) -> None:
        self.index = index
        self.model = cp_model.CpModel()
        self.literals: dict[Guard, cp_model.IntVar] = {}
        self.run: dict[tuple[str, str], cp_model.IntVar] = {}
        self.rooms: dict[tuple[str, str], dict[str, cp_model.IntVar]] = {}
        self.attend: dict[tuple[str, str, str], cp_model.IntVar] = {}
        self._by_session: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        self._by_slot: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        self._by_need: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        self._build()

    @property
    def guards(self) -> dict[int, Guard]:
        """Literal index -> guard."""
        return {lit.index: guard for guard, lit in self.literals.items()}

    # ---- helpers -------------------------------------------------------------------------------
    def guard(self, group: str, *key: str) -> cp_model.IntVar:
        found = Guard(group, tuple(key))
        if found not in self.literals:
            self.literals[found] = self.model.new_bool_var(f"{group}:{'/'.join(key)}")
        return self.literals[found]

    def forbid(self, literal: cp_model.IntVar) -> None:
        """The guarded rule cannot hold at all (it needs a variable the data rules out)."""
        self.model.add_bool_or([literal.Not()])

    # ---- structure -----------------------------------------------------------------------------
    def _build(self) -> None:
        self._sessions()
        self._students()
        for add in (
            self._placed,
            self._needs,
            self._repeat,
            self._runs,
            self._capacity,
            self._minimum,
            self._rooms,
            self._staff,
            self._resources,
            self._avoid,
            self._locks,
            self._requests,
        ):
            add()

    def _sessions(self) -> None:
        """Rules 5 to 7 facts that need no other session: one possible session per runnable block."""
        for offering in self.index.problem.offerings:
            for block in self.index.run_blocks(offering):
                spaces = self.index.spaces_for(offering, block)
                if not spaces:
                    continue
                run = self.model.new_bool_var(f"run:{offering.id}@{block}")
                self.run[(offering.id, block)] = run
                rooms = {s.id: self.model.new_bool_var(f"room:{offering.id}@{block}:{s.id}") for s in spaces}
                self.rooms[(offering.id, block)] = rooms
                self.model.add(sum(rooms.values()) == run)  # rule 6: a running session has one room

    def _students(self) -> None:
        """Rules 1 and 2 structure: allowed triples only, at most one session per block."""
        for student in self.index.problem.students:
            options = self.index.options(student)
            for block in self.index.available_blocks(student):
                for offering_id in options:
                    run = self.run.get((offering_id, block))
                    if run is None:
                        continue
                    x = self.model.new_bool_var(f"x:{student.id}:{offering_id}@{block}")
                    self.attend[(student.id, offering_id, block)] = x
                    self.model.add_implication(x, run)
                    self._by_session[(offering_id, block)].append(x)
                    self._by_slot[(student.id, block)].append(x)
                    self._by_need[(student.id, offering_id)].append(x)
                if len(self._by_slot[(student.id, block)]) > 1:
                    self.model.add_at_most_one(self._by_slot[(student.id, block)])
        for key, run in self.run.items():
            # rule 5: a session with no students does not run
            self.model.add_bool_or([*self._by_session.get(key, []), run.Not()])

    # ---- guarded rules -----------------------------------------------------------------------
    def _placed(self) -> None:
        """Rule 1: the student is in a session in every block they are available."""
        for student in self.index.problem.students:
            literal = self.guard("placed", student.id)
            for block in self.index.available_blocks(student):
                slot = self._by_slot.get((student.id, block), [])
                if not slot:
                    self.forbid(literal)
                    break
                self.model.add_bool_or(slot).only_enforce_if(literal)

    def _needs(self) -> None:
        """Rule 3: each need met exactly."""
        for student in self.index.problem.students:
            for need in student.needs:
                literal = self.guard("need", student.id, need.offering)
                xs = self._by_need.get((student.id, need.offering), [])
                if len(xs) < need.sessions:
                    self.forbid(literal)
                else:
                    self.model.add(sum(xs) == need.sessions).only_enforce_if(literal)

    def _repeat(self) -> None:
        """Rule 4: a non-repeatable offering attended at most once per student."""
        for (_, offering_id), xs in self._by_need.items():
            if len(xs) > 1 and not self.index.offerings[offering_id].is_repeatable:
                self.model.add(sum(xs) <= 1).only_enforce_if(self.guard("repeat", offering_id))

    def _runs(self) -> None:
        """Rule 5: runs.min <= sessions <= runs.max."""
        for offering in self.index.problem.offerings:
            runs = [v for (o, _), v in self.run.items() if o == offering.id]
            low, high = offering.runs.min, self.index.runs_max(offering)
            if low > len(runs):
                self.forbid(self.guard("runs", offering.id))
            elif low > 0 or high < len(runs):
                self.model.add_linear_constraint(sum(runs), low, high).only_enforce_if(self.guard("runs", offering.id))

    def _capacity(self) -> None:
        """Rule 6: enrollment at most min(offering capacity, room capacity)."""
        for (offering_id, block), rooms in self.rooms.items():
            offering = self.index.offerings[offering_id]
            xs = self._by_session.get((offering_id, block), [])
            seats = {s: self.index.seat_limit(offering, self.index.spaces[s]) for s in rooms}
            if len(xs) > min(seats.values()):
                seated = sum(seats[s] * v for s, v in rooms.items())
                self.model.add(sum(xs) <= seated).only_enforce_if(self.guard("capacity", offering_id))

    def _minimum(self) -> None:
        """Rule 6: enrollment at least min_students when the session runs."""
        for (offering_id, block), run in self.run.items():
            low = self.index.offerings[offering_id].min_students
            if low > 1:
                xs = self._by_session.get((offering_id, block), [])
                self.model.add(sum(xs) >= low * run).only_enforce_if(self.guard("minimum", offering_id))

    def _rooms(self) -> None:
        """Rule 6: a room hosts at most one session per block."""
        hosted: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        for (_, block), rooms in self.rooms.items():
            for space_id, v in rooms.items():
                hosted[(space_id, block)].append(v)
        for (space_id, _), vs in hosted.items():
            if len(vs) > 1:
                self.model.add(sum(vs) <= 1).only_enforce_if(self.guard("room", space_id))

    def _staff(self) -> None:
        """Rule 7: one session per block per staff member, at most max_sessions a week."""
        led: dict[str, dict[str, list[cp_model.IntVar]]] = defaultdict(lambda: defaultdict(list))
        for (offering_id, block), run in self.run.items():
            for staff_id in self.index.offerings[offering_id].staff:
                led[staff_id][block].append(run)
        for staff_id, blocks in led.items():
            for runs in blocks.values():
                if len(runs) > 1:
                    self.model.add(sum(runs) <= 1).only_enforce_if(self.guard("staff_once", staff_id))
            limit = self.index.staff[staff_id].max_sessions
            every = [v for runs in blocks.values() for v in runs]
            if limit is not None and len(every) > limit:
                self.model.add(sum(every) <= limit).only_enforce_if(self.guard("staff_max", staff_id))

    def _resources(self) -> None:
        """Rule 8: per_session + per_student x enrollment, plus reservations, within quantity."""
        use: dict[tuple[str, str], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for (offering_id, block), run in self.run.items():
            for item in self.index.offerings[offering_id].resources:
                if item.per_session:
                    use[(item.resource, block)].append((item.per_session, run))
                if item.per_student:
                    use[(item.resource, block)].extend(
                        (item.per_student, x) for x in self._by_session[(offering_id, block)]
                    )
        for (resource_id, block), terms in use.items():
            free = self.index.resources[resource_id].quantity - self.index.reserved_units.get((block, resource_id), 0)
            if sum(c for c, _ in terms) > free:
                literal = self.guard("resource", resource_id, block)
                self.model.add(sum(c * v for c, v in terms) <= free).only_enforce_if(literal)
        for (block, resource_id), units in self.index.reserved_units.items():
            resource = self.index.resources.get(resource_id)
            if resource is not None and units > resource.quantity:
                self.forbid(self.guard("resource", resource_id, block))

    def _avoid(self) -> None:
        """Rule 9: two students who avoid each other never share a session."""
        for pair in sorted(self.index.avoid_pairs, key=sorted):
            first, second = sorted(pair)
            for (offering_id, block), xs in self._by_session.items():
                a = self.attend.get((first, offering_id, block))
                b = self.attend.get((second, offering_id, block))
                if a is not None and b is not None and xs:
                    self.model.add_bool_or([a.Not(), b.Not()]).only_enforce_if(self.guard("avoid", first, second))

    def _locks(self) -> None:
        """Rule 10: every lock holds."""
        for lock in self.index.problem.locks:
            literal = self.guard("lock", lock.student, lock.block)
            x = self.attend.get((lock.student, lock.offering, lock.block))
            if x is None:
                self.forbid(literal)
            else:
                self.model.add_bool_or([x]).only_enforce_if(literal)

    def _requests(self) -> None:
        """Rule 10: every required request met at least once."""
        for request in self.index.problem.requests:
            if request.priority != "required":
                continue
            literal = self.guard("request", request.id)
            xs = self._by_need.get((request.student, request.offering), [])
            if xs:
                self.model.add_bool_or(xs).only_enforce_if(literal)
            else:
                self.forbid(literal)
