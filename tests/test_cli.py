"""The ``scheduler`` command: exit codes, files written (or not), and what the user reads.

One real run of the installed console script (``scheduler solve``, non-TTY progress); everything else
goes through typer's CliRunner. Solver runs use the tiny fixture with short time limits.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.domain.checker import check_plan
from scheduler.domain.loading import load_plan, load_problem
from scheduler.domain.plan import Plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY = FIXTURES / "tiny-school.json"
INFEASIBLE = FIXTURES / "infeasible-school.json"
TIME_LIMIT = "10"
ANSI = re.compile(r"\x1b\[")

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _console_script() -> str:
    """The ``scheduler`` script installed next to this interpreter (venv or not)."""
    beside = Path(sys.executable).parent / "scheduler"
    return str(beside) if beside.exists() else "scheduler"


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``scheduler solve`` on the tiny school, run once for real as a subprocess."""
    out = tmp_path_factory.mktemp("solve") / "plan.json"
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("FORCE_COLOR", None)
    process = subprocess.run(
        [_console_script(), "solve", str(TINY), "--out", str(out), "--time-limit", TIME_LIMIT, "--seed", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    return out, process


@pytest.fixture
def bad_choice_school(tmp_path: Path) -> Path:
    data = json.loads(TINY.read_text("utf-8"))
    data["students"][1]["choices"][0] = "no-such-offering"
    path = tmp_path / "bad-choice.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


@pytest.fixture
def broken_json(tmp_path: Path) -> Path:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "flexblock/v1", "school": ', "utf-8")
    return path


# ---- solve ------------------------------------------------------------------------------------


def test_solve_console_script_writes_a_valid_plan(solved) -> None:
    out, process = solved
    assert process.returncode == 0, process.stderr
    plan = load_plan(out)
    assert plan.status in ("optimal", "feasible")
    assert check_plan(load_problem(TINY), plan) == []
    assert out.read_text("utf-8").startswith('{\n "format": "flexblock-plan/v1"')  # indent 1
    assert [p.name for p in out.parent.iterdir()] == ["plan.json"]  # no temp file left behind
    # The summary table on stdout, plain progress lines (no terminal codes) on stderr.
    assert "status" in process.stdout and "first_choice_rate" in process.stdout
    assert "best" in process.stderr and "bound" in process.stderr
    assert not ANSI.search(process.stderr)


def test_solve_infeasible_writes_conflicts_and_exits_3(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = invoke("solve", INFEASIBLE, "--out", out, "--time-limit", TIME_LIMIT)
    assert result.exit_code == 3, result.output
    plan = load_plan(out)
    assert plan.status == "infeasible"
    assert plan.conflicts and not plan.assignments
    assert "cannot all hold" in result.output
    for conflict in plan.conflicts:
        assert conflict.message in result.output


def test_solve_infeasible_without_conflicts_prints_the_stage_reasons(tmp_path: Path, monkeypatch) -> None:
    import scheduler.solver.engine as engine

    stages = [{"stage": "bound", "seconds": 2.0, "reason": "the relaxation of the week is infeasible"}]

    def proven(problem, settings, on_progress=None):
        return Plan(school=problem.school.id, status="infeasible", engine={"stages": stages})

    monkeypatch.setattr(engine, "solve", proven)
    result = invoke("solve", TINY, "--out", tmp_path / "plan.json", "--time-limit", "5")
    assert result.exit_code == 3
    assert "named no conflicting facts" in result.output
    assert "bound: the relaxation of the week is infeasible" in result.output
    assert "0 conflicts" not in result.output


@pytest.mark.parametrize("option", [["--time-limit", "0"], ["--time-limit", "abc"], ["--workers", "0"]])
def test_solve_rejects_bad_option_values(tmp_path: Path, option: list[str]) -> None:
    out = tmp_path / "plan.json"
    result = invoke("solve", TINY, "--out", out, *option)
    assert result.exit_code == 2
    assert option[0] in result.output
    assert not out.exists()


def test_solve_refuses_missing_output_folder_before_solving(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "plan.json"
    result = invoke("solve", TINY, "--out", out)
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_solve_without_a_plan_in_time_exits_4_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    import scheduler.solver.engine as engine

    def no_plan(problem, settings, on_progress=None):
        return Plan(school=problem.school.id, status="unknown")

    monkeypatch.setattr(engine, "solve", no_plan)
    out = tmp_path / "plan.json"
    result = invoke("solve", TINY, "--out", out, "--time-limit", "1")
    assert result.exit_code == 4
    assert "Not known yet: no plan was found within 1 s, and no proof" in result.output
    assert "--time-limit 60" in result.output  # what to do next
    assert "infeasible" not in result.output.lower()
    assert not out.exists()


def test_solve_without_a_plan_prints_each_stage_reason(tmp_path: Path, monkeypatch) -> None:
    """The engine's contract: a stage entry may carry ``reason`` (a string); the CLI prints each one."""
    import scheduler.solver.engine as engine

    stages = [
        {"stage": "warm-start", "seconds": 0.1},
        {"stage": "timetable", "seconds": 4.0, "reason": "no timetable found before the clock ran out"},
        {"stage": "bound", "seconds": 5.0, "reason": 7},  # not a string: ignored
    ]

    def no_plan(problem, settings, on_progress=None):
        return Plan(school=problem.school.id, status="unknown", engine={"stages": stages})

    monkeypatch.setattr(engine, "solve", no_plan)
    result = invoke("solve", TINY, "--out", tmp_path / "plan.json", "--time-limit", "5")
    assert result.exit_code == 4
    assert "timetable: no timetable found before the clock ran out" in result.output
    assert "bound:" not in result.output and "warm-start:" not in result.output


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "plan.json"
    out.write_text("old plan", "utf-8")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    result = invoke("baseline", TINY, "--out", out)
    assert result.exit_code == 2
    assert "cannot write file: No space left on device" in result.output
    assert out.read_text("utf-8") == "old plan"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


# ---- bad input: exit 2, every issue with its path, nothing written ----------------------------


@pytest.mark.parametrize("command", ["solve", "baseline"])
def test_unknown_offering_in_choices_is_bad_input(command: str, bad_choice_school: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = invoke(command, bad_choice_school, "--out", out)
    assert result.exit_code == 2
    assert "students[1].choices[0]: unknown offering 'no-such-offering'" in result.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["solve", "baseline"])
def test_invalid_json_is_bad_input(command: str, broken_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = invoke(command, broken_json, "--out", out)
    assert result.exit_code == 2
    assert f"{broken_json}: not valid JSON" in result.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["solve", "baseline"])
def test_missing_file_is_bad_input(command: str, tmp_path: Path) -> None:
    missing, out = tmp_path / "nowhere.json", tmp_path / "plan.json"
    result = invoke(command, missing, "--out", out)
    assert result.exit_code == 2
    assert f"{missing}: cannot read file" in result.output
    assert not out.exists()


def test_explain_and_check_report_bad_input_with_exit_2(bad_choice_school: Path, broken_json: Path) -> None:
    result = invoke("explain", bad_choice_school)
    assert result.exit_code == 2
    assert "students[1].choices[0]" in result.output
    result = invoke("check", TINY, broken_json)
    assert result.exit_code == 2
    assert f"{broken_json}: not valid JSON" in result.output


# ---- check ------------------------------------------------------------------------------------


def test_check_accepts_a_valid_plan(solved) -> None:
    out, _ = solved
    result = invoke("check", TINY, out)
    assert result.exit_code == 0, result.output
    assert "Plan is valid" in result.output
    assert "recomputed" in result.output


def test_check_names_the_broken_rule(solved, tmp_path: Path) -> None:
    """Take one student out of one block: rule 1 (one session per available block) breaks."""
    out, _ = solved
    data = json.loads(out.read_text("utf-8"))
    session = next(s for s in data["sessions"] if s["students"])
    student = session["students"].pop(0)
    data["assignments"] = [
        a for a in data["assignments"] if not (a["student"] == student and a["session"] == session["id"])
    ]
    broken = tmp_path / "broken-plan.json"
    broken.write_text(json.dumps(data), "utf-8")

    result = invoke("check", TINY, broken)
    assert result.exit_code == 1, result.output
    assert "one_session_per_block" in result.output
    assert student in result.output
    assert "INVALID" in result.output


def test_check_refuses_a_plan_for_another_school(solved, tmp_path: Path) -> None:
    out, _ = solved
    data = json.loads(out.read_text("utf-8"))
    data["school"] = "some-other-school"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data), "utf-8")
    result = invoke("check", TINY, other)
    assert result.exit_code == 2
    assert "some-other-school" in result.output


# ---- baseline, explain, generate ----------------------------------------------------------------


def test_baseline_writes_a_plan_with_summary(tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    result = invoke("baseline", TINY, "--out", out, "--seed", "3")
    assert result.exit_code == 0, result.output
    plan = load_plan(out)
    assert plan.assignments and plan.metrics is not None
    assert "choice_fill_rate" in result.output


def test_explain_finds_conflicts_in_the_infeasible_school() -> None:
    result = invoke("explain", INFEASIBLE, "--time-limit", TIME_LIMIT)
    assert result.exit_code == 3, result.output
    assert "cannot all hold" in result.output
    assert "Each of these facts alone makes the week impossible" in result.output


def test_explain_says_feasible_only_with_a_checked_plan() -> None:
    result = invoke("explain", TINY, "--time-limit", TIME_LIMIT)
    assert result.exit_code == 0, result.output
    assert "The hard rules can all hold: the scheduler found a plan" in result.output
    assert "confirmed by the plan checker" in result.output


def test_explain_that_cannot_decide_says_not_known_and_exits_4(monkeypatch) -> None:
    import scheduler.solver.explain as explain_module

    monkeypatch.setattr(explain_module, "search_core", lambda *a, **k: explain_module.CoreSearch("unknown"))
    result = invoke("explain", TINY, "--time-limit", "1")
    assert result.exit_code == 4, result.output
    assert "Not known yet" in result.output
    assert "can all hold" not in result.output
    assert "scheduler solve" in result.output


def test_generate_is_deterministic_per_seed(tmp_path: Path) -> None:
    first = invoke("generate", "--students", "60", "--seed", "7")
    again = invoke("generate", "--students", "60", "--seed", "7")
    other = invoke("generate", "--students", "60", "--seed", "8")
    assert first.exit_code == again.exit_code == other.exit_code == 0
    assert first.stdout == again.stdout
    assert first.stdout != other.stdout

    out = tmp_path / "school.json"
    written = invoke("generate", "--students", "60", "--seed", "7", "--out", out)
    assert written.exit_code == 0, written.output
    assert out.read_text("utf-8") == first.stdout
    assert len(load_problem(out).students) == 60


def test_generate_rejects_a_bad_student_count() -> None:
    result = invoke("generate", "--students", "0")
    assert result.exit_code == 2
    assert "--students" in result.output


def test_generate_with_a_shape_and_an_infeasible_variant(tmp_path: Path) -> None:
    tight = invoke("generate", "--students", "80", "--seed", "2", "--shape", "ms-tight")
    assert tight.exit_code == 0, tight.output
    assert tight.stdout != invoke("generate", "--students", "80", "--seed", "2").stdout
    assert (
        invoke("generate", "--students", "80", "--seed", "2", "--shape", "ms-loose").stdout
        == invoke("generate", "--students", "80", "--seed", "2").stdout
    )

    out = tmp_path / "broken.json"
    broken = invoke("generate", "-n", "80", "--shape", "hs-tight", "--infeasible", "locks", "--out", out)
    assert broken.exit_code == 0, broken.output
    cause = json.loads(broken.stderr.split("Cause: ", 1)[1].splitlines()[0])
    assert cause["kind"] == "locks" and cause["locked"] > cause["seats"]
    assert load_problem(out).school.id.endswith("-no-locks")


@pytest.mark.parametrize(
    ("option", "value", "names"),
    [("--shape", "castle", "ms-loose, ms-tight, hs-tight"), ("--infeasible", "weather", "seats, needs, staff")],
)
def test_generate_rejects_unknown_names_and_lists_the_valid_ones(option: str, value: str, names: str) -> None:
    result = invoke("generate", "--students", "50", option, value)
    assert result.exit_code == 2
    assert value in result.output and names in result.output


def test_no_arguments_prints_help() -> None:
    result = invoke()
    for command in ("solve", "check", "baseline", "generate", "explain"):
        assert command in result.output
