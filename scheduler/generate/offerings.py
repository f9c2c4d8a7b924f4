"""Choice offerings (support offerings first, then catalog courses and their sections) and their teachers.

Support offerings ("Math Help Lab", "Writing Center", ...) are what teachers pull students into:
``min_students`` 1, so a single locked or requested student can always run them. Catalog courses
are added until their seats per block (each run ``runs.max`` times) reach the shape's target; the
first ten are open to every grade, so every student can rank enough offerings.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from scheduler.generate.catalog import CATALOG, SUPPORT, Course, band_grades, resource_uses, section_letter
from scheduler.generate.state import Draft, Record

OPEN_TO_ALL_FIRST = 10  # catalog offerings open to every grade, so any student can rank ten


def make_choice_offerings(d: Draft) -> None:
    """Support offerings, then catalog courses (sections when reused) until seats reach the target."""
    room_caps: dict[str, list[int]] = defaultdict(list)
    for space in d.spaces:
        for feature in space["features"]:
            room_caps[feature].append(space["capacity"])
    feature_load: Counter[str] = Counter()
    seats, target = 0.0, d.n * d.shape.choice_seats_per_student
    support = list(SUPPORT)
    d.rng.shuffle(support)
    for course in support[: min(len(SUPPORT), d.scaled(120, 2))]:
        offering = _course_offering(d, course, room_caps, support=True)
        d.support.append(offering["id"])
        seats += _seats(d, offering)
    courses = list(CATALOG)
    d.rng.shuffle(courses)
    sections: Counter[str] = Counter()
    attempts = 0
    blocks = len(d.block_ids)
    while seats < target or sum(sections.values()) < OPEN_TO_ALL_FIRST:
        course = courses[attempts] if attempts < len(courses) else d.rng.choice(courses)
        attempts += 1
        feature = course[2]
        if feature and feature_load[feature] + 3 > blocks * len(room_caps[feature]):
            continue  # the rooms with that feature are booked out already
        accepted = sum(sections.values())
        offering = _course_offering(
            d, course, room_caps, support=False, section=sections[course[0]], open_to_all=accepted < OPEN_TO_ALL_FIRST
        )
        sections[course[0]] += 1
        feature_load[feature] += offering["runs"]["max"]
        seats += _seats(d, offering)
    assign_teachers(d)


def _seats(d: Draft, offering: Record) -> float:
    allowed = offering["allowed_blocks"]
    return offering["capacity"] * min(offering["runs"]["max"], len(allowed)) / len(d.block_ids)


def _course_offering(
    d: Draft,
    course: Course,
    room_caps: dict[str, list[int]],
    *,
    support: bool,
    section: int = 0,
    open_to_all: bool = True,
) -> Record:
    title, pathway, feature, uses, limit = course
    rng, shape = d.rng, d.shape
    base = title.lower().replace(" and ", " ").replace(" ", "-")
    oid = d.unique(base if section == 0 else f"{base}-{section_letter(section)}")
    d.course_of[oid] = title
    title = title if section == 0 else f"{title} (section {section_letter(section).upper()})"
    hi = min(30, max(16, 12 + d.n // 20))
    capacity = rng.randint(12, hi) if not support else rng.randint(12, min(hi, 20))
    if feature:
        capacity = min(capacity, min(room_caps[feature]))
    if "vr" in uses.split(","):
        capacity = min(capacity, d.quantity["vr-kits"])
    if support:
        min_students, runs = 1, rng.randint(2, 3)
    else:
        min_students = _min_students(d, capacity)
        runs = rng.randint(1, 2 if d.n < 100 else 3)
    allowed = list(d.block_ids)
    if not support and rng.random() < 0.25:
        blocks = len(d.block_ids)
        allowed = sorted(rng.sample(d.block_ids, rng.randint(max(1, blocks - 2), blocks - 1)), key=d.block_ids.index)
    grades = band_grades(limit, shape.grades) if limit else None
    if grades is None and not support and not open_to_all and rng.random() < 0.1:
        grades = band_grades(rng.choice(((6, 7), (7, 8), (8,))), shape.grades)
    if shape.grade_bands and not support and not open_to_all and rng.random() < shape.band_share:
        band = rng.choice(shape.grade_bands)
        grades = tuple(g for g in (grades or band) if g in band) or band
    if open_to_all:
        grades = None
    offering = {
        "id": oid,
        "title": title,
        "pathway": pathway,
        "kind": "choice",
        "staff": [],
        "capacity": capacity,
        "min_students": min_students,
        "runs": {"min": 0, "max": min(runs, len(allowed))},
        "allowed_blocks": allowed,
        "space": None,
        "needs_features": [feature] if feature else [],
        "resources": resource_uses(uses),
        "grades": list(grades) if grades else list(shape.grades),
        "repeatable": False,
    }
    d.add_offering(offering)
    return offering


def _min_students(d: Draft, capacity: int) -> int:
    """A club's minimum: the shape's range, or 3 up to 8 (5 in schools under 100) as originally."""
    if d.shape.min_students is None:
        return d.rng.randint(3, min(8 if d.n >= 100 else 5, capacity // 2))
    low, high = d.shape.min_students
    return d.rng.randint(min(low, capacity), min(high, capacity))


def assign_teachers(d: Draft) -> None:
    """Each teacher leads offerings worth ``teacher_load`` sessions; some co-teach, some are away."""
    rng, shape = d.rng, d.shape
    order = [o for o in d.offerings if o["kind"] == "choice"]
    rng.shuffle(order)
    budget, current = 0, ""
    for offering in order:
        if offering["runs"]["max"] > budget:
            away = d.part_time(len(d.block_ids) - 1)
            if away is None:
                away = d.maybe_away(shape.away_share)
            limit = rng.randint(*shape.max_sessions) if rng.random() < shape.limited_share else None
            current = d.add_staff("t", unavailable=away, max_sessions=limit)
            d.teachers.append(current)
            budget = rng.randint(*shape.teacher_load)
        offering["staff"].append(current)
        budget -= offering["runs"]["max"]
    for offering in order:
        if rng.random() < shape.co_teach_share and len(d.teachers) > 1:
            partner = rng.choice(d.teachers)
            if partner not in offering["staff"]:
                offering["staff"].append(partner)
