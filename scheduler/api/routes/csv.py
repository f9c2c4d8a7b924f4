"""A week of a school as five CSV files: import any of them (multipart), export each one.

The files and their rules are described in ``scheduler.services.csv_files``; what an import replaces
in ``scheduler.services.csv_import``. Each upload is bounded by the app's body-size limit (413).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from pydantic import BaseModel

from scheduler.api.deps import ActorDep, SessionDep
from scheduler.services import csv_import as service

router = APIRouter(prefix="/schools/{school}/weeks/{week}/csv", tags=["csv"])

CsvName = Literal["students", "choices", "needs", "staff", "spaces"]
Upload = Annotated[UploadFile | None, File(description="A CSV file (UTF-8, header row); replaces its part.")]


class CsvImported(BaseModel):
    school: str
    week: dt.date
    rows: dict[str, int]


async def form_fields(request: Request) -> list[str]:
    """Every field name of the form (already parsed for the uploads), so a misspelt one is refused."""
    form = await request.form()
    return [key for key, _ in form.multi_items()]


FormFields = Annotated[list[str], Depends(form_fields)]


@router.put("", summary="Replace parts of the school's data by CSV files (multipart/form-data)")
def import_csv(
    session: SessionDep,
    actor: ActorDep,
    school: str,
    week: dt.date,
    fields: FormFields,
    students: Upload = None,
    choices: Upload = None,
    needs: Upload = None,
    staff: Upload = None,
    spaces: Upload = None,
) -> CsvImported:
    uploads = {"students": students, "choices": choices, "needs": needs, "staff": staff, "spaces": spaces}
    files = {name: upload.file.read() for name, upload in uploads.items() if upload is not None}
    result = service.import_csv(session, actor, school, week, files, fields)
    return CsvImported(school=school, week=result.week, rows=result.rows)


@router.get(
    "/{name}.csv",
    summary="Export one CSV file of the week",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The file, header row first."}},
)
def export_csv(session: SessionDep, actor: ActorDep, school: str, week: dt.date, name: CsvName) -> Response:
    text = service.export_csv(session, actor, school, week, name)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})
