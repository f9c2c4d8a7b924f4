"""Users and tokens: schedulers add teachers, students and other schedulers of their school;
anyone may rotate their own token; a scheduler may rotate or revoke any token of their school."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from scheduler.api.deps import ActorDep, SessionDep
from scheduler.domain.problem import EntityId
from scheduler.services import users as service

router = APIRouter(tags=["users"])


class UserCreate(BaseModel):
    role: Literal["scheduler", "teacher", "student"]
    subject: EntityId | None = Field(default=None, description="The staff id (teacher) or student id (student).")
    name: str | None = Field(default=None, max_length=200)


class TokenIssued(BaseModel):
    user_id: int
    role: str
    school: str | None
    subject: str | None
    token: str = Field(description="Shown once; store it now.")


class Me(BaseModel):
    user_id: int
    role: str
    school: str | None
    subject: str | None


@router.get("/me", summary="Who the bearer token stands for")
def me(actor: ActorDep) -> Me:
    return Me(user_id=actor.user_id, role=actor.role, school=actor.school, subject=actor.subject)


@router.post("/schools/{school}/users", status_code=status.HTTP_201_CREATED, summary="Add a user and issue a token")
def create_user(session: SessionDep, actor: ActorDep, school: str, user: UserCreate) -> TokenIssued:
    issued = service.add_user(session, actor, school, user.role, user.subject, user.name)
    return TokenIssued.model_validate(issued, from_attributes=True)


@router.post("/users/{user_id}/token", status_code=status.HTTP_201_CREATED, summary="Rotate a user's token")
def rotate_token(session: SessionDep, actor: ActorDep, user_id: int) -> TokenIssued:
    return TokenIssued.model_validate(service.rotate(session, actor, user_id), from_attributes=True)


@router.delete("/users/{user_id}/token", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a user's tokens")
def revoke_token(session: SessionDep, actor: ActorDep, user_id: int) -> Response:
    service.revoke(session, actor, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
