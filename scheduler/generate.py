"""Synthetic middle schools (grades 6-8, five flex blocks) for tests, benchmarks and demos.

``generate_school(students, seed)`` scales every part of a school with its size (30 to 5,000
students) and is deterministic per (students, seed): one ``random.Random(seed)``, no global state, no
iteration over unordered sets.

Feasibility holds by construction. While the school is generated, a *witness* plan is built next to
it, and every record that could make the school infeasible is only added when the witness still obeys
the spec's ten hard rules. The witness runs no ordinary choice session at all (``runs.min`` is 0
everywhere), only:

* Interventions. Each group is given a private set B of k blocks of its interventionist's free
  blocks (an interventionist leads at most one session per block, so the sets of their groups are
  disjoint). A group's students need at most k sessions each and their needs add up to at most
  capacity x k; listing the students' sessions round-robin over B ("wrap-around") gives every student
  distinct blocks and at most ``capacity`` students per block. Interventionists lead nothing else,
  have no reservations or session limits, and there is one small-group room (capacity >= every
  intervention's capacity, never unavailable or reserved) per interventionist, plus spares.
* Fallbacks. Study halls in fixed spaces (never unavailable or reserved) with dedicated supervisors
  (never unavailable, no reservations, no limit). Their seats add up to more than the number of
  students in every block, so everyone not otherwise placed fits. Each student is in at most one
  avoid pair and there are at least two fallbacks, so the two sides of a pair sit in different ones.
* Locks and required teacher requests. A lock names a fallback, or a choice offering with
  ``min_students`` 1 that the student ranked; a required request names such an offering ("Math Help
  Lab", "Writing Center", ...) led by the requesting teacher. Each is added only if the witness can
  open (or join) that session in a block where the student is free: allowed block, teachers free,
  under ``runs.max`` and ``max_sessions``, a fitting unused space, enough resources. A student gets at
  most one of them, and students with needs only get them in blocks their interventions leave free.
* Student unavailability only removes a block the witness does not use for the student's needs.
* Avoid pairs join students who share no intervention and no witness session.
* Reservations come last, by teachers who lead no session of the witness in that block, on spaces the
  witness leaves unused (never a small-group room or a fallback's space) and on resource units the
  witness leaves free.

``build_school`` returns the witness with the problem, and ``witness_violations`` writes a witness as
a plan and runs the plan checker (``domain.checker``) on it, independently of how it was made, so
tests can confirm the argument.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from scheduler.domain.checker import check_plan
from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import parse_problem
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.domain.rules import Rule
from scheduler.solver.plan_writer import build_assignments, build_sessions

BLOCKS = (("mon", "Mon"), ("tue", "Tue"), ("wed", "Wed"), ("thu", "Thu"), ("fri", "Fri"))
BLOCK_IDS = tuple(b for b, _ in BLOCKS)
GRADES = (6, 7, 8)
PATHWAYS = ("stem", "arts", "humanities", "wellness", "service", "careers")

TIER2_SHARE = 0.15
TIER3_SHARE = 0.05
CHOICE_SEATS_PER_STUDENT = 1.1  # choice seats per block, per student
FALLBACK_SEATS_PER_STUDENT = 1.1  # fallback seats per block, per student (plus a few)
ZIPF_EXPONENT = 0.8  # popularity of the r-th most popular offering ~ 1 / r**0.8

# ---- catalog ---------------------------------------------------------------------------------
# (title, pathway, needed feature or "", resource uses "cb" chromebook per student, "vr" VR kit per
# student, "3dN" N 3D printers per session; comma-separated), grades or None.
Course = tuple[str, str, str, str, tuple[int, ...] | None]

CATALOG: tuple[Course, ...] = (
    ("Robotics Studio", "stem", "makerspace", "3d1", None),
    ("3D Design and Printing", "stem", "makerspace", "3d2,cb", None),
    ("Coding Club", "stem", "", "cb", None),
    ("App Design", "stem", "", "cb", None),
    ("Game Design", "stem", "", "cb", None),
    ("Kitchen Chemistry", "stem", "lab", "", None),
    ("Forensic Science", "stem", "lab", "", None),
    ("Rocketry", "stem", "makerspace", "", None),
    ("Engineering Challenge", "stem", "makerspace", "", None),
    ("Math Olympiad", "stem", "", "", (7, 8)),
    ("Astronomy Explorers", "stem", "", "vr", None),
    ("Virtual Reality Science", "stem", "", "vr", None),
    ("Environmental Science Lab", "stem", "lab", "", None),
    ("Cardboard Engineering", "stem", "makerspace", "", (6,)),
    ("Math Games", "stem", "", "", (6, 7)),
    ("Biology Investigations", "stem", "lab", "", None),
    ("Electric Circuits", "stem", "lab", "", None),
    ("Data Detectives", "stem", "", "cb", None),
    ("Science Olympiad Prep", "stem", "lab", "", (7, 8)),
    ("Bridge Building", "stem", "makerspace", "", None),
    ("Cyber Security Basics", "stem", "", "cb", (8,)),
    ("Drawing Studio", "arts", "art", "", None),
    ("Ceramics", "arts", "art", "", None),
    ("Watercolor Painting", "arts", "art", "", None),
    ("Choir", "arts", "music", "", None),
    ("Guitar Club", "arts", "music", "", None),
    ("Drum Circle", "arts", "music", "", None),
    ("Drama Club", "arts", "", "", None),
    ("Digital Photography", "arts", "", "cb", None),
    ("Film Making", "arts", "", "cb", None),
    ("Comic Book Art", "arts", "art", "", None),
    ("Jazz Band", "arts", "music", "", (7, 8)),
    ("Printmaking", "arts", "art", "", None),
    ("Dance Crew", "arts", "gym", "", None),
    ("Stage Crew", "arts", "", "", None),
    ("Stop-Motion Animation", "arts", "", "cb", None),
    ("Fiber Arts", "arts", "", "", None),
    ("Improv Theater", "arts", "", "", None),
    ("Ukulele for Beginners", "arts", "music", "", (6,)),
    ("Debate Club", "humanities", "", "", None),
    ("Creative Writing", "humanities", "", "", None),
    ("Book Club", "humanities", "", "", None),
    ("Model United Nations", "humanities", "", "cb", (7, 8)),
    ("Podcast Studio", "humanities", "", "cb", None),
    ("History Mysteries", "humanities", "", "", None),
    ("Poetry Slam", "humanities", "", "", None),
    ("Spanish Conversation", "humanities", "", "", None),
    ("Greek Mythology", "humanities", "", "", None),
    ("Mock Trial", "humanities", "", "", (8,)),
    ("Journalism", "humanities", "", "cb", None),
    ("Chess Club", "humanities", "", "", None),
    ("Ancient Worlds in VR", "humanities", "", "vr", None),
    ("Current Events Cafe", "humanities", "", "", None),
    ("Sign Language Basics", "humanities", "", "", None),
    ("Graphic Novel Club", "humanities", "", "", None),
    ("Yoga and Mindfulness", "wellness", "", "", None),
    ("Pickleball", "wellness", "gym", "", None),
    ("Basketball Skills", "wellness", "gym", "", None),
    ("Volleyball", "wellness", "gym", "", None),
    ("Walking Club", "wellness", "", "", None),
    ("Fitness Circuit", "wellness", "gym", "", None),
    ("Board Games and Social Skills", "wellness", "", "", None),
    ("Nutrition Lab", "wellness", "lab", "", None),
    ("Dance Fitness", "wellness", "gym", "", None),
    ("Stress Less Study Skills", "wellness", "", "", None),
    ("Ultimate Frisbee", "wellness", "gym", "", None),
    ("Jump Rope Team", "wellness", "gym", "", (6, 7)),
    ("Letters to Seniors", "service", "", "", None),
    ("School Ambassadors", "service", "", "", (7, 8)),
    ("Garden Club", "service", "", "", None),
    ("Recycling Crew", "service", "", "", None),
    ("Peer Tutoring", "service", "", "", (8,)),
    ("Food Drive Planning", "service", "", "", None),
    ("Animal Shelter Crafts", "service", "art", "", None),
    ("Community Mural", "service", "art", "", None),
    ("Student Council", "service", "", "", None),
    ("Kindness Crew", "service", "", "", None),
    ("Library Helpers", "service", "", "", None),
    ("Buddy Readers", "service", "", "", (7, 8)),
    ("Health Careers", "careers", "", "", None),
    ("Entrepreneurship Lab", "careers", "", "cb", None),
    ("Financial Literacy", "careers", "", "cb", None),
    ("Architecture and Design", "careers", "makerspace", "cb", None),
    ("Culinary Careers", "careers", "lab", "", None),
    ("Law and Justice", "careers", "", "", None),
    ("Careers in Tech", "careers", "", "cb", None),
    ("Aviation Careers", "careers", "", "vr", None),
    ("Engineering Careers", "careers", "makerspace", "", None),
    ("Marketing Lab", "careers", "", "cb", None),
    ("Veterinary Science", "careers", "lab", "", None),
    ("Trades Exploration", "careers", "makerspace", "3d1", None),
    ("High School Pathways", "careers", "", "", (8,)),
)

# Choice offerings teachers pull students into (make-up work, check-ins): min_students 1, so a
# single locked or requested student can always run them.
SUPPORT: tuple[Course, ...] = (
    ("Math Help Lab", "stem", "", "", None),
    ("Writing Center", "humanities", "", "", None),
    ("Science Make-up Lab", "stem", "lab", "", None),
    ("Homework Help", "humanities", "", "", None),
    ("Reading Lounge", "humanities", "", "", None),
    ("Art Catch-up Studio", "arts", "art", "", None),
    ("Test Retake Room", "careers", "", "", None),
    ("Counselor Check-in Circle", "wellness", "", "", None),
)

FIRST_NAMES = (  # noqa: SIM905
    "Aaliyah Aiden Alex Amara Ana Ben Caleb Camila Chloe Daria Diego Eli Elena Emma Ethan Fatima Gabe "
    "Grace Hana Isaac Jamal Jordan Kai Kofi Layla Leo Liam Lucia Maya Mateo Mia Nadia Noah Nora Omar "
    "Owen Priya Quinn Rosa Ryan Sam Sofia Tara Theo Uma Vera Wes Yara Yusuf Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Adams Ahmed Anderson Bell Brooks Chen Cooper Diaz Evans Fischer Garcia Gupta Hill Howard Ibrahim "
    "Jackson Kim Kowalski Lee Lewis Lopez Martin Moore Morgan Nelson Nguyen Novak Okafor Ortiz Parker "
    "Patel Perez Reyes Roberts Rossi Sato Schmidt Silva Singh Smith Tanaka Taylor Thompson Tran Walker "
    "White Williams Wilson Wright Young"
).split()
SCHOOL_NAMES = (
    "Cedar Hollow",
    "Maple Ridge",
    "Lakeview",
    "Pine Crest",
    "Willow Creek",
    "Oak Park",
    "Stone Bridge",
    "Harbor View",
)

# Fallback spaces in the order a school opens them: (id, name, features, share of the seats).
FALLBACK_SPACES = (
    ("cafeteria", "Cafeteria", [], 1.4),
    ("library", "Library", ["quiet"], 0.8),
    ("auditorium", "Auditorium", [], 1.2),
    ("commons", "Commons", [], 1.0),
)
# Special rooms: (feature, id prefix, name, students per room, capacity range).
SPECIAL_ROOMS = (
    ("makerspace", "maker", "Makerspace", 350, (24, 28)),
    ("lab", "lab", "Science Lab", 200, (26, 30)),
    ("art", "art", "Art Room", 300, (24, 28)),
    ("music", "music", "Music Room", 550, (30, 40)),
    ("gym", "gym", "Gym", 700, (60, 80)),
)
SMALL_GROUP_CAPACITY = (8, 10)  # never below the largest intervention capacity (8)


# ---- witness ---------------------------------------------------------------------------------
@dataclass
class Witness:
    """A plan that keeps every hard rule: who attends what, and which room each session uses."""

    placements: dict[tuple[str, str], str] = field(default_factory=dict)  # (student, block) -> offering
    spaces: dict[tuple[str, str], str] = field(default_factory=dict)  # (offering, block) -> space

    def sessions(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for (student, block), offering in self.placements.items():
            out[(offering, block)].append(student)
        return dict(out)


@dataclass
class GeneratedSchool:
    problem: Problem
    witness: Witness
    data: dict[str, Any]  # the problem as JSON data, in the generator's field order (for writing fixtures)


def generate_school(
    students: int,
    seed: int = 0,
    *,
    school_id: str | None = None,
    name: str | None = None,
    week_start: dt.date = dt.date(2026, 11, 30),
    timezone: str = "America/Chicago",
) -> Problem:
    """A validated, feasible middle school of ``students`` students; the same for the same seed.

    Blocks ``mon``..``fri`` fall in the week of ``week_start`` (moved back to its Monday).
    """
    return build_school(
        students, seed, school_id=school_id, name=name, week_start=week_start, timezone=timezone
    ).problem


def build_school(
    students: int,
    seed: int = 0,
    *,
    school_id: str | None = None,
    name: str | None = None,
    week_start: dt.date = dt.date(2026, 11, 30),
    timezone: str = "America/Chicago",
) -> GeneratedSchool:
    """Like ``generate_school``, also returning the witness plan that proves the school feasible."""
    if students < 1:
        raise ValueError("a school needs at least one student")
    builder = _Builder(students, random.Random(seed))
    data = builder.build(school_id or f"gen-{students}-{seed}", name, week_start, timezone)
    return GeneratedSchool(parse_problem(data), builder.witness, data)


def choice_seats_per_block(problem: Problem) -> float:
    """Seats of choice offerings per block if every one ran ``runs.max`` times: sum(cap x runs) / blocks."""
    index = ProblemIndex(problem)
    seats = sum(
        o.capacity * min(index.runs_max(o), len(index.allowed_blocks(o)))
        for o in problem.offerings
        if o.kind == "choice"
    )
    return seats / len(problem.blocks)


# ---- the builder -----------------------------------------------------------------------------
class _Builder:
    """Builds the problem as plain JSON data and its witness, step by step (see the module doc)."""

    def __init__(self, n: int, rng: random.Random) -> None:
        self.n = n
        self.rng = rng
        self.witness = Witness()
        self.spaces: list[dict[str, Any]] = []
        self.resources: list[dict[str, Any]] = []
        self.staff: list[dict[str, Any]] = []
        self.offerings: list[dict[str, Any]] = []
        self.students: list[dict[str, Any]] = []
        self.reservations: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.locks: list[dict[str, Any]] = []
        self._staff_by_id: dict[str, dict[str, Any]] = {}
        self._offering_by_id: dict[str, dict[str, Any]] = {}
        self._space_by_id: dict[str, dict[str, Any]] = {}
        self._quantity: dict[str, int] = {}
        self._used_ids: set[str] = set()
        self._used_emails: set[str] = set()
        # witness bookkeeping
        self._staff_busy: set[tuple[str, str]] = set()
        self._staff_sessions: Counter[str] = Counter()
        self._space_busy: set[tuple[str, str]] = set()
        self._units: Counter[tuple[str, str]] = Counter()  # (block, resource) -> used or reserved
        self._runs: Counter[str] = Counter()
        self._fixed_slot: set[str] = set()  # students with a lock or a required request
        self._interventionists: list[dict[str, Any]] = []
        self._teachers: list[str] = []
        self._support: list[str] = []
        self._fallbacks: list[dict[str, Any]] = []
        self._n_fallback = 0
        self._rooms: list[dict[str, Any]] = []  # classrooms and special rooms: never fallback or small-group
        self._tier: dict[int, tuple[str, str, int]] = {}  # student index -> (tier, subject, sessions)
        self._course_of: dict[str, str] = {}  # offering id -> catalog title (sections share popularity)
        self._domain = "example.org"

    # ---- top level ---------------------------------------------------------------------------
    def build(self, school_id: str, name: str | None, week_start: dt.date, timezone: str) -> dict[str, Any]:
        self._domain = f"{school_id}.example.org"
        name = name or f"{self.rng.choice(SCHOOL_NAMES)} Middle School"
        monday = week_start - dt.timedelta(days=week_start.weekday())
        blocks = [
            {
                "id": bid,
                "date": (monday + dt.timedelta(days=i)).isoformat(),
                "start": "10:00",
                "end": "10:45",
                "label": f"{label} flex",
            }
            for i, (bid, label) in enumerate(BLOCKS)
        ]
        self._make_students()
        self._make_interventions()
        self._make_spaces()
        self._make_resources()
        self._make_choice_offerings()
        self._make_fallbacks()
        self._assign_choices()
        self._make_unavailability()
        self._make_locks_and_requests()
        self._make_avoid_pairs()
        self._fill_fallbacks()
        self._make_reservations()
        return {
            "format": "flexblock/v1",
            "school": {"id": school_id, "name": name, "timezone": timezone},
            "blocks": blocks,
            "spaces": self.spaces,
            "resources": self.resources,
            "staff": self.staff,
            "offerings": self.offerings,
            "students": self.students,
            "reservations": self.reservations,
            "requests": self.requests,
            "locks": self.locks,
            "previous": [],
            "policy": {},
        }

    # ---- small helpers -----------------------------------------------------------------------
    def _scaled(self, per: float, minimum: int = 1) -> int:
        return max(minimum, round(self.n / per))

    def _person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def _unique(self, base: str) -> str:
        candidate, k = base, 2
        while candidate in self._used_ids:
            candidate, k = f"{base}-{k}", k + 1
        self._used_ids.add(candidate)
        return candidate

    def _add_staff(self, prefix: str, *, unavailable: list[str] | None = None, max_sessions: int | None = None) -> str:
        first, last = self._person()
        sid = self._unique(f"{prefix}-{last.lower()}")
        email = f"{first[0]}{last}".lower()
        k = 2
        while email in self._used_emails:
            email, k = f"{first[0]}{last}{k}".lower(), k + 1
        self._used_emails.add(email)
        member = {
            "id": sid,
            "name": f"{first} {last}",
            "email": f"{email}@{self._domain}",
            "unavailable": unavailable or [],
            "max_sessions": max_sessions,
        }
        self.staff.append(member)
        self._staff_by_id[sid] = member
        return sid

    def _add_space(self, sid: str, name: str, capacity: int, features: list[str], unavailable: list[str]) -> None:
        space = {"id": sid, "name": name, "capacity": capacity, "features": features, "unavailable": unavailable}
        self.spaces.append(space)
        self._space_by_id[sid] = space

    def _add_offering(self, offering: dict[str, Any]) -> None:
        self.offerings.append(offering)
        self._offering_by_id[offering["id"]] = offering

    # ---- students and their needs --------------------------------------------------------------
    def _make_students(self) -> None:
        width = max(4, len(str(self.n)))
        for i in range(1, self.n + 1):
            first, last = self._person()
            self.students.append(
                {
                    "id": f"s-{i:0{width}d}",
                    "name": f"{first} {last}",
                    "grade": GRADES[(i - 1) % 3] if i <= 3 else self.rng.choice(GRADES),
                    "choices": [],
                    "needs": [],
                    "unavailable": [],
                    "avoid": [],
                }
            )
        order = list(range(self.n))
        self.rng.shuffle(order)
        n3, n2 = round(self.n * TIER3_SHARE), round(self.n * TIER2_SHARE)
        for k, i in enumerate(order[: n3 + n2]):
            subject = "reading" if self.rng.random() < 0.55 else "math"
            tier, sessions = ("t3", 3) if k < n3 else ("t2", self.rng.choice((1, 2)))
            self._tier[i] = (tier, subject, sessions)

    def _make_interventions(self) -> None:
        """Groups with private witness blocks, packed first-fit onto interventionists (module doc)."""
        groups: list[tuple[str, str, int, int, list[int]]] = []  # tier, subject, capacity, k blocks, members
        for tier, subject in (("t3", "reading"), ("t3", "math"), ("t2", "reading"), ("t2", "math")):
            queue = sorted(
                (i for i, (t, s, _) in self._tier.items() if (t, s) == (tier, subject)),
                key=lambda i: (self.students[i]["grade"], i),
            )
            while queue:
                groups.append(self._next_group(tier, subject, queue))
        counters: Counter[tuple[str, str]] = Counter()
        free: list[list[str]] = []  # per interventionist: free blocks not yet given to a group
        for tier, subject, capacity, k, members in sorted(groups, key=lambda g: -g[3]):
            slot = next((j for j, blocks in enumerate(free) if len(blocks) >= k), None)
            if slot is None:
                away = [self.rng.choice(BLOCK_IDS)] if k <= 4 and self.rng.random() < 0.25 else []
                self._interventionists.append(self._staff_by_id[self._add_staff("i", unavailable=away)])
                free.append([b for b in BLOCK_IDS if b not in away])
                slot = len(free) - 1
            chosen = sorted(self.rng.sample(free[slot], k), key=BLOCK_IDS.index)
            free[slot] = [b for b in free[slot] if b not in chosen]
            counters[(tier, subject)] += 1
            oid = f"{subject}-{tier}-{counters[(tier, subject)]}"
            grades = sorted({self.students[i]["grade"] for i in members})
            self._add_offering(
                {
                    "id": oid,
                    "title": f"{subject.title()} Intervention Tier {tier[1]}, group {counters[(tier, subject)]}",
                    "pathway": None,
                    "kind": "intervention",
                    "staff": [self._interventionists[slot]["id"]],
                    "capacity": capacity,
                    "min_students": 1,
                    "needs_features": ["small-group"],
                    "grades": grades,
                }
            )
            self._place_need_sessions(oid, slot, chosen, members)

    def _next_group(self, tier: str, subject: str, queue: list[int]) -> tuple[str, str, int, int, list[int]]:
        """Take students off ``queue`` while their needs fit in capacity x k (k blocks of the group).

        Tier 3 members need 3 sessions, so k >= 3; tier 2 groups are kept at 85% of their seats.
        The last group of a queue gets the fewest blocks that still hold it.
        """
        rng = self.rng
        if tier == "t3":
            capacity, k, fill, smallest = rng.randint(4, 6), rng.choice((3, 3, 4, 5)), 1.0, 3
        else:
            capacity, k, fill, smallest = rng.randint(6, 8), rng.choice((2, 3)), 0.85, 2
        rest = sum(self._tier[i][2] for i in queue)
        if rest <= math.floor(capacity * k * fill):
            k = max(smallest, math.ceil(rest / (capacity * fill)))
        members, load = [], 0
        while queue and load + self._tier[queue[0]][2] <= math.floor(capacity * k * fill):
            load += self._tier[queue[0]][2]
            members.append(queue.pop(0))
        return tier, subject, capacity, k, members

    def _place_need_sessions(self, oid: str, slot: int, blocks: list[str], members: list[int]) -> None:
        position = 0
        for i in members:
            student = self.students[i]
            sessions = self._tier[i][2]
            student["needs"].append({"offering": oid, "sessions": sessions})
            for j in range(sessions):
                block = blocks[(position + j) % len(blocks)]
                self.witness.placements[(student["id"], block)] = oid
            position += sessions
        staff = self._interventionists[slot]["id"]
        for block in blocks:
            self.witness.spaces[(oid, block)] = f"sg-{slot + 1}"
            self._space_busy.add((f"sg-{slot + 1}", block))
            self._staff_busy.add((staff, block))
            self._staff_sessions[staff] += 1

    # ---- rooms and equipment -------------------------------------------------------------------
    def _make_spaces(self) -> None:
        target = max(10, round(self.n / 11))
        seats = math.ceil(self.n * FALLBACK_SEATS_PER_STUDENT) + 10
        n_fallback = self._n_fallback = max(2, math.ceil(seats / 300))
        shares = [FALLBACK_SPACES[i % len(FALLBACK_SPACES)][3] for i in range(n_fallback)]
        for i in range(n_fallback):
            sid, label, features, share = FALLBACK_SPACES[i % len(FALLBACK_SPACES)]
            rank = i // len(FALLBACK_SPACES) + 1
            capacity = math.ceil(seats * share / sum(shares))
            suffix = f"-{rank}" if rank > 1 else ""
            self._add_space(sid + suffix, label + (f" {rank}" if rank > 1 else ""), capacity, list(features), [])
        n_small = len(self._interventionists) + max(1, len(self._interventionists) // 6)
        for i in range(1, n_small + 1):
            self._add_space(
                f"sg-{i}", f"Small Group Room {i}", self.rng.randint(*SMALL_GROUP_CAPACITY), ["small-group"], []
            )
        rooms = 0
        for feature, prefix, label, per, (lo, hi) in SPECIAL_ROOMS:
            for i in range(1, self._scaled(per) + 1):
                self._add_space(
                    f"{prefix}-{i}", f"{label} {i}", self.rng.randint(lo, hi), [feature], self._maybe_away(0.1)
                )
                self._rooms.append(self.spaces[-1])
                rooms += 1
        n_class = max(3, target - n_fallback - n_small - rooms)
        for i in range(n_class):
            number = 100 * (1 + i // 20) + 1 + i % 20
            self._add_space(f"room-{number}", f"Room {number}", self.rng.randint(26, 32), [], self._maybe_away(0.1))
            self._rooms.append(self.spaces[-1])

    def _maybe_away(self, share: float) -> list[str]:
        return [self.rng.choice(BLOCK_IDS)] if self.rng.random() < share else []

    def _make_resources(self) -> None:
        for rid, label, quantity in (
            ("chromebooks", "Chromebooks", 30 * self._scaled(120)),
            ("vr-kits", "VR headset kits", self._scaled(25, 8)),
            ("3d-printers", "3D printers", self._scaled(100, 2)),
        ):
            self.resources.append({"id": rid, "name": label, "quantity": quantity})
            self._quantity[rid] = quantity

    # ---- offerings and teachers ----------------------------------------------------------------
    def _make_choice_offerings(self) -> None:
        """Support offerings, then catalog courses (sections when reused) until seats reach the target."""
        room_caps: dict[str, list[int]] = defaultdict(list)
        for space in self.spaces:
            for feature in space["features"]:
                room_caps[feature].append(space["capacity"])
        feature_load: Counter[str] = Counter()
        seats, target = 0.0, self.n * CHOICE_SEATS_PER_STUDENT
        support = list(SUPPORT)
        self.rng.shuffle(support)
        for course in support[: min(len(SUPPORT), self._scaled(120, 2))]:
            offering = self._course_offering(course, room_caps, support=True)
            self._support.append(offering["id"])
            seats += self._seats(offering)
        courses = list(CATALOG)
        self.rng.shuffle(courses)
        sections: Counter[str] = Counter()
        attempts = 0
        while seats < target or sum(sections.values()) < 10:
            course = courses[attempts] if attempts < len(courses) else self.rng.choice(courses)
            attempts += 1
            feature = course[2]
            if feature and feature_load[feature] + 3 > 5 * len(room_caps[feature]):
                continue  # the rooms with that feature are booked out already
            accepted = sum(sections.values())
            offering = self._course_offering(
                course, room_caps, support=False, section=sections[course[0]], open_to_all=accepted < 10
            )
            sections[course[0]] += 1
            feature_load[feature] += offering["runs"]["max"]
            seats += self._seats(offering)
        self._assign_teachers()

    @staticmethod
    def _seats(offering: dict[str, Any]) -> float:
        allowed = offering["allowed_blocks"]
        return offering["capacity"] * min(offering["runs"]["max"], len(allowed)) / len(BLOCK_IDS)

    def _course_offering(
        self,
        course: Course,
        room_caps: dict[str, list[int]],
        *,
        support: bool,
        section: int = 0,
        open_to_all: bool = True,
    ) -> dict[str, Any]:
        title, pathway, feature, uses, grades = course
        rng = self.rng
        base = title.lower().replace(" and ", " ").replace(" ", "-")
        oid = self._unique(base if section == 0 else f"{base}-{_section_letter(section)}")
        self._course_of[oid] = title
        title = title if section == 0 else f"{title} (section {_section_letter(section).upper()})"
        hi = min(30, max(16, 12 + self.n // 20))
        capacity = rng.randint(12, hi) if not support else rng.randint(12, min(hi, 20))
        if feature:
            capacity = min(capacity, min(room_caps[feature]))
        if "vr" in uses.split(","):
            capacity = min(capacity, self._quantity["vr-kits"])
        if support:
            min_students, runs = 1, rng.randint(2, 3)
        else:
            min_students = rng.randint(3, min(8 if self.n >= 100 else 5, capacity // 2))
            runs = rng.randint(1, 2 if self.n < 100 else 3)
        allowed = list(BLOCK_IDS)
        if not support and rng.random() < 0.25:
            allowed = sorted(rng.sample(BLOCK_IDS, rng.randint(3, 4)), key=BLOCK_IDS.index)
        if grades is None and not support and not open_to_all and rng.random() < 0.1:
            grades = rng.choice(((6, 7), (7, 8), (8,)))
        if open_to_all:
            grades = None
        offering = {
            "id": oid,
            "title": title,
            "pathway": pathway,
            "kind": "choice",
            "staff": [],
            "capacity": capacity,
            "min_students": min_students,
            "runs": {"min": 0, "max": min(runs, len(allowed))},
            "allowed_blocks": allowed,
            "space": None,
            "needs_features": [feature] if feature else [],
            "resources": _resource_uses(uses),
            "grades": list(grades) if grades else [6, 7, 8],
            "repeatable": False,
        }
        self._add_offering(offering)
        return offering

    def _assign_teachers(self) -> None:
        """Each teacher leads offerings worth 3 to 5 sessions; some co-teach, some are away a day."""
        choice = [o for o in self.offerings if o["kind"] == "choice"]
        order = list(choice)
        self.rng.shuffle(order)
        budget, current = 0, ""
        for offering in order:
            if offering["runs"]["max"] > budget:
                away = self._maybe_away(0.1)
                limit = self.rng.randint(2, 4) if self.rng.random() < 0.15 else None
                current = self._add_staff("t", unavailable=away, max_sessions=limit)
                self._teachers.append(current)
                budget = self.rng.randint(3, 5)
            offering["staff"].append(current)
            budget -= offering["runs"]["max"]
        for offering in order:
            if self.rng.random() < 0.08 and len(self._teachers) > 1:
                partner = self.rng.choice(self._teachers)
                if partner not in offering["staff"]:
                    offering["staff"].append(partner)

    def _make_fallbacks(self) -> None:
        """One study hall per fallback space, with supervisors who do nothing else all week."""
        for space in self.spaces[: self._n_fallback]:
            supervisors = [self._add_staff("a") for _ in range(math.ceil(space["capacity"] / 150))]
            title = "Quiet Study" if "quiet" in space["features"] else "Study Hall"
            offering = {
                "id": f"study-hall-{space['id']}",
                "title": f"{title} ({space['name']})",
                "pathway": None,
                "kind": "fallback",
                "staff": supervisors,
                "capacity": space["capacity"],
                "space": space["id"],
            }
            self._add_offering(offering)
            self._fallbacks.append(offering)

    # ---- student choices ------------------------------------------------------------------------
    def _assign_choices(self) -> None:
        """5-7 distinct choices per student: Zipf-like popularity per course title, favourite pathway x2.5."""
        choice = [o for o in self.offerings if o["kind"] == "choice"]
        titles = sorted({self._course_of[o["id"]] for o in choice})
        self.rng.shuffle(titles)
        rank = {title: r for r, title in enumerate(titles, start=1)}
        popularity = [
            (0.25 if o["id"] in self._support else 1.0) / rank[self._course_of[o["id"]]] ** ZIPF_EXPONENT
            for o in choice
        ]
        tables: dict[tuple[int, str], list[float]] = {}
        for grade in GRADES:
            for favourite in PATHWAYS:
                weights = [
                    p * (2.5 if o["pathway"] == favourite else 1.0) * (grade in o["grades"])
                    for o, p in zip(choice, popularity, strict=True)
                ]
                tables[(grade, favourite)] = list(accumulate(weights))
        for student in self.students:
            cum = tables[(student["grade"], self.rng.choice(PATHWAYS))]
            want = self.rng.randint(5, 7)
            picked: list[str] = []
            while len(picked) < want:
                oid = choice[bisect_right(cum, self.rng.random() * cum[-1])]["id"]
                if oid not in picked:
                    picked.append(oid)
            student["choices"] = picked

    # ---- hard extras, each kept satisfiable by the witness ---------------------------------------
    def _free_blocks(self, student: dict[str, Any]) -> list[str]:
        return [
            b
            for b in BLOCK_IDS
            if b not in student["unavailable"] and (student["id"], b) not in self.witness.placements
        ]

    def _make_unavailability(self) -> None:
        for student in self.students:
            if self.rng.random() < 0.03:
                student["unavailable"] = [self.rng.choice(self._free_blocks(student))]

    def _make_locks_and_requests(self) -> None:
        """Locks (into a ranked support offering or a study hall) and teacher pulls, at most one per student."""
        rng = self.rng
        students = list(self.students)
        rng.shuffle(students)
        n_locks, n_required, n_preferred = self._scaled(100), self._scaled(150), self._scaled(150)
        ranked_support = [s for s in students if set(s["choices"]) & set(self._support)]
        made: Counter[str] = Counter()
        for student in ranked_support:
            if made["choice-lock"] >= (n_locks + 1) // 2:
                break
            made["choice-lock"] += self._try_choice_lock(student)
        for student in students:
            if made["lock"] + made["choice-lock"] >= n_locks and made["required"] >= n_required:
                break
            if student["id"] in self._fixed_slot or not self._free_blocks(student):
                continue
            if made["lock"] + made["choice-lock"] < n_locks:
                made["lock"] += self._lock_in_fallback(student)
            else:
                made["required"] += self._try_required_request(student)
        for _ in range(n_preferred):
            student = rng.choice(self.students)
            oid = rng.choice(student["choices"] if rng.random() < 0.5 else self._support)
            offering = self._offering_by_id[oid]
            if offering["grades"] and student["grade"] in offering["grades"]:
                self._add_request(rng.choice(offering["staff"]), student, oid, "preferred", "would benefit")

    def _try_choice_lock(self, student: dict[str, Any]) -> bool:
        oid = self.rng.choice([o for o in student["choices"] if o in self._support])
        block = self._open_or_join(student, oid)
        if block is None:
            return False
        self.locks.append({"student": student["id"], "block": block, "offering": oid})
        self._fixed_slot.add(student["id"])
        return True

    def _lock_in_fallback(self, student: dict[str, Any]) -> bool:
        block = self.rng.choice(self._free_blocks(student))
        oid = self.rng.choice(self._fallbacks)["id"]
        self.witness.placements[(student["id"], block)] = oid
        self.locks.append({"student": student["id"], "block": block, "offering": oid})
        self._fixed_slot.add(student["id"])
        return True

    def _try_required_request(self, student: dict[str, Any]) -> bool:
        oid = self.rng.choice(self._support)
        if oid in student["choices"] and self.rng.random() < 0.5:
            return False  # prefer pulls into something the student did not pick
        if self._open_or_join(student, oid) is None:
            return False
        offering = self._offering_by_id[oid]
        notes = ("quiz retake", "missing lab work", "check-in", "essay conference", "make-up test")
        self._add_request(self.rng.choice(offering["staff"]), student, oid, "required", self.rng.choice(notes))
        self._fixed_slot.add(student["id"])
        return True

    def _add_request(
        self, staff: str, student: dict[str, Any], oid: str, priority: str, note: str | None = None
    ) -> None:
        if any(r["student"] == student["id"] and r["offering"] == oid for r in self.requests):
            return
        self.requests.append(
            {
                "id": f"q-{len(self.requests) + 1}",
                "staff": staff,
                "student": student["id"],
                "offering": oid,
                "priority": priority,
                "note": note,
            }
        )

    def _open_or_join(self, student: dict[str, Any], oid: str) -> str | None:
        """Place the student in a witness session of ``oid`` in one of their free blocks, if possible."""
        offering = self._offering_by_id[oid]
        blocks = [b for b in self._free_blocks(student) if b in offering["allowed_blocks"]]
        self.rng.shuffle(blocks)
        for block in blocks:
            if (oid, block) in self.witness.spaces:
                ok = self._room_for_one_more(offering, block)
            else:
                ok = self._open_session(offering, block)
            if ok:
                self.witness.placements[(student["id"], block)] = oid
                for use in offering["resources"]:
                    self._units[(block, use["resource"])] += use["per_student"]
                return block
        return None

    def _room_for_one_more(self, offering: dict[str, Any], block: str) -> bool:
        oid = offering["id"]
        enrolled = sum(1 for (_, b), o in self.witness.placements.items() if b == block and o == oid)
        space = self._space_by_id[self.witness.spaces[(oid, block)]]
        return enrolled + 1 <= min(offering["capacity"], space["capacity"]) and self._units_fit(offering, block, 1, 0)

    def _units_fit(self, offering: dict[str, Any], block: str, students: int, sessions: int) -> bool:
        return all(
            self._units[(block, u["resource"])] + u["per_student"] * students + u["per_session"] * sessions
            <= self._quantity[u["resource"]]
            for u in offering["resources"]
        )

    def _open_session(self, offering: dict[str, Any], block: str) -> bool:
        if self._runs[offering["id"]] >= offering["runs"]["max"]:
            return False
        for sid in offering["staff"]:
            member = self._staff_by_id[sid]
            limit = member["max_sessions"]
            busy = (sid, block) in self._staff_busy or block in member["unavailable"]
            if busy or (limit is not None and self._staff_sessions[sid] >= limit):
                return False
        if not self._units_fit(offering, block, 1, 1):
            return False
        space = next(
            (
                s
                for s in self._rooms
                if set(offering["needs_features"]) <= set(s["features"])
                and block not in s["unavailable"]
                and (s["id"], block) not in self._space_busy
            ),
            None,
        )
        if space is None:
            return False
        self.witness.spaces[(offering["id"], block)] = space["id"]
        self._space_busy.add((space["id"], block))
        for sid in offering["staff"]:
            self._staff_busy.add((sid, block))
            self._staff_sessions[sid] += 1
        self._runs[offering["id"]] += 1
        for use in offering["resources"]:
            self._units[(block, use["resource"])] += use["per_session"]
        return True

    def _make_avoid_pairs(self) -> None:
        """Pairs of students (each in at most one pair) who share no intervention and no witness session."""
        rng = self.rng
        paired: set[str] = set()
        by_grade: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for student in self.students:
            by_grade[student["grade"]].append(student)
        wanted, tries = self._scaled(100), 0
        while wanted and tries < 50 * self._scaled(100):
            tries += 1
            a = rng.choice(self.students)
            b = rng.choice(by_grade[a["grade"]] if rng.random() < 0.7 else self.students)
            if a is b or a["id"] in paired or b["id"] in paired or self._share_a_session(a, b):
                continue
            a["avoid"].append(b["id"])
            if rng.random() < 0.3:
                b["avoid"].append(a["id"])
            paired.update((a["id"], b["id"]))
            wanted -= 1

    def _share_a_session(self, a: dict[str, Any], b: dict[str, Any]) -> bool:
        if {n["offering"] for n in a["needs"]} & {n["offering"] for n in b["needs"]}:
            return True
        places = self.witness.placements
        return any(
            places.get((a["id"], block)) is not None and places.get((a["id"], block)) == places.get((b["id"], block))
            for block in BLOCK_IDS
        )

    def _fill_fallbacks(self) -> None:
        """Everyone still free goes to a study hall; avoid partners first, into different halls."""
        partners: dict[str, set[str]] = defaultdict(set)
        for student in self.students:
            for other in student["avoid"]:
                partners[student["id"]].add(other)
                partners[other].add(student["id"])
        order = sorted(self.students, key=lambda s: s["id"] not in partners)
        for block in BLOCK_IDS:
            rosters: dict[str, set[str]] = {f["id"]: set() for f in self._fallbacks}
            for (student, b), oid in self.witness.placements.items():
                if b == block and oid in rosters:
                    rosters[oid].add(student)
            for student in order:
                if block in student["unavailable"] or (student["id"], block) in self.witness.placements:
                    continue
                options = [
                    f
                    for f in self._fallbacks
                    if len(rosters[f["id"]]) < f["capacity"] and not rosters[f["id"]] & partners[student["id"]]
                ]
                if not options:  # cannot happen: seats > students, two halls, one partner at most
                    raise RuntimeError(f"no study hall left for {student['id']} in {block}")
                best = max(options, key=lambda f: f["capacity"] - len(rosters[f["id"]]))
                rosters[best["id"]].add(student["id"])
                self.witness.placements[(student["id"], block)] = best["id"]
            for oid, roster in rosters.items():
                if roster:
                    self.witness.spaces[(oid, block)] = self._offering_by_id[oid]["space"]

    def _make_reservations(self) -> None:
        """Teachers hold rooms or equipment in blocks where the witness leaves them and the room idle."""
        rng = self.rng
        rooms = self._rooms
        notes = 0
        for _ in range(10 * self._scaled(150)):
            if notes >= self._scaled(150):
                break
            teacher, block = rng.choice(self._teachers), rng.choice(BLOCK_IDS)
            member = self._staff_by_id[teacher]
            if (teacher, block) in self._staff_busy or block in member["unavailable"]:
                continue
            reservation: dict[str, Any] = {"id": f"r-{notes + 1}", "staff": teacher, "block": block}
            if rng.random() < 0.7:
                free = [s for s in rooms if block not in s["unavailable"] and (s["id"], block) not in self._space_busy]
                if free:
                    reservation["space"] = rng.choice(free)["id"]
            if rng.random() < 0.6 or "space" not in reservation:
                rid = rng.choice([r["id"] for r in self.resources])
                spare = self._quantity[rid] - self._units[(block, rid)]
                want = {"chromebooks": 30, "vr-kits": rng.randint(4, 10), "3d-printers": 1}[rid]
                if spare >= 1:
                    reservation["resources"] = {rid: min(spare, want)}
            if "space" not in reservation and "resources" not in reservation:
                continue
            if "space" in reservation:
                self._space_busy.add((reservation["space"], block))
            for rid, units in reservation.get("resources", {}).items():
                self._units[(block, rid)] += units
            self._staff_busy.add((teacher, block))
            self.reservations.append(reservation)
            notes += 1


def _section_letter(section: int) -> str:
    return chr(ord("a") + section) if section < 26 else str(section + 1)


def _resource_uses(codes: str) -> list[dict[str, Any]]:
    uses = []
    for code in filter(None, codes.split(",")):
        if code == "cb":
            uses.append({"resource": "chromebooks", "per_student": 1, "per_session": 0})
        elif code == "vr":
            uses.append({"resource": "vr-kits", "per_student": 1, "per_session": 0})
        else:
            uses.append({"resource": "3d-printers", "per_student": 0, "per_session": int(code[2:])})
    return uses


# ---- independent check of a witness ------------------------------------------------------------
_RULE_NUMBER = {rule: number for number, rule in enumerate(Rule, start=1)}


def witness_plan(problem: Problem, witness: Witness) -> Plan:
    """The witness written as the spec's plan (sessions, rosters, assignments), without cost or metrics."""
    index = ProblemIndex(problem)
    return Plan(
        school=problem.school.id,
        status="feasible",
        sessions=build_sessions(index, witness.placements, witness.spaces),
        assignments=build_assignments(index, witness.placements),
    )


def witness_violations(problem: Problem, witness: Witness) -> list[str]:
    """Every way ``witness`` breaks one of the spec's ten hard rules (empty when it keeps them all).

    The judge is the plan checker (``domain.checker``), so the generator's feasibility argument is
    confirmed by the same code that judges the engine. Each line reads "N: message", N the rule number.
    """
    return [f"{_RULE_NUMBER[v.rule]}: {v.message}" for v in check_plan(problem, witness_plan(problem, witness))]
