"""Privacy scan over every feed of Riverside (and the tiny school_feeds).

Staff, space and resource feeds never name intervention tiers, needs or support, nor the titles or
ids of intervention offerings. No feed names a student other than its owner (names or ids); staff
and space feeds give roster counts only. A student's own feed does name their intervention session.
"""

from __future__ import annotations

import re

from calendar_schools import School

from scheduler.calendar.wording import SMALL_GROUP, reason_text
from tests.feed_privacy import others_named, student_mentions, support_leak
from tests.feed_text import readable_text

pytest_plugins = ["calendar_schools"]  # the shared schools (see calendar_schools.py)


def _texts(school_feeds: School) -> dict[tuple[str, str], str]:
    return {(p.parent.name, p.stem): readable_text(p.read_bytes()) for p in school_feeds.files}


def test_non_student_feeds_never_name_tiers_or_needs(school_feeds: School) -> None:
    scanned = 0
    for (kind, owner), text in _texts(school_feeds).items():
        if kind == "students":
            continue
        scanned += 1
        assert support_leak(text, school_feeds.problem) is None, (kind, owner)
    assert scanned == len([p for p in school_feeds.files if p.parent.name != "students"])


def test_intervention_sessions_are_a_neutral_small_group_elsewhere(school_feeds: School) -> None:
    interventionists = {t for o in school_feeds.problem.offerings if o.kind == "intervention" for t in o.staff}
    texts = _texts(school_feeds)
    led = [texts[("staff", t)] for t in interventionists if ("staff", t) in texts]
    assert led and all(f"SUMMARY:{SMALL_GROUP}" in text for text in led)
    assert re.search(r"Roster: \d+ students?", led[0])


def test_no_feed_names_another_student(school_feeds: School) -> None:
    pattern = student_mentions(school_feeds.problem)
    for (kind, owner), text in _texts(school_feeds).items():
        assert not others_named(text, school_feeds.problem, kind, owner, pattern), (kind, owner)


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
