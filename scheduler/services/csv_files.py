"""The five CSV files of a school's week <-> records of the problem format, as pure functions.

The files are what a spreadsheet or a student information system (SIS) export gives:

- ``students.csv``: id, name, grade, unavailable, avoid
- ``choices.csv``: student, rank, offering (one row per choice, ranks 1..n without gaps per student)
- ``needs.csv``: student, offering, sessions
- ``staff.csv``: id, name, email, unavailable, max_sessions
- ``spaces.csv``: id, name, capacity, features, unavailable

Reading rules, the same for all five:

- UTF-8, with or without the byte-order mark Excel writes; comma-separated, RFC 4180 quoting.
- A header row is required. Columns are found by name (case and surrounding spaces ignored), in any
  order. A column the file does not know is an error naming it: a typo must not be dropped silently.
  ``id``, ``grade``, ``capacity``, ``student``, ``rank``, ``offering`` and ``sessions`` are required;
  the other columns may be left out (the caller decides what a missing column means, see
  ``csv_import``).
- One record per row. A row whose cells are all empty is skipped (spreadsheets leave them behind).
- Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2. Each
  issue is reported as ``students.csv:row 14:grade`` with the offending value in its message.
- Lists (unavailable, avoid, features) are items separated by ``;``; spaces around items and empty
  items are ignored; an empty cell is an empty list.
- ``name`` and ``email`` are kept verbatim; an empty cell means none (so an empty name reads back as
  none). Every other cell is stripped of surrounding spaces; an empty ``max_sessions`` means no limit.
- At most ``MAX_ROWS`` records per file. Duplicate ids (and a student's rank or need given twice) are
  reported with both rows.

Writing gives every column in the order above, lists joined by ``;``, ``\\r\\n`` line ends and no BOM;
reading a written file gives the same records back. A list item that could not be read back (a
feature containing ``;``) is refused with ``NotWritable`` instead of being split silently. Values are
not escaped against spreadsheet formulas (a name starting with ``=``): the files must load back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from scheduler.domain.errors import InputIssue
from scheduler.domain.problem import EntityId, Need, Problem, Space, Staff, Strict, Student

MAX_ROWS = 100_000
SEPARATOR = ";"
FileName = Literal["students", "choices", "needs", "staff", "spaces"]
Model = TypeVar("Model", bound=BaseModel)


class ChoiceRow(Strict):
    """One row of ``choices.csv``: the student's choice of that rank (1 is best)."""

    student: EntityId
    rank: int = Field(ge=1, le=1000)
    offering: EntityId


class NeedRow(Need):
    """One row of ``needs.csv``: a need of the problem format with its student."""

    student: EntityId


@dataclass(frozen=True)
class Column:
    name: str
    kind: Literal["value", "text", "list"] = "value"  # text: verbatim; value: stripped; list: ';'-separated
    required: bool = False


@dataclass(frozen=True)
class CsvFile:
    """What one file holds: its record model, its columns and what must be unique across its rows."""

    name: FileName
    model: type[BaseModel]
    columns: tuple[Column, ...]
    unique: tuple[str, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


ID = Column("id", required=True)
NAME = Column("name", "text")
UNAVAILABLE = Column("unavailable", "list")
FILES: dict[str, CsvFile] = {
    "students": CsvFile(
        "students", Student, (ID, NAME, Column("grade", required=True), UNAVAILABLE, Column("avoid", "list")), ("id",)
    ),
    "choices": CsvFile(
        "choices",
        ChoiceRow,
        (Column("student", required=True), Column("rank", required=True), Column("offering", required=True)),
        ("student", "rank"),
    ),
    "needs": CsvFile(
        "needs",
        NeedRow,
        (Column("student", required=True), Column("offering", required=True), Column("sessions", required=True)),
        ("student", "offering"),
    ),
    "staff": CsvFile("staff", Staff, (ID, NAME, Column("email", "text"), UNAVAILABLE, Column("max_sessions")), ("id",)),
    "spaces": CsvFile(
        "spaces",
        Space,
        (ID, NAME, Column("capacity", required=True), Column("features", "list"), UNAVAILABLE),
        ("id",),
    ),
}


@dataclass(frozen=True)
class Row(Generic[Model]):
    """A record read from a file and the spreadsheet row it came from (header = row 1)."""

    number: int
    record: Model


@dataclass(frozen=True)
class Table(Generic[Model]):
    """The records of one file and the columns its header named (a caller may keep the others)."""

    file: CsvFile
    rows: list[Row[Model]]
    columns: frozenset[str]


class NotWritable(ValueError):
    """Stored data a CSV file cannot hold without changing it on the way back."""

    def __init__(self, issue: InputIssue) -> None:
        self.issue = issue
        super().__init__(str(issue))


# --- reading ---------------------------------------------------------------------------------------


def decode(name: str, data: bytes) -> tuple[str | None, list[InputIssue]]:
    """The file's text; Excel's "CSV UTF-8" starts with a BOM, which is dropped."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as CSV UTF-8"
        return None, [InputIssue(FILES[name].filename, message)]


class _Stop(Exception):
    """Reading cannot go on (the text is not CSV, or too long); carries the one issue to report."""

    def __init__(self, issue: InputIssue) -> None:
        self.issue = issue


def _lines(spec: CsvFile, text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the header and the records; raises ``_Stop`` on bad CSV or too many rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                raise _Stop(InputIssue(spec.filename, f"more than {MAX_ROWS:,} rows; split the file"))
            yield number, cells
    except csv.Error as exc:
        raise _Stop(InputIssue(f"{spec.filename}:row {number + 1}", f"not valid CSV ({exc})")) from exc


def _header_issues(spec: CsvFile, header: list[str]) -> list[InputIssue]:
    where = f"{spec.filename}:row 1"
    expected = ", ".join(column.name for column in spec.columns)
    issues = []
    for index, name in enumerate(header):
        if spec.column(name) is None:
            hint = "; the file looks separated by ';', use ','" if SEPARATOR in name else ""
            issues.append(InputIssue(f"{where}:{name}", f"unknown column {name!r} (the columns are {expected}){hint}"))
        elif name in header[:index]:
            issues.append(InputIssue(f"{where}:{name}", f"column {name!r} appears twice"))
    for column in spec.columns:
        if column.required and column.name not in header:
            issues.append(InputIssue(where, f"missing column {column.name!r} (required)"))
    return issues


def _no_header(spec: CsvFile) -> InputIssue:
    return InputIssue(f"{spec.filename}:row 1", "no header row; the first row must name the columns")


def _cell(column: Column, raw: str) -> Any:
    if column.kind == "list":
        return [item.strip() for item in raw.split(SEPARATOR) if item.strip()]
    if not raw.strip():
        return None
    return raw if column.kind == "text" else raw.strip()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _record(spec: CsvFile, number: int, cells: dict[str, str]) -> tuple[BaseModel | None, list[InputIssue]]:
    """One row as the file's model, or every issue of the row named by its column."""
    where = f"{spec.filename}:row {number}"
    values, issues = {}, []
    for name, raw in cells.items():
        column = spec.column(name)
        assert column is not None  # the header was checked
        value = _cell(column, raw)
        if value is None and column.required:
            issues.append(InputIssue(f"{where}:{name}", "empty; a value is required"))
        else:
            values[name] = value
    try:
        record = spec.model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] != "missing":  # reported above, as an empty cell
                column = str(error["loc"][0]) if error["loc"] else ""
                issues.append(InputIssue(f"{where}:{column}", f"{error['msg']} (got {_short(error.get('input'))})"))
        return None, issues
    return (None if issues else record), issues


def _duplicates(spec: CsvFile, rows: list[Row]) -> list[InputIssue]:
    first: dict[tuple[Any, ...], int] = {}
    issues = []
    for row in rows:
        key = tuple(getattr(row.record, field) for field in spec.unique)
        if key in first:
            named = " and ".join(f"{field} {value!r}" for field, value in zip(spec.unique, key, strict=True))
            path = f"{spec.filename}:row {row.number}:{spec.unique[-1]}"
            issues.append(InputIssue(path, f"duplicate {named} (also row {first[key]})"))
        else:
            first[key] = row.number
    return issues


def read(name: str, text: str) -> tuple[Table, list[InputIssue]]:
    """The records of one file, or every issue found in it (header first: a bad header stops there)."""
    spec = FILES[name]
    text = text.removeprefix("\ufeff")
    rows: list[Row] = []
    issues: list[InputIssue] = []
    header: list[str] = []
    try:
        for number, cells in _lines(spec, text):
            if number == 1:
                header = [cell.strip().lower() for cell in cells]
                issues = _header_issues(spec, header) if any(header) else [_no_header(spec)]
                if issues:
                    break
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if any(cell.strip() for cell in cells[len(header) :]):
                message = f"{len(cells)} cells, but the header names {len(header)} columns"
                issues.append(InputIssue(f"{spec.filename}:row {number}", message))
                continue
            padded = dict(zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=False))
            record, found = _record(spec, number, padded)
            issues += found
            if record is not None:
                rows.append(Row(number, record))
    except _Stop as stop:
        return Table(spec, [], frozenset()), [*issues, stop.issue]
    if not header and not issues:  # no line at all
        issues.append(_no_header(spec))
    issues += _duplicates(spec, rows)
    return Table(spec, rows, frozenset(header)), issues


def ranked_choices(table: Table[ChoiceRow]) -> tuple[dict[str, list[Row[ChoiceRow]]], list[InputIssue]]:
    """Each student's choice rows, best first. Ranks must run 1, 2, 3, ...: a gap is usually a lost row."""
    by_student: dict[str, list[Row[ChoiceRow]]] = defaultdict(list)
    for row in table.rows:
        by_student[row.record.student].append(row)
    issues = []
    for student, rows in by_student.items():
        rows.sort(key=lambda row: row.record.rank)
        previous = 0
        for row in rows:
            if row.record.rank > previous + 1:  # a rank given twice is a duplicate, reported by ``read``
                message = (
                    f"rank {row.record.rank} of student {student!r} comes after rank {previous}; "
                    "ranks run 1, 2, 3, ... without gaps"
                )
                issues.append(InputIssue(f"choices.csv:row {row.number}:rank", message))
                break
            previous = row.record.rank
    return dict(by_student), issues


# --- writing ---------------------------------------------------------------------------------------


def records(name: str, problem: Problem) -> list[BaseModel]:
    """The records ``name`` holds for ``problem``, in the problem's order."""
    if name == "choices":
        return [
            ChoiceRow(student=s.id, rank=rank, offering=offering)
            for s in problem.students
            for rank, offering in enumerate(s.choices, start=1)
        ]
    if name == "needs":
        return [
            NeedRow(student=s.id, offering=n.offering, sessions=n.sessions) for s in problem.students for n in s.needs
        ]
    return list(getattr(problem, FILES[name].name))


def _format(column: Column, value: Any, where: str) -> str:
    if value is None:
        return ""
    if column.kind != "list":
        return str(value)
    for item in value:
        if not item.strip() or item != item.strip() or SEPARATOR in item:
            message = f"{item!r} cannot be written in a {SEPARATOR!r}-separated list and read back unchanged"
            raise NotWritable(InputIssue(where, message))
    return SEPARATOR.join(value)


def write(name: str, rows: Sequence[BaseModel]) -> str:
    """The CSV text of ``rows`` (records of file ``name``), header first."""
    spec = FILES[name]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([column.name for column in spec.columns])
    for index, record in enumerate(rows):
        where = f"{spec.name}[{getattr(record, 'id', index)}]"
        writer.writerow([_format(c, getattr(record, c.name), f"{where}.{c.name}") for c in spec.columns])
    return out.getvalue()
