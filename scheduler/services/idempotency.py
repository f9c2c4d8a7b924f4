"""``Idempotency-Key`` on create (solve jobs, reservations): a retry with the same key and body gets
the first answer's record; the same key with another body is a 409.

A record that honours keys stores ``idempotency_key`` (unique per school) and ``request_digest``, a
digest of the request body as the service understood it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.services.errors import Conflict

Keyed = TypeVar("Keyed", bound=Any)  # a table row with school_id, idempotency_key and request_digest


def earlier_request(session: Session, table: type[Keyed], school_id: int, key: str) -> Keyed | None:
    """The record an earlier request with this key made, if any."""
    query = select(table).where(table.school_id == school_id, table.idempotency_key == key)
    return session.scalar(query)


def replay(earlier: Keyed, digest: str) -> Keyed:
    """The earlier record, when the retry asks for the same thing."""
    if earlier.request_digest != digest:
        raise Conflict("this Idempotency-Key was used for a different request", code="idempotency_key_reused")
    return earlier
