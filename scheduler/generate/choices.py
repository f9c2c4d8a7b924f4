"""Students' ranked choices: Zipf-like popularity per course title, a favourite pathway, hot offerings.

Sections of one course share its popularity; support offerings are a quarter as popular. With
``Shape.hot_offerings`` a few courses are ranked first by most students (a new esports club).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from scheduler.generate.catalog import PATHWAYS
from scheduler.generate.state import Draft, Record


def assign_choices(d: Draft) -> None:
    """``Shape.choices`` distinct choices per student, drawn by popularity; the hot ones first."""
    choice = [o for o in d.offerings if o["kind"] == "choice"]
    titles = sorted({d.course_of[o["id"]] for o in choice})
    d.rng.shuffle(titles)
    rank = {title: r for r, title in enumerate(titles, start=1)}
    popularity = [
        (0.25 if o["id"] in d.support else 1.0) / rank[d.course_of[o["id"]]] ** d.shape.popularity_exponent
        for o in choice
    ]
    tables: dict[tuple[int, str], list[float]] = {}
    for grade in d.shape.grades:
        for favourite in PATHWAYS:
            weights = [
                p * (d.shape.favourite_pathway_weight if o["pathway"] == favourite else 1.0) * (grade in o["grades"])
                for o, p in zip(choice, popularity, strict=True)
            ]
            tables[(grade, favourite)] = list(accumulate(weights))
    hot = _hot_offerings(d, choice, titles)
    for student in d.students:
        cum = tables[(student["grade"], d.rng.choice(PATHWAYS))]
        want = d.rng.randint(*d.shape.choices)
        picked: list[str] = []
        while len(picked) < want:
            oid = choice[bisect_right(cum, d.rng.random() * cum[-1])]["id"]
            if oid not in picked:
                picked.append(oid)
        if hot:
            picked = _hot_first(d, student, picked, hot)
        student["choices"] = picked


def _hot_offerings(d: Draft, choice: list[Record], titles: list[str]) -> list[Record]:
    """The first sections of the ``hot_offerings`` most popular courses open to every grade."""
    if not d.shape.hot_offerings:
        return []
    first = {d.course_of[o["id"]]: o for o in reversed(choice) if o["id"] not in d.support}
    open_to_all = [first[t] for t in titles if t in first and set(d.shape.grades) <= set(first[t]["grades"])]
    return open_to_all[: d.shape.hot_offerings]


def _hot_first(d: Draft, student: Record, picked: list[str], hot: list[Record]) -> list[str]:
    """With probability ``hot_first_share``, one hot offering becomes the student's first choice."""
    if d.rng.random() >= d.shape.hot_first_share:
        return picked
    oid = d.rng.choice(hot)["id"]
    rest = [o for o in picked if o != oid]
    return [oid, *rest[: len(picked) - 1]]
