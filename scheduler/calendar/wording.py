"""What feeds say in words, and the privacy rule for intervention sessions.

Privacy rule: an intervention offering (kind "intervention") is named by its own title only in the
feed of a student placed in it. Every other feed (staff, including the interventionist who leads it,
spaces and resources) calls it ``SMALL_GROUP`` whatever its title, so no tier, need or subject of
support can be read from an office or teacher calendar; the roster link is where a teacher finds the
group's details. No feed names a student other than its owner: staff and space feeds give the roster
count only.
"""

from __future__ import annotations

from collections.abc import Iterable

from scheduler.domain.problem import Offering
from scheduler.domain.reasons import reason_text

__all__ = ["SMALL_GROUP", "names_list", "own_title", "public_title", "reason_text", "students_count"]

SMALL_GROUP = "Small group session"


def own_title(offering: Offering) -> str:
    """The title a placed student reads in their own feed."""
    return offering.title or offering.id


def public_title(offering: Offering) -> str:
    """The title every feed but a placed student's shows (the privacy rule above)."""
    return SMALL_GROUP if offering.kind == "intervention" else own_title(offering)


def names_list(names: Iterable[str]) -> str:
    """ "A", "A and B", "A, B and C": how people are listed in event text."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def students_count(count: int) -> str:
    return f"{count} student" if count == 1 else f"{count} students"


def sessions_count(count: int) -> str:
    return f"{count} session" if count == 1 else f"{count} sessions"
