"""CSV import and export of a week: the five files load back unchanged, a file replaces only its part,
and a bad row is refused with its file, row and column named while nothing is stored."""

from __future__ import annotations

import copy
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler.domain.loading import parse_problem
from scheduler.domain.problem import Problem, Space, Student
from scheduler.services import csv_files
from scheduler.storage.database import Database
from scheduler.storage.tables import ChoiceListRow
from tests.service.conftest import School, auth, import_school, issue_token

NAMES = ("students", "choices", "needs", "staff", "spaces")


def _export(client: TestClient, week_api: str, name: str, headers: dict[str, str]) -> str:
    response = client.get(f"{week_api}/csv/{name}.csv", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return response.text


def _import(
    client: TestClient, week_api: str, files: dict[str, str | bytes], headers: dict[str, str]
) -> httpx.Response:
    parts = {name: (f"{name}.csv", content, "text/csv") for name, content in files.items()}
    return client.put(f"{week_api}/csv", files=parts, headers=headers)


def _problem(school: School) -> Problem:
    response = school.client.get(f"{school.week_api}/problem", headers=school.scheduler)
    assert response.status_code == 200, response.text
    return parse_problem(response.json())


def _scrubbed(problem: dict, key: str) -> dict:
    """The same school under another id with everything the five files hold blanked or reordered
    (grades stay: locks and requests must still fit the students' grades)."""
    blank = copy.deepcopy(problem)
    blank["school"]["id"] = key
    blank["students"] = [
        {"id": s["id"], "grade": s["grade"], "choices": [], "needs": []} for s in reversed(problem["students"])
    ]
    blank["staff"] = [{"id": s["id"]} for s in reversed(problem["staff"])]
    blank["spaces"] = [{"id": s["id"], "capacity": 1} for s in reversed(problem["spaces"])]
    return blank


@pytest.mark.parametrize("fixture", ["tiny-school.json", "riverside-ms.json"])
def test_the_five_files_load_back_unchanged(app_client: TestClient, database_url: str, fixture: str) -> None:
    source = import_school(app_client, database_url, fixture)
    files = {name: _export(app_client, source.week_api, name, source.scheduler) for name in NAMES}
    assert files["students"].startswith("id,name,grade,unavailable,avoid\r\n")

    key = "copy-school"
    headers = auth(issue_token(database_url, "scheduler", key))
    created = app_client.post("/api/v1/schools", json=_scrubbed(source.problem, key), headers=headers)
    assert created.status_code == 201, created.text
    week_api = f"/api/v1/schools/{key}/weeks/{source.week}"
    response = _import(app_client, week_api, files, headers)
    assert response.status_code == 200, response.text
    assert response.json()["rows"]["students"] == len(source.problem["students"])

    exported = app_client.get(f"{week_api}/problem", headers=headers).json()
    expected = copy.deepcopy(source.problem)
    expected["school"]["id"] = key
    assert parse_problem(exported) == parse_problem(expected)


def test_choices_alone_replace_the_choices_and_nothing_else(tiny: School, database_url: str) -> None:
    database = Database(database_url)
    with database.transaction() as session:  # s-2 submitted their own list: that origin must survive
        row = session.scalar(select(ChoiceListRow).where(ChoiceListRow.key == "s-2"))
        assert row is not None
        row.submitted_by = "student"
    before = _problem(tiny)
    text = _export(tiny.client, tiny.week_api, "choices", tiny.scheduler)
    text = text.replace("s-1,1,robotics", "s-1,1,chess").replace("s-1,3,chess", "s-1,3,robotics")
    response = _import(tiny.client, tiny.week_api, {"choices": text}, tiny.scheduler)
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == {"choices": sum(len(s.choices) for s in before.students)}

    students = [
        s.model_copy(update={"choices": ["chess", "art", "robotics"]}) if s.id == "s-1" else s for s in before.students
    ]
    assert _problem(tiny) == before.model_copy(update={"students": students})
    with database.transaction() as session:
        sources = dict(session.execute(select(ChoiceListRow.key, ChoiceListRow.submitted_by)).all())
    database.dispose()
    assert sources["s-1"] == "import" and sources["s-2"] == "student"


def _line(number: int, new: str) -> Callable[[str], str]:
    """Replace row ``number`` (the header is row 1) of a file."""

    def edit(text: str) -> str:
        lines = text.split("\r\n")
        lines[number - 1] = new
        return "\r\n".join(lines)

    return edit


BAD_ROWS = {
    "unknown column": (
        "students",
        lambda text: text.replace("avoid\r\n", "avoid,colour\r\n", 1),
        "students.csv:row 1:colour",
        "unknown column 'colour'",
    ),
    "grade seven": ("students", _line(3, "s-2,Ben Brooks,seven,,"), "students.csv:row 3:grade", "'seven'"),
    "duplicate student id": ("students", _line(3, "s-1,Ben Brooks,6,,"), "students.csv:row 3:id", "duplicate id 's-1'"),
    "rank gap": ("choices", _line(4, "s-1,4,chess"), "choices.csv:row 4:rank", "rank 4 of student 's-1'"),
    "unknown offering": (
        "choices",
        _line(3, "s-1,2,knitting"),
        "choices.csv:row 3:offering",
        "unknown offering 'knitting'",
    ),
    "unknown student": ("needs", _line(2, "s-99,reading-t2,2"), "needs.csv:row 2:student", "unknown student 's-99'"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_is_named_and_nothing_is_stored(tiny: School, case: str) -> None:
    name, edit, path, message = BAD_ROWS[case]
    before = _problem(tiny)
    bad = edit(_export(tiny.client, tiny.week_api, name, tiny.scheduler))
    # A valid change sent along must not be stored either.
    staff = _export(tiny.client, tiny.week_api, "staff", tiny.scheduler).replace("Ana Ruiz", "Ana Ruiz-Lopez")
    response = _import(tiny.client, tiny.week_api, {name: bad, "staff": staff}, tiny.scheduler)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert any(e["path"] == path and message in e["message"] for e in errors), errors
    assert _problem(tiny) == before


def test_a_byte_order_mark_is_accepted(tiny: School) -> None:
    text = _export(tiny.client, tiny.week_api, "students", tiny.scheduler).replace("Ava Adams", "Ava Álvarez")
    response = _import(tiny.client, tiny.week_api, {"students": "\ufeff" + text}, tiny.scheduler)
    assert response.status_code == 200, response.text
    assert _problem(tiny).students[0].name == "Ava Álvarez"


def test_only_schedulers_import_and_export(tiny: School) -> None:
    text = _export(tiny.client, tiny.week_api, "students", tiny.scheduler)
    assert _import(tiny.client, tiny.week_api, {"students": text}, tiny.student).status_code == 403
    assert tiny.client.get(f"{tiny.week_api}/csv/students.csv", headers=tiny.student).status_code == 403


def test_a_misspelt_or_missing_file_is_refused(tiny: School) -> None:
    text = _export(tiny.client, tiny.week_api, "students", tiny.scheduler)
    response = _import(tiny.client, tiny.week_api, {"student": text}, tiny.scheduler)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "student"
    empty = tiny.client.put(f"{tiny.week_api}/csv", headers=tiny.scheduler)
    assert empty.status_code == 422 and "no file given" in empty.json()["errors"][0]["message"]
    assert tiny.client.get(f"{tiny.week_api}/csv/pupils.csv", headers=tiny.scheduler).status_code == 422


def test_a_roster_without_optional_columns_keeps_them(tiny: School) -> None:
    before = _problem(tiny)
    roster = "Grade,ID,Name\r\n" + "".join(f"{s.grade},{s.id},{s.name.upper()}\r\n" for s in before.students)
    response = _import(tiny.client, tiny.week_api, {"students": roster}, tiny.scheduler)
    assert response.status_code == 200, response.text
    after = _problem(tiny)
    assert [s.name for s in after.students] == [s.name.upper() for s in before.students]
    assert [(s.avoid, s.unavailable, s.needs, s.choices) for s in after.students] == [
        (s.avoid, s.unavailable, s.needs, s.choices) for s in before.students
    ]


def test_an_empty_file_means_none_and_references_are_checked(tiny: School) -> None:
    response = _import(tiny.client, tiny.week_api, {"needs": "student,offering,sessions\r\n"}, tiny.scheduler)
    assert response.status_code == 200, response.text
    assert all(not s.needs for s in _problem(tiny).students)
    # Dropping s-7 leaves the teacher's request for them pointing at nobody.
    text = _export(tiny.client, tiny.week_api, "students", tiny.scheduler)
    without = "\r\n".join(line for line in text.split("\r\n") if not line.startswith("s-7,"))
    response = _import(tiny.client, tiny.week_api, {"students": without}, tiny.scheduler)
    assert response.status_code == 422
    assert {"path": "requests[q-1].student", "message": "unknown student 's-7'"} in response.json()["errors"]


def test_blocks_of_other_weeks_are_kept(tiny: School) -> None:
    """A week with a Friday makes t-ruiz unavailable on "fri"; importing the first week (no Friday)
    must not drop it."""
    second = copy.deepcopy(tiny.problem)
    second["blocks"] = [
        {"id": "mon", "date": "2026-12-07", "start": "10:00", "end": "10:45"},
        {"id": "tue", "date": "2026-12-08", "start": "10:00", "end": "10:45"},
        {"id": "wed", "date": "2026-12-09", "start": "10:00", "end": "10:45"},
        {"id": "fri", "date": "2026-12-11", "start": "10:00", "end": "10:45"},
    ]
    second["staff"][0]["unavailable"] = ["fri"]
    response = tiny.client.put(f"{tiny.api}/problem", json=second, headers=tiny.scheduler)
    assert response.status_code == 200, response.text
    files = {name: _export(tiny.client, tiny.week_api, name, tiny.scheduler) for name in NAMES}
    assert _import(tiny.client, tiny.week_api, files, tiny.scheduler).status_code == 200
    week2 = tiny.client.get(f"{tiny.api}/weeks/2026-12-07/problem", headers=tiny.scheduler).json()
    assert week2["staff"][0]["unavailable"] == ["fri"]


def test_files_read_back_what_was_written() -> None:
    students = [
        Student(id="s-1", name='Zoë "Z" O\'Neil, Jr.', grade=7, unavailable=["mon", "tue"], avoid=["s-2"]),
        Student(id="s-2", name="=SUM(A1:A9)\nline two", grade=-1),
        Student(id="s-3", name=" padded ", grade=12),
    ]
    table, issues = csv_files.read("students", csv_files.write("students", students))
    assert issues == []
    assert [row.record for row in table.rows] == students
    assert [row.number for row in table.rows] == [2, 3, 4]


def test_a_feature_with_the_list_separator_cannot_be_written() -> None:
    with pytest.raises(csv_files.NotWritable) as raised:
        csv_files.write("spaces", [Space(id="lab", capacity=4, features=["wet;dry"])])
    assert raised.value.issue.path == "spaces[lab].features"
