"""Read problem and plan JSON into validated models, turning every failure into InputIssues."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scheduler.domain.errors import InputIssue, ProblemInputError, format_loc
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.domain.validation import find_problem_issues

Model = TypeVar("Model", bound=BaseModel)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_issues(error: ValidationError) -> list[InputIssue]:
    issues = []
    for item in error.errors():
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field (not in the flexblock/v1 format)"
        elif item["type"] != "missing":
            message = f"{message} (got {_short(item.get('input'))})"
        issues.append(InputIssue(format_loc(tuple(item["loc"])), message))
    return issues


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemInputError([InputIssue(str(path), f"cannot read file: {exc.strerror}")]) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ProblemInputError([InputIssue(str(path), f"not valid JSON ({exc.msg} at {where})")]) from exc


def _validate(model: type[Model], data: Any) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemInputError(_schema_issues(exc)) from exc


def parse_problem(data: Any) -> Problem:
    """Validate a decoded JSON value as a problem: schema first, then every cross-record rule."""
    problem = _validate(Problem, data)
    issues = find_problem_issues(problem)
    if issues:
        raise ProblemInputError(issues)
    return problem


def load_problem(path: str | Path) -> Problem:
    return parse_problem(_read_json(Path(path)))


def parse_plan(data: Any) -> Plan:
    return _validate(Plan, data)


def load_plan(path: str | Path) -> Plan:
    return parse_plan(_read_json(Path(path)))
