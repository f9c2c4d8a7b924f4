"""Privacy scan over every feed of Riverside (and the tiny school_feeds).

Staff, space and resource feeds never name intervention tiers, needs or support, nor the titles or
ids of intervention offerings. No feed names a student other than its owner (names or ids); staff
and space feeds give roster counts only. A student's own feed does name their intervention session.
"""

from __future__ import annotations

import re

from calendar_schools import School
from feed_text import readable_text

from scheduler.calendar.wording import SMALL_GROUP, reason_text

pytest_plugins = ["calendar_schools"]  # the shared schools (see calendar_schools.py)

FORBIDDEN_WORDS = re.compile(r"\b(tiers?|t[23]|interventions?|interventionists?|needs?|needed|support\w*)\b", re.I)


def _texts(school_feeds: School) -> dict[tuple[str, str], str]:
    return {(p.parent.name, p.stem): readable_text(p.read_bytes()) for p in school_feeds.files}


def test_non_student_feeds_never_name_tiers_or_needs(school_feeds: School) -> None:
    interventions = [o for o in school_feeds.problem.offerings if o.kind == "intervention"]
    assert interventions
    named = [re.escape(o.title) for o in interventions if o.title] + [re.escape(o.id) for o in interventions]
    offering_names = re.compile("|".join(named), re.I)
    scanned = 0
    for (kind, owner), text in _texts(school_feeds).items():
        if kind == "students":
            continue
        scanned += 1
        assert not FORBIDDEN_WORDS.search(text), (kind, owner, FORBIDDEN_WORDS.search(text))
        assert not offering_names.search(text), (kind, owner, offering_names.search(text))
    assert scanned == len([p for p in school_feeds.files if p.parent.name != "students"])


def test_intervention_sessions_are_a_neutral_small_group_elsewhere(school_feeds: School) -> None:
    interventionists = {t for o in school_feeds.problem.offerings if o.kind == "intervention" for t in o.staff}
    texts = _texts(school_feeds)
    led = [texts[("staff", t)] for t in interventionists if ("staff", t) in texts]
    assert led and all(f"SUMMARY:{SMALL_GROUP}" in text for text in led)
    assert re.search(r"Roster: \d+ students?", led[0])


def test_no_feed_names_another_student(school_feeds: School) -> None:
    staff_names = {s.name for s in school_feeds.problem.staff if s.name}
    students = school_feeds.problem.students
    # A student who shares a staff member's name cannot be told apart from that teacher in text.
    names = {s.name for s in students if s.name and s.name not in staff_names}
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(x) for x in [*names, *(s.id for s in students)]) + r")(?![\w-])"
    )
    own = {s.id: {s.id, s.name} for s in students}
    for (kind, owner), text in _texts(school_feeds).items():
        found = set(pattern.findall(text))
        assert found <= (own[owner] if kind == "students" else set()), (kind, owner, found)


def test_a_students_own_feed_names_their_support(school_feeds: School) -> None:
    """The intervention's real title and the "need" reason appear in exactly the feeds of placed students."""
    sessions = {s.id: s for s in school_feeds.plan.sessions}
    titles = {o.id: o.title or o.id for o in school_feeds.problem.offerings if o.kind == "intervention"}
    placed = {a.student for a in school_feeds.plan.assignments if sessions[a.session].offering in titles}
    assert placed
    for (kind, owner), text in _texts(school_feeds).items():
        if kind == "students":
            says = any(f"SUMMARY:{title}" in text for title in titles.values())
            assert says == (owner in placed) == (f"Why: {reason_text('need')}" in text), owner
