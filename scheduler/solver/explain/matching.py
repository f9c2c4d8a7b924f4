"""Bipartite matching with a Hall witness: which demands can never share the slots they need.

Two prechecks ask the same question of one student's week: can every item (a block to fill, a
session to attend) get its own partner? When not, Hall's theorem gives a certificate a scheduler
can read: a group of items whose possible partners are fewer than the items themselves. Kuhn's
augmenting paths are plenty for a week of five to ten blocks.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item", bound=Hashable)
Slot = TypeVar("Slot", bound=Hashable)


@dataclass(frozen=True)
class HallSet(Generic[Item, Slot]):
    """Items that cannot all be matched: ``len(slots) < len(items)``."""

    items: tuple[Item, ...]
    slots: tuple[Slot, ...]


def hall_violation(items: Sequence[Item], edges: Mapping[Item, Sequence[Slot]]) -> HallSet[Item, Slot] | None:
    """A Hall set of ``items`` (each needing one distinct slot among ``edges[item]``), or None if all fit."""
    owner: dict[Slot, Item] = {}

    def augment(item: Item, seen: set[Slot]) -> bool:
        for slot in edges.get(item, ()):
            if slot in seen:
                continue
            seen.add(slot)
            if slot not in owner or augment(owner[slot], seen):
                owner[slot] = item
                return True
        return False

    for item in items:
        if not augment(item, set()):
            return _witness(item, edges, owner)
    return None


def _witness(start: Item, edges: Mapping[Item, Sequence[Slot]], owner: dict[Slot, Item]) -> HallSet[Item, Slot]:
    """Items reachable from an unmatched item by alternating paths, and their slots (all matched)."""
    items: list[Item] = [start]
    slots: list[Slot] = []
    seen_slots: set[Slot] = set()
    queue = [start]
    while queue:
        item = queue.pop()
        for slot in edges.get(item, ()):
            if slot in seen_slots:
                continue
            seen_slots.add(slot)
            slots.append(slot)
            holder = owner[slot]
            if holder not in items:
                items.append(holder)
                queue.append(holder)
    return HallSet(tuple(items), tuple(slots))
