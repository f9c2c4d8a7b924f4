"""Users and their bearer tokens.

A token is 256 random bits (``secrets``), shown once when issued and stored only as its SHA-256
digest; looking it up by digest means the raw token is never compared or logged. Revoking marks
the row, so an audit can still see it existed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.services.actors import ROLES, Actor, Role
from scheduler.services.errors import InvalidInput, NotFound, Unauthenticated
from scheduler.storage.tables import ApiTokenRow, UserRow
from scheduler.storage.types import utc_now

TOKEN_PREFIX = "fb_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    user_id: int
    role: Role
    school: str | None
    subject: str | None
    token: str


def _new_token(session: Session, user: UserRow) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiTokenRow(user_id=user.id, digest=digest(token)))
    return IssuedToken(user.id, user.role, user.school_key, user.subject, token)  # type: ignore[arg-type]


def create_user(
    session: Session, role: str, school: str | None, subject: str | None = None, name: str | None = None
) -> IssuedToken:
    """A new user with a first token. Admins have no school; everyone else needs one."""
    if role not in ROLES:
        raise InvalidInput(f"role: unknown role {role!r} (one of {', '.join(ROLES)})", code="bad_role")
    if role != "admin" and not school:
        raise InvalidInput(f"school: a {role} belongs to a school", code="school_required")
    if role in ("teacher", "student") and not subject:
        raise InvalidInput(f"subject: a {role} acts as one {'staff member' if role == 'teacher' else 'student'}")
    user = UserRow(role=role, school_key=None if role == "admin" else school, subject=subject, name=name)
    session.add(user)
    session.flush()
    return _new_token(session, user)


def rotate_token(session: Session, user_id: int) -> IssuedToken:
    """Revoke every token of the user and issue a new one."""
    user = session.get(UserRow, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", code="user_not_found")
    revoke_tokens(session, user_id)
    return _new_token(session, user)


def revoke_tokens(session: Session, user_id: int) -> None:
    session.execute(
        update(ApiTokenRow)
        .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )


def authenticate(session: Session, token: str | None) -> Actor:
    """The actor a bearer token stands for; ``Unauthenticated`` for a missing, unknown or revoked one."""
    if not token:
        raise Unauthenticated("a bearer token is required (Authorization: Bearer <token>)", code="no_token")
    row = session.execute(
        select(UserRow)
        .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
        .where(ApiTokenRow.digest == digest(token), ApiTokenRow.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None:
        raise Unauthenticated("the bearer token is unknown or revoked", code="bad_token")
    return Actor(user_id=row.id, role=row.role, school=row.school_key, subject=row.subject)  # type: ignore[arg-type]
