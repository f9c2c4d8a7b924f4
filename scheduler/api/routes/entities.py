"""CRUD for a school's entities (students, staff, spaces, resources, offerings), one router per kind.

Bodies are the records of the problem format itself (unknown fields rejected), so what a scheduler
reads from an exported problem can be sent back as it is.
"""

# No "from __future__ import annotations": the routes annotate with the closure's `model`.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from scheduler.api.deps import ActorDep, SessionDep
from scheduler.api.paging import Limit, Offset, Page
from scheduler.domain import problem as domain
from scheduler.services import entities as service

SearchQuery = Annotated[str | None, Query(max_length=100, description="Part of the id or name.")]


def no_filters() -> dict[str, Any]:
    return {}


def student_filters(grade: Annotated[int | None, Query(ge=-1, le=20)] = None) -> dict[str, Any]:
    return {"grade": grade}


def offering_filters(
    kind: domain.OfferingKind | None = None, pathway: Annotated[str | None, Query(max_length=100)] = None
) -> dict[str, Any]:
    return {"kind": kind, "pathway": pathway}


def entity_router(kind: str, model: type[BaseModel], filters: Callable[..., dict[str, Any]]) -> APIRouter:
    """The five routes of one kind of record."""
    router = APIRouter(prefix=f"/schools/{{school}}/{kind}", tags=[kind])
    Filters = Annotated[dict[str, Any], Depends(filters)]

    @router.get("", summary=f"List {kind} (paged, filtered)")
    def list_records(
        session: SessionDep,
        actor: ActorDep,
        school: str,
        where: Filters,
        limit: Limit = 100,
        offset: Offset = 0,
        q: SearchQuery = None,
    ) -> Page[model]:  # type: ignore[valid-type]
        page = service.list_records(session, actor, school, kind, limit=limit, offset=offset, search=q, filters=where)
        return Page(items=page.items, total=page.total, limit=limit, offset=offset)

    @router.post("", status_code=status.HTTP_201_CREATED, summary=f"Create one of the {kind}")
    def create_record(session: SessionDep, actor: ActorDep, school: str, record: model) -> model:  # type: ignore[valid-type]
        return service.create_record(session, actor, school, kind, record)

    @router.get("/{key}", summary=f"Read one of the {kind}")
    def get_record(session: SessionDep, actor: ActorDep, school: str, key: str) -> model:  # type: ignore[valid-type]
        return service.get_record(session, actor, school, kind, key)

    @router.put("/{key}", summary=f"Replace one of the {kind}")
    def replace_record(session: SessionDep, actor: ActorDep, school: str, key: str, record: model) -> model:  # type: ignore[valid-type]
        return service.replace_record(session, actor, school, kind, key, record)

    @router.delete("/{key}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete one of the {kind}")
    def delete_record(session: SessionDep, actor: ActorDep, school: str, key: str) -> Response:
        service.delete_record(session, actor, school, kind, key)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


ROUTERS = [
    entity_router("students", domain.Student, student_filters),
    entity_router("staff", domain.Staff, no_filters),
    entity_router("spaces", domain.Space, no_filters),
    entity_router("resources", domain.Resource, no_filters),
    entity_router("offerings", domain.Offering, offering_filters),
]
