"""Who may add users and manage tokens (the token mechanics are in ``auth``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.services.actors import Actor, require_role
from scheduler.services.auth import IssuedToken, create_user, revoke_tokens, rotate_token
from scheduler.services.errors import InvalidInput, NotFound
from scheduler.services.schools import school_row
from scheduler.storage.tables import StaffRow, StudentRow, UserRow


def add_user(
    session: Session, actor: Actor, school: str, role: str, subject: str | None, name: str | None
) -> IssuedToken:
    """A scheduler adds someone of their school; a teacher or student must name an existing record."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    table = {"teacher": StaffRow, "student": StudentRow}.get(role)
    if table is not None:
        exists = session.scalar(select(table.id).where(table.school_id == record.id, table.key == subject))
        if exists is None:
            what = "staff member" if role == "teacher" else "student"
            raise InvalidInput(f"subject: no {what} {subject!r} in school {school!r}", code="unknown_subject")
    return create_user(session, role, school, subject if table is not None else None, name)


def _user(session: Session, actor: Actor, user_id: int) -> UserRow:
    """The user, if the caller is that user or manages their school (others: 404)."""
    user = session.get(UserRow, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", code="user_not_found")
    if actor.user_id == user.id:
        return user
    if user.school_key is None or not actor.in_school(user.school_key):
        raise NotFound(f"no user {user_id}", code="user_not_found")
    require_role(actor, user.school_key, "scheduler")
    return user


def rotate(session: Session, actor: Actor, user_id: int) -> IssuedToken:
    return rotate_token(session, _user(session, actor, user_id).id)


def revoke(session: Session, actor: Actor, user_id: int) -> None:
    revoke_tokens(session, _user(session, actor, user_id).id)
