"""Who is calling, and the object-level rules of what they may see and do.

Every permission decision of the service is made here, so a reader can audit them in one place:
- an admin may do anything, in any school;
- a scheduler may do anything in their own school;
- a teacher acts as one staff member of their school: their sessions, their requests;
- a student acts as one student of their school: their choices, their published week.
Callers outside the school get 404 for its records (not 403), so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scheduler.services.errors import Forbidden, NotFound

Role = Literal["admin", "scheduler", "teacher", "student"]
ROLES: tuple[Role, ...] = ("admin", "scheduler", "teacher", "student")


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    school: str | None  # None for an admin: every school
    subject: str | None = None  # the staff id of a teacher, the student id of a student

    @property
    def is_staff_of_school(self) -> bool:
        return self.role in ("admin", "scheduler")

    def in_school(self, school: str) -> bool:
        return self.role == "admin" or self.school == school


def require_school(actor: Actor, school: str) -> None:
    """Anyone of the school may go on; others are told the school does not exist."""
    if not actor.in_school(school):
        raise NotFound(f"no school {school!r}", code="school_not_found")


def require_role(actor: Actor, school: str, *roles: Role) -> None:
    """The caller must belong to ``school`` and have one of ``roles`` (admins always pass)."""
    require_school(actor, school)
    if actor.role != "admin" and actor.role not in roles:
        allowed = ", ".join(roles)
        raise Forbidden(f"a {actor.role} may not do this (needs: {allowed})", code="forbidden_role")


def require_self_or_scheduler(actor: Actor, school: str, role: Role, subject: str) -> None:
    """Schedulers may act for anyone of their school; a teacher or student only for themself."""
    require_school(actor, school)
    if actor.is_staff_of_school:
        return
    if actor.role != role or actor.subject != subject:
        raise Forbidden(f"a {actor.role} may only see or change their own records", code="forbidden_subject")


FEED_SUBSCRIBERS: dict[str, Role] = {"students": "student", "staff": "teacher"}


def require_feed_owner(actor: Actor, school: str, kind: str, owner: str) -> None:
    """A student's or teacher's feed links are theirs (and a scheduler's); space and resource
    feeds are the office's, so only schedulers manage their links."""
    role = FEED_SUBSCRIBERS.get(kind)
    if role is None:
        require_role(actor, school, "scheduler")
    else:
        require_self_or_scheduler(actor, school, role, owner)
