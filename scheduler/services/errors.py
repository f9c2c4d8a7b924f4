"""The one error hierarchy of the service layer. Each error has a stable ``code`` and a message a
school scheduler understands; ``api.errors`` maps each class to its HTTP status once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduler.domain.errors import InputIssue


@dataclass
class ServiceError(Exception):
    message: str
    code: str = "error"
    issues: list[InputIssue] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # further members of the problem body

    def __str__(self) -> str:
        return self.message


class NotFound(ServiceError):
    """An id that does not exist (or that the caller may not know exists)."""


class Conflict(ServiceError):
    """The request is well formed but clashes with stored state (a duplicate, a closed window, ...)."""


class InvalidInput(ServiceError):
    """The request's data is wrong; ``issues`` name each field and value."""


class Forbidden(ServiceError):
    """The caller is known but their role may not do this."""


class Unauthenticated(ServiceError):
    """No valid bearer token."""
