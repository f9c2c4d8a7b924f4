"""Where a week is close to its limits: what to look at when neither a plan nor a proof was found.

The prechecks compare what the rules force with a bound on what the school offers; when the forced
side comes close to the bound without passing it, nothing is proven, but those are the likely places
where the week is tight (a crowded block, an interventionist with no block to spare, a resource
nearly used up). ``likely_tight`` lists them, closest first, in words; it is advice, never a proof.
"""

from __future__ import annotations

from scheduler.solver.explain.demand_checks import attendance_floor, session_floor
from scheduler.solver.explain.reach import Reach
from scheduler.solver.explain.resource_checks import free_units
from scheduler.solver.explain.seat_checks import block_rooms, candidates, most_seats

SHARE = 0.05  # a bound with at most this share to spare (or nothing at all) is listed
LIMIT = 6


def _block_seats(reach: Reach) -> list[tuple[float, str]]:
    out = []
    for block in reach.index.block_ids:
        present = sum(1 for s in reach.index.problem.students if block not in s.unavailable)
        if not present:
            continue
        rooms = block_rooms(reach, block)
        seats = most_seats(rooms, candidates(reach, block, rooms), grade=None, staff=True).seats
        spare = seats - present
        if 0 <= spare <= SHARE * present:
            text = f"block {block}: {present} students to place, at most {seats} seats"
            out.append((spare / present, text))
    return out


def _staff_blocks(reach: Reach) -> list[tuple[float, str]]:
    index = reach.index
    floors = attendance_floor(reach)
    out = []
    for member in index.problem.staff:
        led = [o for o in index.problem.offerings if member.id in o.staff]
        forced = sum(session_floor(reach, o, floors.get(o.id, {})) for o in led)
        blocks = {b for o in led for b in reach.session_blocks(o)}
        cap = len(blocks) if member.max_sessions is None else min(len(blocks), member.max_sessions)
        if forced and 0 <= cap - forced <= SHARE * cap:
            text = f"{member.id} must lead at least {forced} sessions this week and can lead at most {cap}"
            out.append(((cap - forced) / cap, text))
    return out


def _resources(reach: Reach) -> list[tuple[float, str]]:
    index = reach.index
    floors = attendance_floor(reach)
    out = []
    for resource in index.problem.resources:
        users = [o for o in index.problem.offerings if any(i.resource == resource.id for i in o.resources)]
        demand = 0
        for offering in users:
            takers = floors.get(offering.id, {})
            sessions = session_floor(reach, offering, takers)
            for item in offering.resources:
                if item.resource == resource.id:
                    demand += item.per_student * sum(takers.values()) + item.per_session * sessions
        blocks = {b for o in users for b in reach.session_blocks(o)}
        supply = sum(free_units(reach, resource.id, b) for b in blocks)
        if demand and 0 <= supply - demand <= SHARE * supply:
            out.append(((supply - demand) / supply, f"{resource.id}: at least {demand} of {supply} free units used"))
    return out


def likely_tight(reach: Reach, limit: int = LIMIT) -> list[str]:
    """Facts within ``SHARE`` of their bound (not a proof of anything), the closest first."""
    found = [*_block_seats(reach), *_staff_blocks(reach), *_resources(reach)]
    return [text for _, text in sorted(found, key=lambda item: item[0])[:limit]]
