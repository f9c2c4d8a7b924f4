"""Why a student is in a session, in words the student reads (web view and calendar feed alike)."""

from __future__ import annotations

REASON_TEXT = {
    "need": "a support session your school planned for you",
    "request": "a teacher asked to see you",
    "lock": "set by your scheduler",
    "fallback": "your choices were full in this block",
}


def reason_text(reason: str) -> str:
    """``"choice 2"`` -> "your choice number 2"; the plan's other reasons by ``REASON_TEXT``."""
    if reason.startswith("choice "):
        return f"your choice number {reason.split()[1]}"
    return REASON_TEXT.get(reason, reason)
