"""Reservations of spaces and devices: file one (granted 201, pending 202, refused 409 with the
clashes and alternatives), list, read, cancel; schedulers approve, decline and set the school's
reservation settings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import BaseModel, Field

from scheduler.api.deps import ActorDep, FeedOptionsDep, SessionDep
from scheduler.domain.problem import EntityId
from scheduler.services import reservations as service
from scheduler.services.reservation_models import ReservationRequest, ReservationSettings

router = APIRouter(prefix="/schools/{school}", tags=["reservations"])
Status = Literal["pending", "approved", "declined", "cancelled"]


class OccurrencePublic(BaseModel):
    week: dt.date
    date: dt.date
    start: dt.time
    end: dt.time
    block: str | None
    held_from: dt.datetime = Field(description="What it holds (UTC): the asked time widened to the blocks it overlaps.")
    held_to: dt.datetime


class ReservationPublic(BaseModel):
    id: str
    status: Status
    staff: str | None
    space: str | None
    features: list[str]
    seats: int | None
    resources: dict[str, int]
    block: str | None
    repeat_weeks: int
    note: str | None
    filed_by: str
    decision_note: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    occurrences: list[OccurrencePublic]
    url: str


class Decision(BaseModel):
    note: str | None = Field(default=None, max_length=500)
    override: bool = Field(default=False, description="Approve even over sessions of the published plan.")


class DeclineBody(BaseModel):
    note: str | None = Field(default=None, max_length=500)


def _public(request: Request, school: str, view: service.ReservationView) -> ReservationPublic:
    b = view.booking
    occurrences = [
        OccurrencePublic(
            week=s.week, date=s.date, start=s.start, end=s.end, block=s.block, held_from=s.starts_at, held_to=s.ends_at
        )
        for s in view.slots
    ]
    return ReservationPublic(
        id=b.key,
        status=b.status,  # type: ignore[arg-type]
        staff=b.staff,
        space=b.space,
        features=list(b.features),
        seats=b.seats,
        resources=dict(b.resources),
        block=b.block,
        repeat_weeks=b.repeat_weeks,
        note=b.note,
        filed_by=b.filed_by,
        decision_note=b.decision_note,
        decided_at=b.decided_at,
        created_at=b.created_at,
        occurrences=occurrences,
        url=str(request.url_for("get_reservation", school=school, reservation_id=b.key)),
    )


@router.post(
    "/reservations",
    status_code=status.HTTP_201_CREATED,
    summary="Reserve a space and/or devices: granted (201), pending (202) or refused (409 with alternatives)",
    responses={202: {"description": "Pending: a scheduler approves or declines it."}},
)
def create_reservation(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    feeds: FeedOptionsDep,
    school: str,
    body: ReservationRequest,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReservationPublic:
    view, _created = service.create_reservation(session, actor, school, body, idempotency_key, feeds=feeds)
    public = _public(request, school, view)
    if public.status == "pending":
        response.status_code = status.HTTP_202_ACCEPTED
    response.headers["Location"] = public.url
    return public


@router.get("/reservations", summary="Reservations (a teacher sees their own); filter by date or week")
def list_reservations(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    school: str,
    day: Annotated[dt.date | None, Query(alias="date")] = None,
    week: dt.date | None = None,
    staff: EntityId | None = None,
    status: Status | None = None,
) -> list[ReservationPublic]:
    views = service.list_reservations(session, actor, school, day=day, week=week, staff=staff, status=status)
    return [_public(request, school, view) for view in views]


@router.get("/reservations/{reservation_id}", summary="One reservation (a teacher: only their own)")
def get_reservation(
    request: Request, session: SessionDep, actor: ActorDep, school: str, reservation_id: str
) -> ReservationPublic:
    return _public(request, school, service.get_reservation(session, actor, school, reservation_id))


@router.post("/reservations/{reservation_id}/cancel", summary="Cancel a reservation (a teacher: only their own)")
def cancel_reservation(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    feeds: FeedOptionsDep,
    school: str,
    reservation_id: str,
) -> ReservationPublic:
    view = service.cancel(session, actor, school, reservation_id, feeds=feeds)
    return _public(request, school, view)


@router.post("/reservations/{reservation_id}/approve", summary="Approve a pending reservation")
def approve_reservation(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    feeds: FeedOptionsDep,
    school: str,
    reservation_id: str,
    body: Decision | None = None,
) -> ReservationPublic:
    body = body or Decision()
    view = service.approve(session, actor, school, reservation_id, feeds=feeds, override=body.override, note=body.note)
    return _public(request, school, view)


@router.post("/reservations/{reservation_id}/decline", summary="Decline a pending reservation")
def decline_reservation(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    school: str,
    reservation_id: str,
    body: DeclineBody | None = None,
) -> ReservationPublic:
    note = body.note if body else None
    return _public(request, school, service.decline(session, actor, school, reservation_id, note))


@router.get("/reservation-settings", summary="How the school takes reservations")
def get_settings(session: SessionDep, actor: ActorDep, school: str) -> ReservationSettings:
    return service.get_settings(session, actor, school)


@router.put("/reservation-settings", summary="Set approval mode and school day for reservations")
def put_settings(session: SessionDep, actor: ActorDep, school: str, body: ReservationSettings) -> ReservationSettings:
    return service.put_settings(session, actor, school, body)
