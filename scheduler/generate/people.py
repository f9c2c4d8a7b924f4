"""Students, their tiers of support, and the intervention groups that meet their needs.

Each intervention group gets a private set B of k blocks of its interventionist's free blocks (an
interventionist leads at most one session per block, so the sets of their groups are disjoint). A
group's students need at most k sessions each and their needs add up to at most capacity x k;
listing the students' sessions round-robin over B ("wrap-around") gives every student distinct
blocks and at most ``capacity`` students per block. A second need (``Shape.second_need_share``)
joins a tier-2 group of the other subject only in blocks of B where the student is still free and
the group has a seat left.
"""

from __future__ import annotations

import math
from collections import Counter

from scheduler.generate.state import Draft, Record

Group = tuple[str, str, int, int, list[int]]  # tier, subject, capacity, k blocks, members
SUBJECTS = ("reading", "math")


def make_students(d: Draft) -> None:
    """Students with names and grades, and who needs tier-2 or tier-3 support in which subject."""
    grades = d.shape.grades
    width = max(4, len(str(d.n)))
    for i in range(1, d.n + 1):
        first, last = d.person()
        d.students.append(
            {
                "id": f"s-{i:0{width}d}",
                "name": f"{first} {last}",
                "grade": grades[(i - 1) % len(grades)] if i <= len(grades) else d.rng.choice(grades),
                "choices": [],
                "needs": [],
                "unavailable": [],
                "avoid": [],
            }
        )
    order = list(range(d.n))
    d.rng.shuffle(order)
    n3, n2 = round(d.n * d.shape.tier3_share), round(d.n * d.shape.tier2_share)
    for k, i in enumerate(order[: n3 + n2]):
        subject = "reading" if d.rng.random() < 0.55 else "math"
        tier, sessions = ("t3", d.shape.tier3_sessions) if k < n3 else ("t2", d.rng.choice(d.shape.tier2_sessions))
        d.tier[i] = (tier, subject, sessions)


def make_interventions(d: Draft) -> None:
    """Groups with private witness blocks, packed first-fit onto interventionists (module doc)."""
    groups: list[Group] = []
    for tier, subject in (("t3", "reading"), ("t3", "math"), ("t2", "reading"), ("t2", "math")):
        queue = sorted(
            (i for i, (t, s, _) in d.tier.items() if (t, s) == (tier, subject)),
            key=lambda i: (d.students[i]["grade"], i),
        )
        while queue:
            groups.append(_next_group(d, tier, subject, queue, {i: d.tier[i][2] for i in queue}))
    counters: Counter[tuple[str, str]] = Counter()
    free: list[list[str]] = []  # per interventionist: free blocks not yet given to a group
    for tier, subject, capacity, k, members in sorted(groups, key=lambda g: -g[3]):
        slot, chosen = _give_blocks(d, free, k)
        oid = _add_group(d, tier, subject, capacity, slot, members, counters)
        _place_need_sessions(d, oid, slot, chosen, members)
    if d.shape.second_need_share:
        _add_second_needs(d, free, counters)


def _give_blocks(d: Draft, free: list[list[str]], k: int) -> tuple[int, list[str]]:
    """The first interventionist with k free blocks (a new one when none has), and k of them."""
    slot = next((j for j, blocks in enumerate(free) if len(blocks) >= k), None)
    if slot is None:
        away = d.part_time(len(d.block_ids) - k)
        if away is None:
            spare = k <= len(d.block_ids) - 1
            away = [d.rng.choice(d.block_ids)] if spare and d.rng.random() < d.shape.interventionist_away_share else []
        d.interventionists.append(d.staff_by_id[d.add_staff("i", unavailable=away)])
        free.append([b for b in d.block_ids if b not in away])
        slot = len(free) - 1
    chosen = sorted(d.rng.sample(free[slot], k), key=d.block_ids.index)
    free[slot] = [b for b in free[slot] if b not in chosen]
    return slot, chosen


def _add_group(
    d: Draft, tier: str, subject: str, capacity: int, slot: int, members: list[int], counters: Counter
) -> str:
    counters[(tier, subject)] += 1
    oid = f"{subject}-{tier}-{counters[(tier, subject)]}"
    grades = sorted({d.students[i]["grade"] for i in members})
    d.add_offering(
        {
            "id": oid,
            "title": f"{subject.title()} Intervention Tier {tier[1]}, group {counters[(tier, subject)]}",
            "pathway": None,
            "kind": "intervention",
            "staff": [d.interventionists[slot]["id"]],
            "capacity": capacity,
            "min_students": 1,
            "needs_features": ["small-group"],
            "grades": grades,
        }
    )
    return oid


def _next_group(d: Draft, tier: str, subject: str, queue: list[int], sessions: dict[int, int]) -> Group:
    """Take students off ``queue`` while their needs fit in capacity x k (k blocks of the group).

    A tier-3 group has at least as many blocks as its members' sessions; tier-2 groups are kept at
    ``tier2_fill`` of their seats. The last group of a queue gets the fewest blocks that still hold it.
    """
    rng, shape, blocks = d.rng, d.shape, len(d.block_ids)
    if tier == "t3":
        capacity, k, fill = rng.randint(*shape.tier3_capacity), rng.choice((3, 3, 4, 5)), 1.0
        smallest = shape.tier3_sessions
    else:
        capacity, k, fill = rng.randint(*shape.tier2_capacity), rng.choice((2, 3)), shape.tier2_fill
        smallest = max(shape.tier2_sessions)
    k = min(blocks, max(k, smallest))
    rest = sum(sessions[i] for i in queue)
    if rest <= math.floor(capacity * k * fill):
        k = max(smallest, math.ceil(rest / (capacity * fill)))
    members, load = [], 0
    while queue and load + sessions[queue[0]] <= math.floor(capacity * k * fill):
        load += sessions[queue[0]]
        members.append(queue.pop(0))
    return tier, subject, capacity, k, members


def _place_need_sessions(d: Draft, oid: str, slot: int, blocks: list[str], members: list[int]) -> None:
    """Wrap-around: the members' sessions listed round-robin over the group's blocks."""
    position = 0
    for i in members:
        student = d.students[i]
        sessions = d.tier[i][2]
        student["needs"].append({"offering": oid, "sessions": sessions})
        for j in range(sessions):
            block = blocks[(position + j) % len(blocks)]
            d.witness.placements[(student["id"], block)] = oid
        position += sessions
    _book_group(d, oid, slot, blocks)


def _book_group(d: Draft, oid: str, slot: int, blocks: list[str]) -> None:
    """The group's room (one small-group room per interventionist) and its teacher, in each of its blocks."""
    staff = d.interventionists[slot]["id"]
    d.group_blocks[oid] = blocks
    for block in blocks:
        d.witness.spaces[(oid, block)] = f"sg-{slot + 1}"
        d.space_busy.add((f"sg-{slot + 1}", block))
        d.staff_busy.add((staff, block))
        d.staff_sessions[staff] += 1


# ---- second needs ----------------------------------------------------------------------------------
def _add_second_needs(d: Draft, free: list[list[str]], counters: Counter) -> None:
    """Some supported students also need a tier-2 group of the other subject.

    They join an existing group where it has seats in blocks they are free; the rest get new
    groups of their own (blocks from an interventionist, as above), joined the same way. A student
    who fits nowhere keeps one need.
    """
    enrolled: Counter[tuple[str, str]] = Counter((o, b) for (_, b), o in d.witness.placements.items())
    wanted = [i for i in sorted(d.tier) if d.rng.random() < d.shape.second_need_share]
    left: dict[str, list[int]] = {subject: [] for subject in SUBJECTS}
    for i in wanted:
        subject = SUBJECTS[1 - SUBJECTS.index(d.tier[i][1])]
        sessions = d.rng.choice(d.shape.tier2_sessions)
        groups = [o for o in d.group_blocks if o.startswith(f"{subject}-t2-")]
        if not any(_join_group(d, i, oid, sessions, enrolled) for oid in groups):
            left[subject].append(i)
    for subject, queue in left.items():
        sessions = {i: d.rng.choice(d.shape.tier2_sessions) for i in queue}
        while queue:
            _, _, capacity, k, members = _next_group(d, "t2", subject, queue, sessions)
            slot, chosen = _give_blocks(d, free, k)
            oid = _add_group(d, "t2", subject, capacity, slot, [], counters)
            _book_group(d, oid, slot, chosen)
            joined = [i for i in members if _join_group(d, i, oid, sessions[i], enrolled)]
            if not joined:  # nobody could use its blocks: the group does not exist
                _drop_empty_group(d, oid, slot, chosen)


def _join_group(d: Draft, i: int, oid: str, sessions: int, enrolled: Counter[tuple[str, str]]) -> bool:
    """Seat student ``i`` in ``sessions`` of the group's blocks where they are free and it has room."""
    student, offering = d.students[i], d.offering_by_id[oid]
    open_blocks = [
        b
        for b in d.group_blocks[oid]
        if (student["id"], b) not in d.witness.placements and enrolled[(oid, b)] < offering["capacity"]
    ]
    if len(open_blocks) < sessions:
        return False
    for block in sorted(open_blocks, key=lambda b: enrolled[(oid, b)])[:sessions]:
        d.witness.placements[(student["id"], block)] = oid
        enrolled[(oid, block)] += 1
    student["needs"].append({"offering": oid, "sessions": sessions})
    if student["grade"] not in offering["grades"]:
        offering["grades"] = sorted([*offering["grades"], student["grade"]])
    return True


def _drop_empty_group(d: Draft, oid: str, slot: int, blocks: list[str]) -> None:
    offering: Record = d.offering_by_id.pop(oid)
    d.offerings.remove(offering)
    del d.group_blocks[oid]
    staff = d.interventionists[slot]["id"]
    for block in blocks:
        del d.witness.spaces[(oid, block)]
        d.space_busy.discard((f"sg-{slot + 1}", block))
        d.staff_busy.discard((staff, block))
        d.staff_sessions[staff] -= 1
