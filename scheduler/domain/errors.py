"""Input errors that name the JSON path and the offending value, all of them at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One problem found in the input, e.g. ``students[12].choices[2]: unknown offering 'xyz'``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ProblemInputError(ValueError):
    """Raised when a problem (or plan) file cannot be accepted; carries every issue found."""

    def __init__(self, issues: list[InputIssue]) -> None:
        self.issues = issues
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"{len(issues)} problem(s) in the input:\n{lines}")


def format_loc(loc: tuple[object, ...]) -> str:
    """Turn a pydantic location tuple into ``students[12].choices[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
