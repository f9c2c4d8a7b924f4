"""``scheduler ics PROBLEM PLAN --out DIR`` and ``scheduler solve ... --ics-dir DIR``: files and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from calendar_schools import FIXTURES, School
from typer.testing import CliRunner

from scheduler.cli import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_OK, app

pytest_plugins = ["calendar_schools"]  # the shared schools (see calendar_schools.py)

TINY = FIXTURES / "tiny-school.json"
runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _plan_file(fixture: School, folder: Path, **changes: object) -> Path:
    path = folder / "plan.json"
    path.write_text(json.dumps({**fixture.plan.model_dump(mode="json"), **changes}), "utf-8")
    return path


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.ics"))}


def test_ics_writes_one_file_per_entity_and_the_same_bytes_twice(tiny_feeds: School, tmp_path: Path) -> None:
    plan = _plan_file(tiny_feeds, tmp_path)
    first, second = tmp_path / "feeds-1", tmp_path / "feeds-2"
    result = invoke("ics", TINY, plan, "--out", first)
    assert result.exit_code == EXIT_OK, result.output
    assert "calendar feeds written" in result.output
    assert invoke("ics", TINY, plan, "--out", second).exit_code == EXIT_OK
    files = _tree(first)
    assert files == _tree(second)
    assert set(files) == {str(p.relative_to(tiny_feeds.folder)) for p in tiny_feeds.files}
    assert all(data.startswith(b"BEGIN:VCALENDAR\r\n") for data in files.values())


def test_ics_refuses_a_plan_that_is_not_feasible(tiny_feeds: School, tmp_path: Path) -> None:
    plan = _plan_file(tiny_feeds, tmp_path, status="infeasible", sessions=[], assignments=[])
    result = invoke("ics", TINY, plan, "--out", tmp_path / "feeds")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "feasible" in result.output
    assert not (tmp_path / "feeds").exists()


def test_ics_refuses_a_plan_of_another_school(tiny_feeds: School, tmp_path: Path) -> None:
    plan = _plan_file(tiny_feeds, tmp_path, school="riverside-ms")
    result = invoke("ics", TINY, plan, "--out", tmp_path / "feeds")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "riverside-ms" in result.output
    assert not list((tmp_path / "feeds").rglob("*.ics"))


def test_ics_refuses_a_plan_with_unknown_ids(tiny_feeds: School, tmp_path: Path) -> None:
    sessions = [s.model_dump() for s in tiny_feeds.plan.sessions]
    sessions[0]["space"] = "no-such-room"
    plan = _plan_file(tiny_feeds, tmp_path, sessions=sessions)
    result = invoke("ics", TINY, plan, "--out", tmp_path / "feeds")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "no-such-room" in result.output


def test_ics_out_must_be_a_folder_that_can_be_made(tiny_feeds: School, tmp_path: Path) -> None:
    plan = _plan_file(tiny_feeds, tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("x", "utf-8")
    assert invoke("ics", TINY, plan, "--out", a_file).exit_code == EXIT_BAD_INPUT
    assert invoke("ics", TINY, plan, "--out", tmp_path / "missing" / "feeds").exit_code == EXIT_BAD_INPUT


def test_ics_notes_older_files_it_leaves_alone(tiny_feeds: School, tmp_path: Path) -> None:
    plan = _plan_file(tiny_feeds, tmp_path)
    (tmp_path / "feeds" / "students").mkdir(parents=True)
    (tmp_path / "feeds" / "students" / "s-left-school.ics").write_bytes(b"old")
    result = invoke("ics", TINY, plan, "--out", tmp_path / "feeds")
    assert result.exit_code == EXIT_OK
    assert "1 older .ics files" in result.output
    assert (tmp_path / "feeds" / "students" / "s-left-school.ics").read_bytes() == b"old"


def test_solve_with_ics_dir_writes_plan_and_feeds(tmp_path: Path) -> None:
    out, feeds = tmp_path / "plan.json", tmp_path / "feeds"
    result = invoke("solve", TINY, "--out", out, "--time-limit", 10, "--ics-dir", feeds)
    assert result.exit_code == EXIT_OK, result.output
    plan = json.loads(out.read_text("utf-8"))
    students = {a["student"] for a in plan["assignments"]}
    assert {p.stem for p in (feeds / "students").glob("*.ics")} == students
    assert (feeds / "staff").is_dir() and (feeds / "spaces").is_dir() and (feeds / "resources").is_dir()


def test_solve_writes_no_feeds_for_an_infeasible_school(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    result = invoke("solve", FIXTURES / "infeasible-school.json", "--out", tmp_path / "plan.json", "--ics-dir", feeds)
    assert result.exit_code == EXIT_INFEASIBLE
    assert not feeds.exists()


def test_solve_checks_the_ics_dir_before_solving(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x", "utf-8")
    result = invoke("solve", TINY, "--out", tmp_path / "plan.json", "--ics-dir", a_file)
    assert result.exit_code == EXIT_BAD_INPUT
    assert not (tmp_path / "plan.json").exists()
