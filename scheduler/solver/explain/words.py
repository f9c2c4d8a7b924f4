"""Small wording helpers so every explanation reads the same way to a school scheduler.

Entity references reuse the plan checker's helpers, so a conflict and a violation about the same
student name it identically (``students/s-0001``) and a UI can link both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scheduler.domain.checker import block_ref, offering_ref, resource_ref, space_ref, staff_ref, student_ref
from scheduler.domain.plan import Conflict
from scheduler.domain.problem import Offering
from scheduler.domain.rules import Rule

__all__ = [
    "block_ref",
    "blocks_phrase",
    "conflict",
    "listing",
    "offering_ref",
    "plural",
    "resource_ref",
    "role",
    "space_ref",
    "staff_ref",
    "student_ref",
]

LIST_LIMIT = 8  # longer lists are cut ("... and 12 more"): a message is read, not parsed


def plural(count: int, word: str, words: str | None = None) -> str:
    """``plural(1, "block")`` -> "1 block", ``plural(3, "block")`` -> "3 blocks"."""
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def listing(items: Iterable[str], limit: int = LIST_LIMIT) -> str:
    """ "a", "a and b", "a, b and c"; long lists end with "and N more"."""
    values = list(items)
    if len(values) > limit:
        shown, rest = values[:limit], len(values) - limit
        return f"{', '.join(shown)} and {rest} more"
    if len(values) <= 1:
        return "".join(values)
    return f"{', '.join(values[:-1])} and {values[-1]}"


def blocks_phrase(blocks: Sequence[str]) -> str:
    """ "no block", "1 block (mon)", "2 blocks (mon and wed)"."""
    if not blocks:
        return "no block"
    return f"{plural(len(blocks), 'block')} ({listing(blocks)})"


def role(offering: Offering) -> str:
    """What a school calls the person leading this kind of offering."""
    return {"intervention": "interventionist", "fallback": "supervisor"}.get(offering.kind, "teacher")


def conflict(kind: Rule | str, message: str, entities: Iterable[str]) -> Conflict:
    """A Conflict with its entities deduplicated in first-mention order."""
    return Conflict(kind=str(kind), message=message, entities=list(dict.fromkeys(entities)))
