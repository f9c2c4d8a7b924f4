"""The school under construction: its records as plain JSON data, and the witness's bookkeeping.

Every stage of the generator (``people``, ``rooms``, ``offerings``, ...) reads and extends one
``Draft``. The bookkeeping (who leads what when, which rooms and resource units the witness uses)
is what lets a stage add a record only when the witness still keeps every hard rule.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from scheduler.generate.catalog import FIRST_NAMES, LAST_NAMES, week_blocks
from scheduler.generate.shape import Shape
from scheduler.generate.witness import Witness

Record = dict[str, Any]


class Draft:
    """Records, lookups and witness bookkeeping shared by the generator's stages."""

    def __init__(self, n: int, rng: random.Random, shape: Shape, week_start: dt.date) -> None:
        self.n = n
        self.rng = rng
        self.shape = shape
        self.blocks: list[Record] = week_blocks(shape.blocks, week_start)
        self.block_ids: tuple[str, ...] = tuple(b["id"] for b in self.blocks)
        self.witness = Witness()
        self.spaces: list[Record] = []
        self.resources: list[Record] = []
        self.staff: list[Record] = []
        self.offerings: list[Record] = []
        self.students: list[Record] = []
        self.reservations: list[Record] = []
        self.requests: list[Record] = []
        self.locks: list[Record] = []
        self.staff_by_id: dict[str, Record] = {}
        self.offering_by_id: dict[str, Record] = {}
        self.space_by_id: dict[str, Record] = {}
        self.quantity: dict[str, int] = {}
        self._used_ids: set[str] = set()
        self._used_emails: set[str] = set()
        self.domain = "example.org"
        # witness bookkeeping
        self.staff_busy: set[tuple[str, str]] = set()
        self.staff_sessions: Counter[str] = Counter()
        self.space_busy: set[tuple[str, str]] = set()
        self.units: Counter[tuple[str, str]] = Counter()  # (block, resource) -> used or reserved
        self.runs: Counter[str] = Counter()
        self.fixed_slot: set[str] = set()  # students with a lock or a required request
        # what the stages tell each other
        self.interventionists: list[Record] = []
        self.teachers: list[str] = []
        self.support: list[str] = []
        self.fallbacks: list[Record] = []
        self.n_fallback = 0
        self.rooms: list[Record] = []  # classrooms and special rooms: never fallback or small-group
        self.tier: dict[int, tuple[str, str, int]] = {}  # student index -> (tier, subject, sessions)
        self.group_blocks: dict[str, list[str]] = {}  # intervention -> its private witness blocks
        self.course_of: dict[str, str] = {}  # offering id -> catalog title (sections share popularity)
        self.fallback_growth = 0  # seats the seated witness had to add to the halls (0 when all went well)

    # ---- sizes and names -------------------------------------------------------------------------
    def scaled(self, per: float, minimum: int = 1) -> int:
        """One per ``per`` students, at least ``minimum``."""
        return max(minimum, round(self.n / per))

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def unique(self, base: str) -> str:
        candidate, k = base, 2
        while candidate in self._used_ids:
            candidate, k = f"{base}-{k}", k + 1
        self._used_ids.add(candidate)
        return candidate

    def maybe_away(self, share: float) -> list[str]:
        """One block away with probability ``share``."""
        return [self.rng.choice(self.block_ids)] if self.rng.random() < share else []

    def part_time(self, most: int) -> list[str] | None:
        """Blocks a part-time member is away (at most ``most``), or None for a full-time one.

        Draws nothing when the shape has no part-time staff, so the original schools stay the same.
        """
        low, high = self.shape.part_time_blocks
        if not self.shape.part_time_share or most < 1 or self.rng.random() >= self.shape.part_time_share:
            return None
        count = self.rng.randint(min(low, most), min(high, most))
        return sorted(self.rng.sample(self.block_ids, count), key=self.block_ids.index)

    # ---- records ---------------------------------------------------------------------------------
    def add_staff(self, prefix: str, *, unavailable: list[str] | None = None, max_sessions: int | None = None) -> str:
        first, last = self.person()
        sid = self.unique(f"{prefix}-{last.lower()}")
        email = f"{first[0]}{last}".lower()
        k = 2
        while email in self._used_emails:
            email, k = f"{first[0]}{last}{k}".lower(), k + 1
        self._used_emails.add(email)
        member = {
            "id": sid,
            "name": f"{first} {last}",
            "email": f"{email}@{self.domain}",
            "unavailable": unavailable or [],
            "max_sessions": max_sessions,
        }
        self.staff.append(member)
        self.staff_by_id[sid] = member
        return sid

    def add_space(self, sid: str, name: str, capacity: int, features: list[str], unavailable: list[str]) -> None:
        space = {"id": sid, "name": name, "capacity": capacity, "features": features, "unavailable": unavailable}
        self.spaces.append(space)
        self.space_by_id[sid] = space

    def add_offering(self, offering: Record) -> None:
        self.offerings.append(offering)
        self.offering_by_id[offering["id"]] = offering

    def add_request(self, staff: str, student: Record, oid: str, priority: str, note: str | None = None) -> None:
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

    # ---- witness facts ---------------------------------------------------------------------------
    def free_blocks(self, student: Record) -> list[str]:
        """Blocks the student is available in and the witness has not placed them yet."""
        return [
            b
            for b in self.block_ids
            if b not in student["unavailable"] and (student["id"], b) not in self.witness.placements
        ]

    def staff_can_lead(self, offering: Record, block: str) -> bool:
        """Rule 7 for one more session: every teacher free in the block and under max_sessions."""
        for sid in offering["staff"]:
            member = self.staff_by_id[sid]
            limit = member["max_sessions"]
            busy = (sid, block) in self.staff_busy or block in member["unavailable"]
            if busy or (limit is not None and self.staff_sessions[sid] >= limit):
                return False
        return True

    def units_fit(self, offering: Record, block: str, students: int, sessions: int) -> bool:
        """Rule 8: ``students`` more attendees and ``sessions`` more sessions stay within every resource."""
        return all(
            self.units[(block, u["resource"])] + u["per_student"] * students + u["per_session"] * sessions
            <= self.quantity[u["resource"]]
            for u in offering["resources"]
        )

    def fitting_rooms(self, offering: Record, block: str) -> list[Record]:
        """Rooms the witness may still give the offering in the block (rule 6)."""
        return [
            s
            for s in self.rooms
            if set(offering["needs_features"]) <= set(s["features"])
            and block not in s["unavailable"]
            and (s["id"], block) not in self.space_busy
        ]

    def book_session(self, offering: Record, block: str, space: str) -> None:
        """Record a witness session: its room, its teachers' time, its run and per-session units."""
        self.witness.spaces[(offering["id"], block)] = space
        self.space_busy.add((space, block))
        for sid in offering["staff"]:
            self.staff_busy.add((sid, block))
            self.staff_sessions[sid] += 1
        self.runs[offering["id"]] += 1
        for use in offering["resources"]:
            self.units[(block, use["resource"])] += use["per_session"]

    def unbook_session(self, offering: Record, block: str) -> None:
        """Undo ``book_session`` (a session the witness could not fill)."""
        space = self.witness.spaces.pop((offering["id"], block))
        self.space_busy.discard((space, block))
        for sid in offering["staff"]:
            self.staff_busy.discard((sid, block))
            self.staff_sessions[sid] -= 1
        self.runs[offering["id"]] -= 1
        for use in offering["resources"]:
            self.units[(block, use["resource"])] -= use["per_session"]

    def open_session(self, offering: Record, block: str) -> bool:
        """Open a witness session in the first free fitting room, if every rule allows one more."""
        if self.runs[offering["id"]] >= offering["runs"]["max"] or not self.staff_can_lead(offering, block):
            return False
        if not self.units_fit(offering, block, 1, 1):
            return False
        rooms = self.fitting_rooms(offering, block)
        if not rooms:
            return False
        self.book_session(offering, block, rooms[0]["id"])
        return True

    def room_for_one_more(self, offering: Record, block: str) -> bool:
        oid = offering["id"]
        enrolled = sum(1 for (_, b), o in self.witness.placements.items() if b == block and o == oid)
        space = self.space_by_id[self.witness.spaces[(oid, block)]]
        return enrolled + 1 <= min(offering["capacity"], space["capacity"]) and self.units_fit(offering, block, 1, 0)

    def open_or_join(self, student: Record, oid: str) -> str | None:
        """Place the student in a witness session of ``oid`` in one of their free blocks, if possible."""
        offering = self.offering_by_id[oid]
        blocks = [b for b in self.free_blocks(student) if b in offering["allowed_blocks"]]
        self.rng.shuffle(blocks)
        for block in blocks:
            if (oid, block) in self.witness.spaces:
                ok = self.room_for_one_more(offering, block)
            else:
                ok = self.open_session(offering, block)
            if ok:
                self.witness.placements[(student["id"], block)] = oid
                for use in offering["resources"]:
                    self.units[(block, use["resource"])] += use["per_student"]
                return block
        return None

    # ---- the result ------------------------------------------------------------------------------
    def problem_data(self, school: Record) -> Record:
        """The problem as JSON data, in the generator's field order."""
        return {
            "format": "flexblock/v1",
            "school": school,
            "blocks": self.blocks,
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
