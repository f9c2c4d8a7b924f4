"""The privacy rules of calendar feeds as checks on a feed's readable text (shared by the offline
feed tests and the HTTP tests).

Staff, space and resource feeds never name intervention tiers, needs or support, nor the titles or
ids of intervention offerings. No feed names a student other than its owner (names or ids).
"""

from __future__ import annotations

import re

from scheduler.domain.problem import Problem

FORBIDDEN_WORDS = re.compile(r"\b(tiers?|t[23]|interventions?|interventionists?|needs?|needed|support\w*)\b", re.I)


def intervention_words(problem: Problem) -> re.Pattern[str]:
    """Titles and ids of the school's intervention offerings."""
    interventions = [o for o in problem.offerings if o.kind == "intervention"]
    assert interventions, "the school must have interventions for the scan to mean anything"
    named = [re.escape(o.title) for o in interventions if o.title] + [re.escape(o.id) for o in interventions]
    return re.compile("|".join(named), re.I)


def support_leak(text: str, problem: Problem) -> str | None:
    """What a non-student feed says that it must not (None when nothing)."""
    found = FORBIDDEN_WORDS.search(text) or intervention_words(problem).search(text)
    return found.group(0) if found else None


def student_mentions(problem: Problem) -> re.Pattern[str]:
    """Any student's name or id, as a whole word. A student who shares a staff member's name cannot
    be told apart from that teacher in text, so such names are left out."""
    staff_names = {s.name for s in problem.staff if s.name}
    names = {s.name for s in problem.students if s.name and s.name not in staff_names}
    words = [*names, *(s.id for s in problem.students)]
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(x) for x in words) + r")(?![\w-])")


def others_named(text: str, problem: Problem, kind: str, owner: str, pattern: re.Pattern[str]) -> set[str]:
    """Students other than the feed's own owner that the feed names."""
    own = {s.id: {s.id, s.name} for s in problem.students}
    allowed = own[owner] if kind == "students" else set()
    return set(pattern.findall(text)) - allowed
