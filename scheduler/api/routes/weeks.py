"""What students and teachers do in a week: the choice window, ranked choices, their published
week, the sessions a teacher leads, and teachers' pull requests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from scheduler.api.deps import ActorDep, SessionDep
from scheduler.domain import problem as domain
from scheduler.domain.problem import EntityId
from scheduler.services import choices, requests, views
from scheduler.storage.tables import ChoiceWindowRow

router = APIRouter(prefix="/schools/{school}/weeks/{week}", tags=["week"])

OfferingIds = Annotated[list[EntityId], Field(max_length=50)]


class ChoiceWindow(BaseModel):
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    min_choices: int = Field(default=1, ge=0, le=50)
    max_choices: int = Field(default=10, ge=1, le=50)
    open_offerings: dict[EntityId, Annotated[list[int], Field(max_length=20)]] | None = Field(
        default=None, description="Offering id -> grades it is open to this week ([] = its own grades); null: all."
    )


class ChoiceWindowPublic(ChoiceWindow):
    is_open: bool


class OfferingPublic(BaseModel):
    id: str
    title: str | None
    pathway: str | None


class Choices(BaseModel):
    choices: OfferingIds = Field(description="Offering ids, best first.")


class RequestCreate(BaseModel):
    student: EntityId
    offering: EntityId
    priority: Literal["required", "preferred"] = "required"
    note: str | None = Field(default=None, max_length=500)
    staff: EntityId | None = Field(default=None, description="Schedulers only: who asks (teachers ask as themselves).")


class Slot(BaseModel):
    block: str
    label: str | None
    date: dt.date
    start: dt.time
    end: dt.time
    session: str
    offering: str
    title: str | None
    space: str | None
    space_name: str | None
    staff: list[str]


class StudentSlot(Slot):
    reason: str
    reason_text: str


class RosterEntry(BaseModel):
    id: str
    name: str | None
    grade: int


class TeacherSlot(Slot):
    students: int
    roster: list[RosterEntry]


def _window(row: ChoiceWindowRow) -> ChoiceWindowPublic:
    now = dt.datetime.now(dt.UTC)
    public = ChoiceWindowPublic.model_validate({**row.__dict__, "is_open": row.opens_at <= now < row.closes_at})
    return public


@router.put("/choice-window", summary="Open or change the week's choice window")
def set_window(
    session: SessionDep, actor: ActorDep, school: str, week: dt.date, window: ChoiceWindow
) -> ChoiceWindowPublic:
    spec = choices.WindowSpec(**window.model_dump())
    return _window(choices.set_window(session, actor, school, week, spec))


@router.get("/choice-window", summary="The week's choice window")
def get_window(session: SessionDep, actor: ActorDep, school: str, week: dt.date) -> ChoiceWindowPublic:
    return _window(choices.get_window(session, actor, school, week))


@router.get("/students/{student}/offerings", summary="Offerings the student may rank this week")
def student_offerings(
    session: SessionDep, actor: ActorDep, school: str, week: dt.date, student: str
) -> list[OfferingPublic]:
    offerings = choices.open_offerings(session, actor, school, week, student)
    return [OfferingPublic(id=o.id, title=o.title, pathway=o.pathway) for o in offerings]


@router.get("/students/{student}/choices", summary="The student's ranked choices")
def get_choices(session: SessionDep, actor: ActorDep, school: str, week: dt.date, student: str) -> Choices:
    return Choices(choices=choices.get_choices(session, actor, school, week, student))


@router.put("/students/{student}/choices", summary="Submit or change the student's ranked choices")
def put_choices(
    session: SessionDep, actor: ActorDep, school: str, week: dt.date, student: str, body: Choices
) -> Choices:
    return Choices(choices=choices.submit_choices(session, actor, school, week, student, body.choices))


@router.get("/students/{student}/schedule", summary="The student's published week, with the reason for each block")
def student_schedule(
    session: SessionDep, actor: ActorDep, school: str, week: dt.date, student: str
) -> list[StudentSlot]:
    slots = views.student_week(session, actor, school, week, student)
    return [StudentSlot.model_validate(slot, from_attributes=True) for slot in slots]


@router.get("/staff/{staff}/sessions", summary="Sessions the staff member leads, with rosters")
def teacher_sessions(session: SessionDep, actor: ActorDep, school: str, week: dt.date, staff: str) -> list[TeacherSlot]:
    slots = views.teacher_sessions(session, actor, school, week, staff)
    return [TeacherSlot.model_validate({**slot.__dict__, "students": len(slot.roster)}) for slot in slots]


@router.get("/requests", summary="Pull requests of the week (a teacher sees their own)")
def list_requests(session: SessionDep, actor: ActorDep, school: str, week: dt.date) -> list[domain.Request]:
    return requests.list_requests(session, actor, school, week)


@router.post("/requests", status_code=status.HTTP_201_CREATED, summary="File a pull request for a student")
def file_request(
    session: SessionDep, actor: ActorDep, school: str, week: dt.date, body: RequestCreate
) -> domain.Request:
    return requests.file_request(session, actor, school, week, **body.model_dump())


@router.delete("/requests/{request_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Withdraw a pull request")
def withdraw_request(session: SessionDep, actor: ActorDep, school: str, week: dt.date, request_id: str) -> Response:
    requests.withdraw_request(session, actor, school, week, request_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
