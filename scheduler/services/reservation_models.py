"""What a reservation request and a school's reservation settings look like (pydantic), shared by
the service and the API. Checks that need the school's data (hours, spaces, quantities) are the
service's; these models check shapes and bounds only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.domain.problem import EntityId, Tag

Units = Annotated[int, Field(ge=1, le=1_000_000)]


class ReservationRequest(BaseModel):
    """A space (by id, or by features and seats) and/or units of resources, for a block of a week
    or a time window on a date, once or weekly for ``repeat_weeks`` weeks."""

    model_config = ConfigDict(extra="forbid")

    space: EntityId | None = Field(default=None, description="A space by id; or leave it out and give features/seats.")
    features: Annotated[list[Tag], Field(max_length=20)] = Field(
        default_factory=list, description="Features the space must have (when no space id is given)."
    )
    seats: int | None = Field(default=None, ge=1, le=100_000, description="Seats the space must have.")
    resources: Annotated[dict[EntityId, Units], Field(max_length=20)] = Field(
        default_factory=dict, description="Resource id -> units."
    )
    week: dt.date | None = Field(default=None, description="With block: the Monday of the week.")
    block: EntityId | None = Field(default=None, description="A flex block of that week (takes its times).")
    date: dt.date | None = Field(default=None, description="A time window: the school day ...")
    start: dt.time | None = Field(default=None, description="... its local start ...")
    end: dt.time | None = Field(default=None, description="... and end (exclusive).")
    repeat_weeks: int = Field(default=1, ge=1, le=40, description="1: once; n: the same time weekly for n weeks.")
    staff: EntityId | None = Field(default=None, description="Schedulers only: who holds it (teachers hold their own).")
    note: str | None = Field(default=None, max_length=500)
    override: bool = Field(
        default=False,
        description="Schedulers only: grant even over sessions of the published plan (marked for re-solve).",
    )


class ReservationSettings(BaseModel):
    """How a school takes reservations: granted at once (``auto``) or held pending until a scheduler
    decides (``scheduler``; requests schedulers file themselves are granted at once); and the school
    day a time window must lie in."""

    model_config = ConfigDict(extra="forbid")

    approval: Literal["auto", "scheduler"] = "auto"
    day_start: dt.time = dt.time(7, 0)
    day_end: dt.time = dt.time(18, 0)
