"""Problems back to their JSON form, as a person would write them (loads back equal)."""

from __future__ import annotations

import json
from typing import Any

from scheduler.domain.problem import Problem


def problem_document(problem: Problem) -> dict[str, Any]:
    """Defaults left as ``null`` dropped, clock times as "HH:MM" when they have no seconds."""
    data = problem.model_dump(mode="json", exclude_none=True)
    for block in data["blocks"]:
        for key in ("start", "end"):
            if block[key].endswith(":00") and len(block[key]) == 8:
                block[key] = block[key][:5]
    return data


def problem_json(problem: Problem) -> str:
    return json.dumps(problem_document(problem), indent=1, ensure_ascii=False) + "\n"
