"""What a generated school is made of: course catalog, names, rooms, and the week's calendar.

Data, not tuning: the proportions that vary between schools live in ``shape.Shape``. The catalog is
written for a middle school (grades 6-8); ``band_grades`` maps its grade limits onto any other span
of grades, so a course "for grade 8 only" becomes "for the oldest grades" in a high school.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

PATHWAYS = ("stem", "arts", "humanities", "wellness", "service", "careers")


# (title, pathway, needed feature or "", resource uses "cb" chromebook per student, "vr" VR kit per
# student, "3dN" N 3D printers per session; comma-separated), grades or None.
Course = tuple[str, str, str, str, tuple[int, ...] | None]

CATALOG: tuple[Course, ...] = (
    ("Robotics Studio", "stem", "makerspace", "3d1", None),
    ("3D Design and Printing", "stem", "makerspace", "3d2,cb", None),
    ("Coding Club", "stem", "", "cb", None),
    ("App Design", "stem", "", "cb", None),
    ("Game Design", "stem", "", "cb", None),
    ("Kitchen Chemistry", "stem", "lab", "", None),
    ("Forensic Science", "stem", "lab", "", None),
    ("Rocketry", "stem", "makerspace", "", None),
    ("Engineering Challenge", "stem", "makerspace", "", None),
    ("Math Olympiad", "stem", "", "", (7, 8)),
    ("Astronomy Explorers", "stem", "", "vr", None),
    ("Virtual Reality Science", "stem", "", "vr", None),
    ("Environmental Science Lab", "stem", "lab", "", None),
    ("Cardboard Engineering", "stem", "makerspace", "", (6,)),
    ("Math Games", "stem", "", "", (6, 7)),
    ("Biology Investigations", "stem", "lab", "", None),
    ("Electric Circuits", "stem", "lab", "", None),
    ("Data Detectives", "stem", "", "cb", None),
    ("Science Olympiad Prep", "stem", "lab", "", (7, 8)),
    ("Bridge Building", "stem", "makerspace", "", None),
    ("Cyber Security Basics", "stem", "", "cb", (8,)),
    ("Drawing Studio", "arts", "art", "", None),
    ("Ceramics", "arts", "art", "", None),
    ("Watercolor Painting", "arts", "art", "", None),
    ("Choir", "arts", "music", "", None),
    ("Guitar Club", "arts", "music", "", None),
    ("Drum Circle", "arts", "music", "", None),
    ("Drama Club", "arts", "", "", None),
    ("Digital Photography", "arts", "", "cb", None),
    ("Film Making", "arts", "", "cb", None),
    ("Comic Book Art", "arts", "art", "", None),
    ("Jazz Band", "arts", "music", "", (7, 8)),
    ("Printmaking", "arts", "art", "", None),
    ("Dance Crew", "arts", "gym", "", None),
    ("Stage Crew", "arts", "", "", None),
    ("Stop-Motion Animation", "arts", "", "cb", None),
    ("Fiber Arts", "arts", "", "", None),
    ("Improv Theater", "arts", "", "", None),
    ("Ukulele for Beginners", "arts", "music", "", (6,)),
    ("Debate Club", "humanities", "", "", None),
    ("Creative Writing", "humanities", "", "", None),
    ("Book Club", "humanities", "", "", None),
    ("Model United Nations", "humanities", "", "cb", (7, 8)),
    ("Podcast Studio", "humanities", "", "cb", None),
    ("History Mysteries", "humanities", "", "", None),
    ("Poetry Slam", "humanities", "", "", None),
    ("Spanish Conversation", "humanities", "", "", None),
    ("Greek Mythology", "humanities", "", "", None),
    ("Mock Trial", "humanities", "", "", (8,)),
    ("Journalism", "humanities", "", "cb", None),
    ("Chess Club", "humanities", "", "", None),
    ("Ancient Worlds in VR", "humanities", "", "vr", None),
    ("Current Events Cafe", "humanities", "", "", None),
    ("Sign Language Basics", "humanities", "", "", None),
    ("Graphic Novel Club", "humanities", "", "", None),
    ("Yoga and Mindfulness", "wellness", "", "", None),
    ("Pickleball", "wellness", "gym", "", None),
    ("Basketball Skills", "wellness", "gym", "", None),
    ("Volleyball", "wellness", "gym", "", None),
    ("Walking Club", "wellness", "", "", None),
    ("Fitness Circuit", "wellness", "gym", "", None),
    ("Board Games and Social Skills", "wellness", "", "", None),
    ("Nutrition Lab", "wellness", "lab", "", None),
    ("Dance Fitness", "wellness", "gym", "", None),
    ("Stress Less Study Skills", "wellness", "", "", None),
    ("Ultimate Frisbee", "wellness", "gym", "", None),
    ("Jump Rope Team", "wellness", "gym", "", (6, 7)),
    ("Letters to Seniors", "service", "", "", None),
    ("School Ambassadors", "service", "", "", (7, 8)),
    ("Garden Club", "service", "", "", None),
    ("Recycling Crew", "service", "", "", None),
    ("Peer Tutoring", "service", "", "", (8,)),
    ("Food Drive Planning", "service", "", "", None),
    ("Animal Shelter Crafts", "service", "art", "", None),
    ("Community Mural", "service", "art", "", None),
    ("Student Council", "service", "", "", None),
    ("Kindness Crew", "service", "", "", None),
    ("Library Helpers", "service", "", "", None),
    ("Buddy Readers", "service", "", "", (7, 8)),
    ("Health Careers", "careers", "", "", None),
    ("Entrepreneurship Lab", "careers", "", "cb", None),
    ("Financial Literacy", "careers", "", "cb", None),
    ("Architecture and Design", "careers", "makerspace", "cb", None),
    ("Culinary Careers", "careers", "lab", "", None),
    ("Law and Justice", "careers", "", "", None),
    ("Careers in Tech", "careers", "", "cb", None),
    ("Aviation Careers", "careers", "", "vr", None),
    ("Engineering Careers", "careers", "makerspace", "", None),
    ("Marketing Lab", "careers", "", "cb", None),
    ("Veterinary Science", "careers", "lab", "", None),
    ("Trades Exploration", "careers", "makerspace", "3d1", None),
    ("High School Pathways", "careers", "", "", (8,)),
)

# Choice offerings teachers pull students into (make-up work, check-ins): min_students 1, so a
# single locked or requested student can always run them.
SUPPORT: tuple[Course, ...] = (
    ("Math Help Lab", "stem", "", "", None),
    ("Writing Center", "humanities", "", "", None),
    ("Science Make-up Lab", "stem", "lab", "", None),
    ("Homework Help", "humanities", "", "", None),
    ("Reading Lounge", "humanities", "", "", None),
    ("Art Catch-up Studio", "arts", "art", "", None),
    ("Test Retake Room", "careers", "", "", None),
    ("Counselor Check-in Circle", "wellness", "", "", None),
)

FIRST_NAMES = (  # noqa: SIM905
    "Aaliyah Aiden Alex Amara Ana Ben Caleb Camila Chloe Daria Diego Eli Elena Emma Ethan Fatima Gabe "
    "Grace Hana Isaac Jamal Jordan Kai Kofi Layla Leo Liam Lucia Maya Mateo Mia Nadia Noah Nora Omar "
    "Owen Priya Quinn Rosa Ryan Sam Sofia Tara Theo Uma Vera Wes Yara Yusuf Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Adams Ahmed Anderson Bell Brooks Chen Cooper Diaz Evans Fischer Garcia Gupta Hill Howard Ibrahim "
    "Jackson Kim Kowalski Lee Lewis Lopez Martin Moore Morgan Nelson Nguyen Novak Okafor Ortiz Parker "
    "Patel Perez Reyes Roberts Rossi Sato Schmidt Silva Singh Smith Tanaka Taylor Thompson Tran Walker "
    "White Williams Wilson Wright Young"
).split()
SCHOOL_NAMES = (
    "Cedar Hollow",
    "Maple Ridge",
    "Lakeview",
    "Pine Crest",
    "Willow Creek",
    "Oak Park",
    "Stone Bridge",
    "Harbor View",
)

# Fallback spaces in the order a school opens them: (id, name, features, share of the seats).
FALLBACK_SPACES = (
    ("cafeteria", "Cafeteria", [], 1.4),
    ("library", "Library", ["quiet"], 0.8),
    ("auditorium", "Auditorium", [], 1.2),
    ("commons", "Commons", [], 1.0),
)
# Special rooms: (feature, id prefix, name, students per room, capacity range).
SPECIAL_ROOMS = (
    ("makerspace", "maker", "Makerspace", 350, (24, 28)),
    ("lab", "lab", "Science Lab", 200, (26, 30)),
    ("art", "art", "Art Room", 300, (24, 28)),
    ("music", "music", "Music Room", 550, (30, 40)),
    ("gym", "gym", "Gym", 700, (60, 80)),
)

# The catalog's own grades: its limits such as (7, 8) are positions in this span.
CATALOG_GRADES = (6, 7, 8)

# Weekdays in the order a school places its flex blocks: (id, label, weekday 0 = Monday).
WEEKDAYS = (("mon", "Mon", 0), ("tue", "Tue", 1), ("wed", "Wed", 2), ("thu", "Thu", 3), ("fri", "Fri", 4))
# Which weekdays hold a block when there are fewer than five (spread over the week) ...
SPREAD = {3: ("mon", "wed", "fri"), 4: ("mon", "tue", "thu", "fri"), 5: ("mon", "tue", "wed", "thu", "fri")}
# ... and which get a second, afternoon block when there are more (blocks must share one week).
SECOND_BLOCK_DAYS = ("mon", "wed", "fri")
MORNING, AFTERNOON = ("10:00", "10:45"), ("13:30", "14:15")


def week_blocks(count: int, week_start: dt.date) -> list[dict[str, Any]]:
    """``count`` flex blocks (3 to 8) in the week of ``week_start``, in time order.

    Up to five: one morning block on spread-out weekdays. Above five: every weekday, plus an
    afternoon block (``mon2``, ``wed2``, ``fri2``) on Monday, Wednesday and Friday, since the spec
    wants one horizon of one week.
    """
    monday = week_start - dt.timedelta(days=week_start.weekday())
    days = SPREAD[min(count, 5)]
    seconds = SECOND_BLOCK_DAYS[: max(0, count - 5)]
    blocks = []
    for day, label, weekday in WEEKDAYS:
        date = (monday + dt.timedelta(days=weekday)).isoformat()
        if day in days:
            blocks.append({"id": day, "date": date, "start": MORNING[0], "end": MORNING[1], "label": f"{label} flex"})
        if day in seconds:
            blocks.append(
                {"id": f"{day}2", "date": date, "start": AFTERNOON[0], "end": AFTERNOON[1], "label": f"{label} flex 2"}
            )
    return blocks


def band_grades(limit: tuple[int, ...], grades: tuple[int, ...]) -> tuple[int, ...]:
    """The catalog's grade limit (positions in grades 6-8) mapped onto ``grades``.

    Each catalog grade takes a third of the span: in grades 9-12 "grade 8 only" is 11 and 12, in
    K-5 "grades 6 and 7" is K to 3. Grades 6-8 map onto themselves.
    """
    span = len(grades)
    out: list[int] = []
    for grade in limit:
        position = grade - CATALOG_GRADES[0]
        low = math.floor(position * span / len(CATALOG_GRADES))
        high = max(low + 1, math.floor((position + 1) * span / len(CATALOG_GRADES)))
        out += [g for g in grades[low:high] if g not in out]
    return tuple(out)


def school_kind(grades: tuple[int, ...]) -> str:
    """What a school with these grades is called ("Middle School" for 6-8)."""
    low, high = min(grades), max(grades)
    if high <= 5:
        return "Elementary School"
    if low >= 9:
        return "High School"
    if high <= 8:
        return "Middle School"
    return "Secondary School"


def section_letter(section: int) -> str:
    return chr(ord("a") + section) if section < 26 else str(section + 1)


def resource_uses(codes: str) -> list[dict[str, Any]]:
    """A catalog course's resource codes as the spec's resource uses."""
    uses = []
    for code in filter(None, codes.split(",")):
        if code == "cb":
            uses.append({"resource": "chromebooks", "per_student": 1, "per_session": 0})
        elif code == "vr":
            uses.append({"resource": "vr-kits", "per_student": 1, "per_session": 0})
        else:
            uses.append({"resource": "3d-printers", "per_student": 0, "per_session": int(code[2:])})
    return uses
