"""Domain records <-> table rows. Columns carry the spec's field names, so this is mechanical.

The spec id of a record is the row's ``key``; everything else maps field for field (JSON columns
hold the nested lists in their JSON form).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel

from scheduler.domain import problem as domain
from scheduler.storage import tables as t

Record = TypeVar("Record", bound=BaseModel)

# Kinds a scheduler edits one at a time, by the name they have in the problem format.
ENTITY_TABLES: dict[str, tuple[type[t.SchoolScoped], type[BaseModel]]] = {
    "students": (t.StudentRow, domain.Student),
    "staff": (t.StaffRow, domain.Staff),
    "spaces": (t.SpaceRow, domain.Space),
    "resources": (t.ResourceRow, domain.Resource),
    "offerings": (t.OfferingRow, domain.Offering),
}
# Fields of a domain record that are not columns of its row (stored elsewhere).
NOT_COLUMNS = {"id", "choices"}


def row_values(record: BaseModel) -> dict[str, Any]:
    """Column values of ``record``: JSON-ready nested values, Python dates and times for blocks."""
    values = record.model_dump(mode="json", exclude=NOT_COLUMNS)
    if isinstance(record, domain.Block):
        values.update(date=record.date, start=record.start, end=record.end)
    values["key"] = record.id  # type: ignore[attr-defined]
    return values


def to_record(row: t.SchoolScoped, model: type[Record], **extra: Any) -> Record:
    """The domain record stored in ``row`` (``extra`` supplies fields kept in other tables)."""
    data = {name: getattr(row, name) for name in model.model_fields if name not in NOT_COLUMNS}
    data["id"] = row.key
    data.update(extra)
    return model.model_validate(data)


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week: how weeks are named in storage and URLs."""
    return day - dt.timedelta(days=day.weekday())
