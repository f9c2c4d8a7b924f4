"""Import a school's week from CSV files and export it back: the use case around ``csv_files``.

Each file given replaces its part of the school; the parts not given stay as they are:

- ``students.csv``: the school's students, in the file's order. A kept student (same id) keeps their
  needs unless ``needs.csv`` is given too, and this week's choices unless ``choices.csv`` is; a new
  student starts with none. A student the file drops loses their choice lists of every week, as a
  deleted student does.
- ``choices.csv``: every student's ranked choices for this week (a student without rows has none).
- ``needs.csv``: every student's needs (needs hold for every week, as in the JSON import).
- ``staff.csv``, ``spaces.csv``: the school's staff, the school's spaces.

An optional column a file leaves out (a SIS roster of just id, name, grade) keeps each kept record's
stored value and gives new records the default, so refreshing a roster does not wipe avoid lists or
unavailable blocks entered by hand. A header-only file means "none".

The new problem is the stored week (``store.load_problem``) with those parts swapped. It is checked
in two steps like a JSON import: each file on its own (columns, values, duplicates, rank gaps), then
the whole problem (``find_problem_issues``), each issue named by file, row and column when it comes
from a file (``choices.csv:row 7:offering``), else by record id (``requests[q-1].student``). It is then
stored through ``schools.replace_school``, which validates every week of the school again. Any issue
raises ``InvalidInput`` (422) listing them all, and the request's transaction stores nothing.

The files describe this week only, so their block ids must be this week's. Block ids of other weeks
that stored records list (a teacher unavailable on a Friday this week does not have) are kept, and a
choice list the import leaves unchanged keeps who submitted it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler.domain.errors import InputIssue
from scheduler.domain.problem import Need, Problem, Student
from scheduler.domain.validation import find_problem_issues
from scheduler.services import csv_files
from scheduler.services.actors import Actor, require_role
from scheduler.services.csv_files import CsvFile, Row, Table
from scheduler.services.errors import Conflict, InvalidInput
from scheduler.services.schools import export_problem, named_path, replace_school, require_week, school_row
from scheduler.storage import problems as store
from scheduler.storage.tables import ChoiceListRow, SchoolRow, StudentRow

FILE_NAMES: tuple[str, ...] = tuple(csv_files.FILES)
# Where a record of the new problem came from, by its path in the problem (``students[3]``,
# ``students[3].choices[1]``): the file, the row, and the column an issue without a field names.
Origins = dict[str, tuple[CsvFile, int, str]]
_BOUNDARY = re.compile(r"[.\[]")
_FIELD = re.compile(r"\.(\w+)")


@dataclass(frozen=True)
class CsvImport:
    week: dt.date
    rows: dict[str, int]  # records read, per file given


def export_csv(session: Session, actor: Actor, school: str, week: dt.date, name: str) -> str:
    """One of the five files of the week, as ``import_csv`` reads it back."""
    problem = export_problem(session, actor, school, week)
    try:
        return csv_files.write(name, csv_files.records(name, problem))
    except csv_files.NotWritable as exc:
        message = f"{name}.csv cannot hold the stored data unchanged: {exc.issue}"
        raise Conflict(message, code="not_csv_writable", issues=[exc.issue]) from exc


def import_csv(
    session: Session, actor: Actor, school: str, week: dt.date, files: Mapping[str, bytes], fields: Sequence[str]
) -> CsvImport:
    """Replace the parts of the school the files give. ``fields`` are all the form's field names, so a
    misspelt file name is refused instead of ignored."""
    row = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    require_week(session, row, week)
    _refuse(_field_issues(fields))
    tables = _read_files(files)
    current = store.load_problem(session, row, week)
    problem, origins, issues = _swap(current, tables)
    _refuse(issues + [_locate(issue, problem, origins) for issue in find_problem_issues(problem)])
    sources = _choice_sources(session, row, week)
    replace_school(session, actor, school, problem)
    _keep_choice_sources(session, row, week, sources)
    if "students" in tables:
        _forget_removed_students(session, row)
    return CsvImport(week, {name: len(table.rows) for name, table in tables.items()})


def _refuse(issues: list[InputIssue]) -> None:
    if issues:
        message = f"the CSV files have {len(issues)} error(s); nothing was stored"
        raise InvalidInput(message, code="invalid_csv", issues=issues)


def _field_issues(fields: Sequence[str]) -> list[InputIssue]:
    expected = ", ".join(FILE_NAMES)
    if not fields:
        return [InputIssue("", f"no file given; send one or more of {expected} as multipart/form-data")]
    issues = [
        InputIssue(field, f"unknown file {field!r} (the files are {expected})")
        for field in dict.fromkeys(fields)
        if field not in csv_files.FILES
    ]
    issues += [
        InputIssue(field, f"file {field!r} is given {count} times")
        for field, count in Counter(fields).items()
        if count > 1 and field in csv_files.FILES
    ]
    return issues


def _read_files(files: Mapping[str, bytes]) -> dict[str, Table]:
    """Every file read on its own; all their issues at once, before the problem is assembled."""
    tables: dict[str, Table] = {}
    issues: list[InputIssue] = []
    for name in FILE_NAMES:
        if name not in files:
            continue
        text, found = csv_files.decode(name, files[name])
        if text is not None:
            tables[name], found = csv_files.read(name, text)
            if name == "choices" and not found:  # a row that failed to read would show as a false gap
                found = csv_files.ranked_choices(tables[name])[1]
        issues += found
    _refuse(issues)
    return tables


# --- swapping the parts given ----------------------------------------------------------------------


def _swap(current: Problem, tables: dict[str, Table]) -> tuple[Problem, Origins, list[InputIssue]]:
    origins: Origins = {}
    update: dict[str, Any] = {
        kind: _replaced(kind, getattr(current, kind), tables[kind], origins)
        for kind in ("students", "staff", "spaces")
        if kind in tables
    }
    students: list[Student] = update.get("students", current.students)
    in_file = "students" in tables
    issues: list[InputIssue] = []
    if "choices" in tables:
        by_student = csv_files.ranked_choices(tables["choices"])[0]
        students, found = _attach(students, by_student, "choices", _choice, origins, in_file)
        issues += found
    if "needs" in tables:
        by_student = defaultdict(list)
        for row in tables["needs"].rows:
            by_student[row.record.student].append(row)
        students, found = _attach(students, by_student, "needs", _need, origins, in_file)
        issues += found
    update["students"] = students
    return current.model_copy(update=update), origins, issues


def _choice(row: csv_files.ChoiceRow) -> str:
    return row.offering


def _need(row: csv_files.NeedRow) -> Need:
    return Need(offering=row.offering, sessions=row.sessions)


def _replaced(kind: str, stored: list[Any], table: Table, origins: Origins) -> list[BaseModel]:
    """The file's records. Fields it does not give (a column left out; a student's choices and needs,
    which other files hold) keep a kept record's stored value."""
    old = {record.id: record for record in stored}
    not_given = [field for field in table.file.model.model_fields if field not in table.columns]
    records = []
    for index, row in enumerate(table.rows):
        kept = old.get(row.record.id)
        records.append(row.record.model_copy(update={f: getattr(kept, f) for f in not_given}) if kept else row.record)
        origins[f"{kind}[{index}]"] = (table.file, row.number, "id")
    return records


def _attach(
    students: list[Student],
    by_student: dict[str, list[Row]],
    field: str,
    value: Callable[[Any], Any],
    origins: Origins,
    students_in_file: bool,
) -> tuple[list[Student], list[InputIssue]]:
    """Every student's ``field`` from the file's rows (none without rows); rows of unknown students are issues."""
    spec = csv_files.FILES[field]
    index = {student.id: i for i, student in enumerate(students)}
    issues = []
    for key, rows in by_student.items():
        if key not in index:
            why = "not in students.csv" if students_in_file else "no such student in the school"
            issues.append(
                InputIssue(f"{spec.filename}:row {rows[0].number}:student", f"unknown student {key!r} ({why})")
            )
            continue
        for j, row in enumerate(rows):
            origins[f"students[{index[key]}].{field}[{j}]"] = (spec, row.number, "offering")
        origins[f"students[{index[key]}].{field}"] = (
            spec,
            rows[-1].number,
            "rank" if field == "choices" else "offering",
        )
    attached = [s.model_copy(update={field: [value(row.record) for row in by_student.get(s.id, [])]}) for s in students]
    return attached, issues


def _locate(issue: InputIssue, problem: Problem, origins: Origins) -> InputIssue:
    """``students[3].grade`` -> ``students.csv:row 5:grade`` when the record came from a file."""
    path = issue.path
    cuts = [match.start() for match in _BOUNDARY.finditer(path)] + [len(path)]
    for cut in reversed(cuts):
        origin = origins.get(path[:cut])
        if origin is None:
            continue
        spec, number, default = origin
        field = _FIELD.match(path[cut:])
        column = field.group(1) if field else default
        if spec.column(column) is not None:  # else the field is another file's (a student's needs)
            return InputIssue(f"{spec.filename}:row {number}:{column}", issue.message)
        break
    return InputIssue(named_path(problem, path), issue.message)


# --- storing -----------------------------------------------------------------------------------------


def _choice_sources(session: Session, school: SchoolRow, week: dt.date) -> dict[str, tuple[list[str], str | None]]:
    query = select(ChoiceListRow.key, ChoiceListRow.offerings, ChoiceListRow.submitted_by).where(
        ChoiceListRow.school_id == school.id, ChoiceListRow.week == week
    )
    return {key: (list(offerings), source) for key, offerings, source in session.execute(query)}


def _keep_choice_sources(
    session: Session, school: SchoolRow, week: dt.date, sources: dict[str, tuple[list[str], str | None]]
) -> None:
    """Storing the week marks every choice list as imported; one the files did not change keeps its source."""
    query = select(ChoiceListRow).where(ChoiceListRow.school_id == school.id, ChoiceListRow.week == week)
    for row in session.scalars(query):
        offerings, source = sources.get(row.key, (None, None))
        if offerings == row.offerings and source != row.submitted_by:
            row.submitted_by = source
    session.flush()


def _forget_removed_students(session: Session, school: SchoolRow) -> None:
    """Choice lists (of any week) of students no longer in the school, as ``entities.delete_record`` does."""
    students = select(StudentRow.key).where(StudentRow.school_id == school.id)
    session.execute(
        delete(ChoiceListRow).where(ChoiceListRow.school_id == school.id, ChoiceListRow.key.not_in(students))
    )
