"""Pydantic models of the problem format (``flexblock/v1``).

These models are the source of truth for the contract in ``docs/spec/problem-format.md``: they
accept every file that follows it and reject unknown keys, so a typo never passes silently.
Cross-record checks (unknown ids, a lock in a block the offering cannot run in, ...) live in
``validation.py`` because they need the whole problem at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from scheduler.domain.policy import Policy

EntityId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
# Limits the spec leaves open, chosen far above any school's needs so stored rows stay bounded.
Name = Annotated[str, StringConstraints(max_length=200)]
Tag = Annotated[str, StringConstraints(max_length=64)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
OfferingKind = Literal["choice", "intervention", "fallback"]


class Strict(BaseModel):
    """Base for every record: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_clock(value: object) -> object:
    """Accept "HH:MM" (the spec's form) as well as "HH:MM:SS"."""
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        return value + ":00"
    return value


class School(Strict):
    id: EntityId
    name: Name | None = None
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value


class Block(Strict):
    id: EntityId
    date: dt.date
    start: dt.time
    end: dt.time
    label: Name | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        return _parse_clock(value)


class Space(Strict):
    id: EntityId
    name: Name | None = None
    capacity: int = Field(ge=1, le=100_000)
    features: list[Tag] = []
    unavailable: list[EntityId] = []


class Resource(Strict):
    id: EntityId
    name: Name | None = None
    quantity: int = Field(ge=1, le=1_000_000)


class Staff(Strict):
    id: EntityId
    name: Name | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    unavailable: list[EntityId] = []
    max_sessions: Count | None = None


class ResourceUse(Strict):
    resource: EntityId
    per_student: Count = 0
    per_session: Count = 0


class Runs(Strict):
    min: Count = 0
    max: Count | None = None


class Offering(Strict):
    id: EntityId
    title: Name | None = None
    pathway: Name | None = None
    kind: OfferingKind = "choice"
    staff: list[EntityId] = Field(min_length=1)
    capacity: int = Field(ge=1, le=100_000)
    min_students: int = Field(default=1, ge=1, le=100_000)
    runs: Runs = Runs()
    allowed_blocks: list[EntityId] | None = None
    space: EntityId | None = None
    needs_features: list[Tag] = []
    resources: list[ResourceUse] = []
    grades: list[Annotated[int, Field(ge=-5, le=25)]] | None = None
    repeatable: bool | None = None

    @property
    def is_repeatable(self) -> bool:
        """Spec default: choices are attended once, interventions and fallbacks may repeat."""
        if self.repeatable is not None:
            return self.repeatable
        return self.kind != "choice"

    def open_to(self, grade: int) -> bool:
        return self.grades is None or grade in self.grades


class Need(Strict):
    offering: EntityId
    sessions: int = Field(ge=1, le=1000)


class Student(Strict):
    id: EntityId
    name: Name | None = None
    grade: int = Field(ge=-5, le=25)
    choices: list[EntityId] = []
    needs: list[Need] = []
    unavailable: list[EntityId] = []
    avoid: list[EntityId] = []


class Reservation(Strict):
    id: EntityId
    staff: EntityId | None = None
    block: EntityId
    space: EntityId | None = None
    resources: dict[EntityId, Annotated[int, Field(ge=1, le=1_000_000)]] = {}


class Request(Strict):
    id: EntityId
    staff: EntityId
    student: EntityId
    offering: EntityId
    priority: Literal["required", "preferred"] = "required"
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class Placement(Strict):
    """A (student, block, offering) triple: the shape of both ``locks`` and ``previous``."""

    student: EntityId
    block: EntityId
    offering: EntityId


class Problem(Strict):
    format: Literal["flexblock/v1"]
    school: School
    blocks: list[Block] = Field(min_length=1)
    spaces: list[Space] = []
    resources: list[Resource] = []
    staff: list[Staff] = []
    offerings: list[Offering] = []
    students: list[Student] = []
    reservations: list[Reservation] = []
    requests: list[Request] = []
    locks: list[Placement] = []
    previous: list[Placement] = []
    policy: Policy = Policy()
