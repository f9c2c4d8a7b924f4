"""Rooms, shared equipment and study halls.

Study halls are the fallbacks: fixed spaces, never unavailable or reserved, with supervisors who do
nothing else all week (never unavailable, no reservations, no limit). With loose seats their seats
add up to more than the students in every block, so everyone not otherwise placed fits; with tight
seats they hold ``fallback_seats_per_student`` of the students and the seated witness puts the rest
in choice sessions. Small-group rooms (one per interventionist, plus spares) are never unavailable
or reserved either, and seat at least the largest intervention group.
"""

from __future__ import annotations

import math

from scheduler.generate.catalog import FALLBACK_SPACES, SPECIAL_ROOMS
from scheduler.generate.state import Draft


def make_spaces(d: Draft) -> None:
    """Study halls, small-group rooms, special rooms, then classrooms up to the school's room count."""
    shape = d.shape
    target = max(10, round(d.n / shape.students_per_space))
    seats = math.ceil(d.n * shape.fallback_seats_per_student) + shape.fallback_spare_seats
    n_fallback = d.n_fallback = max(2, math.ceil(seats / 300))
    shares = [FALLBACK_SPACES[i % len(FALLBACK_SPACES)][3] for i in range(n_fallback)]
    for i in range(n_fallback):
        sid, label, features, share = FALLBACK_SPACES[i % len(FALLBACK_SPACES)]
        rank = i // len(FALLBACK_SPACES) + 1
        capacity = math.ceil(seats * share / sum(shares))
        suffix = f"-{rank}" if rank > 1 else ""
        d.add_space(sid + suffix, label + (f" {rank}" if rank > 1 else ""), capacity, list(features), [])
    spares = max(1, len(d.interventionists) // 6) if shape.spare_small_group_rooms else 0
    n_small = len(d.interventionists) + spares
    for i in range(1, n_small + 1):
        capacity = d.rng.randint(*shape.small_group_capacity)
        d.add_space(f"sg-{i}", f"Small Group Room {i}", capacity, ["small-group"], [])
    rooms = 0
    for feature, prefix, label, per, (lo, hi) in SPECIAL_ROOMS:
        for i in range(1, d.scaled(per) + 1):
            capacity = d.rng.randint(lo, hi)
            d.add_space(f"{prefix}-{i}", f"{label} {i}", capacity, [feature], d.maybe_away(shape.away_share))
            d.rooms.append(d.spaces[-1])
            rooms += 1
    n_class = max(3, target - n_fallback - n_small - rooms)
    for i in range(n_class):
        number = 100 * (1 + i // 20) + 1 + i % 20
        d.add_space(f"room-{number}", f"Room {number}", d.rng.randint(26, 32), [], d.maybe_away(shape.away_share))
        d.rooms.append(d.spaces[-1])


def make_resources(d: Draft) -> None:
    """Chromebook carts, VR kits and 3D printers, scaled with the school."""
    for rid, label, quantity in (
        ("chromebooks", "Chromebooks", 30 * d.scaled(120)),
        ("vr-kits", "VR headset kits", d.scaled(25, 8)),
        ("3d-printers", "3D printers", d.scaled(100, 2)),
    ):
        d.resources.append({"id": rid, "name": label, "quantity": quantity})
        d.quantity[rid] = quantity


def make_fallbacks(d: Draft) -> None:
    """One study hall per fallback space, with supervisors who do nothing else all week."""
    for space in d.spaces[: d.n_fallback]:
        supervisors = [d.add_staff("a") for _ in range(math.ceil(space["capacity"] / 150))]
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
        d.add_offering(offering)
        d.fallbacks.append(offering)


def grow_halls(d: Draft, seats: int) -> None:
    """Give the study halls ``seats`` more seats (the seated witness's last resort; recorded)."""
    for k in range(seats):
        hall = d.fallbacks[k % len(d.fallbacks)]
        hall["capacity"] += 1
        d.space_by_id[hall["space"]]["capacity"] += 1
    d.fallback_growth += seats
