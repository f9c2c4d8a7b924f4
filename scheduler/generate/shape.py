"""The shape of a generated school: every proportion that differs between real schools, in one object.

``Shape()`` is the generator's original school (a middle school, grades 6-8, five blocks, study
halls with a seat for everyone), and ``generate_school(students, seed)`` with it gives exactly the
school it always gave. ``shape_presets()`` names the shapes the benchmark matrix runs: each stands
for a kind of real school on which a scheduler has to work.

Sizes are per student (``students_per_lock = 100`` is one lock per 100 students, at least one), so
a shape describes schools of every size.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

Seats = Literal["loose", "tight"]
Span = tuple[int, int]  # an inclusive range (low, high) a value is drawn from


@dataclass(frozen=True)
class Shape:
    """Everything about a school's proportions that the generator varies; defaults are the original.

    Grades and calendar
      grades: the grades taught (K is 0). grade_bands: groups of grades (a middle and a high school
      in one building); band_share of the catalog offerings (not the first ten, not support) are
      open to one band only. blocks: flex blocks in the week, 3 to 8. choices: how many offerings
      each student ranks, drawn from this range (3 to 10).
    Seats
      seats: "loose" seats everyone in study halls (fallback seats above the students in every
      block); "tight" gives the halls far fewer seats, so most students must be seated in choice
      sessions they ranked. fallback_seats_per_student, fallback_spare_seats: the halls' seats per
      block. choice_seats_per_student: seats per block of all choice offerings, if each ran
      runs.max times. students_per_space: school size per room. witness_spare_seats: with tight
      seats, the seated witness opens this share of choice seats beyond what the halls leave over.
    Staff
      teacher_load: sessions' worth of offerings per teacher. limited_share of teachers have a
      max_sessions drawn from max_sessions. away_share of teachers and rooms are away one block;
      part_time_share of teachers and interventionists are away part_time_blocks blocks instead.
      co_teach_share of offerings get a second teacher.
    Interventions
      tier2_share, tier3_share: students with a tier-2 or tier-3 need; group capacities, sessions
      per student, and tier2_fill (share of a tier-2 group's seats the needs may take).
      second_need_share of those students also need a tier-2 group of the other subject.
      interventionist_away_share: interventionists away one block. spare_small_group_rooms: a spare
      small-group room per six interventionists (else exactly one each).
    Clubs and popularity
      min_students: the range choice offerings' min_students is drawn from (None: 3 up to 8, or up
      to 5 in schools under 100, as originally). runs_min_share of the offerings the witness runs
      get a runs.min of 1 up to what the witness runs. popularity_exponent: popularity of the r-th
      most popular course ~ 1 / r**exponent; favourite_pathway_weight for each student's pathway.
      hot_offerings courses are ranked first by hot_first_share of the students.
    Avoid pairs and other hard extras
      students_per_avoid_pair: one pair per that many students, each student in at most one.
      dense_avoid_share of the students avoid several others (dense_avoid_partners). Locks,
      required and preferred teacher requests and reservations: one per students_per_* students.
      student_away_share: students away one block.
    """

    grades: tuple[int, ...] = (6, 7, 8)
    grade_bands: tuple[tuple[int, ...], ...] = ()
    band_share: float = 0.0
    blocks: int = 5
    choices: Span = (5, 7)

    seats: Seats = "loose"
    fallback_seats_per_student: float = 1.1
    fallback_spare_seats: int = 10
    choice_seats_per_student: float = 1.1
    students_per_space: float = 11.0
    witness_spare_seats: float = 0.15

    teacher_load: Span = (3, 5)
    limited_share: float = 0.15
    max_sessions: Span = (2, 4)
    away_share: float = 0.1
    part_time_share: float = 0.0
    part_time_blocks: Span = (1, 3)
    co_teach_share: float = 0.08

    tier2_share: float = 0.15
    tier3_share: float = 0.05
    tier2_capacity: Span = (6, 8)
    tier3_capacity: Span = (4, 6)
    tier2_sessions: tuple[int, ...] = (1, 2)
    tier3_sessions: int = 3
    tier2_fill: float = 0.85
    second_need_share: float = 0.0
    interventionist_away_share: float = 0.25
    spare_small_group_rooms: bool = True
    small_group_capacity: Span = (8, 10)

    min_students: Span | None = None
    runs_min_share: float = 0.0
    popularity_exponent: float = 0.8
    favourite_pathway_weight: float = 2.5
    hot_offerings: int = 0
    hot_first_share: float = 0.0

    students_per_avoid_pair: float = 100.0
    dense_avoid_share: float = 0.0
    dense_avoid_partners: Span = (3, 5)
    students_per_lock: float = 100.0
    students_per_required: float = 150.0
    students_per_preferred: float = 150.0
    students_per_reservation: float = 150.0
    student_away_share: float = 0.03

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("invalid shape: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """Why this shape cannot make a valid, feasible school (empty when it can)."""
        out = []
        if not 3 <= self.blocks <= 8:
            out.append(f"blocks {self.blocks} is not 3 to 8")
        low, high = self.choices
        if not 3 <= low <= high <= 10:
            out.append(f"choices {self.choices} is not a range within 3 to 10")
        if not self.grades or len(set(self.grades)) != len(self.grades) or tuple(sorted(self.grades)) != self.grades:
            out.append("grades must be distinct and ascending")
        if any(not set(band) <= set(self.grades) for band in self.grade_bands):
            out.append("every grade band must be within the grades")
        if self.seats not in ("loose", "tight"):
            out.append(f"seats {self.seats!r} is not 'loose' or 'tight'")
        if self.seats == "loose" and (self.fallback_seats_per_student < 1.0 or self.fallback_spare_seats < 1):
            out.append("loose seats need more study-hall seats than students")
        if self.tier3_sessions > self.blocks or max(self.tier2_sessions) > self.blocks:
            out.append("an intervention needs more sessions than there are blocks")
        if self.small_group_capacity[0] < max(self.tier2_capacity[1], self.tier3_capacity[1]):
            out.append("small-group rooms must seat the largest intervention group")
        if self.tier2_share + self.tier3_share > 1.0:
            out.append("tier shares add up to more than every student")
        if self.min_students is not None and self.min_students[0] < 1:
            out.append("min_students starts at 1")
        shares = [f.name for f in fields(self) if f.name.endswith("_share") and not 0 <= getattr(self, f.name) <= 1]
        out += [f"{name} is not between 0 and 1" for name in shares]
        return out

    @property
    def seated_witness(self) -> bool:
        """Whether the witness plan seats students in choice sessions (needed for tight seats, for
        runs.min and for students who avoid several others) rather than in study halls only."""
        return self.seats == "tight" or self.runs_min_share > 0 or self.dense_avoid_share > 0

    def with_(self, **changes: object) -> Shape:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _tight(**changes: object) -> Shape:
    """Tight seats: study halls seat 40% of the students, choice offerings 85% if all ran fully."""
    base: dict[str, object] = {
        "seats": "tight",
        "fallback_seats_per_student": 0.4,
        "fallback_spare_seats": 0,
        "choice_seats_per_student": 0.85,
    }
    return Shape(**{**base, **changes})  # type: ignore[arg-type]


HIGH_SCHOOL = (9, 10, 11, 12)


def shape_presets() -> dict[str, Shape]:
    """The named shapes of the benchmark matrix (``scheduler generate --shape NAME``).

    ms-loose: the original generator: a suburban middle school whose cafeteria, library and
        auditorium can hold every student in every block.
    ms-tight: the same middle school in a building without big halls: study hall for 40% of the
        students, so most must get into a choice session they ranked.
    hs-tight: a comprehensive high school (grades 9-12, typically 1,500 students) where every
        student ranks seven offerings and study halls are small.
    hs-4-blocks: a high school with four flex periods a week (block schedule) and tight halls.
    elem-k5: an elementary school (K-5) with three flex blocks and three ranked choices; the
        cafeteria and library can take half the children.
    k12-mixed: a 6-12 secondary school: many offerings open to the middle or the high school
        grades only, loose halls.
    eight-blocks: a middle school with a flex block every morning and three afternoon blocks;
        students rank 8 to 10 offerings; tight halls (45%).
    ten-choices: a middle school that asks every student for ten ranked choices, tight halls.
    interventions-30pct: a high-needs middle school: 30% of students in tier-2/3 groups (tier 3
        about 4 a group, tier 2 about 8), up to a fifth of them in two groups (as seats allow),
        interventionists leading several groups, exactly one small-group room each.
    scarce-staff: a school short of teachers: each leads 4 to 6 sessions' worth of offerings,
        most may run only 2 or 3 sessions a week; tight halls.
    clubs-min-students: clubs that only run with 6 to 10 members, some of which must run at
        least once or twice (a club's charter or a grant).
    hot-offerings: three offerings (an esports club, say) that 80% of the students rank first.
    dense-avoid: a school with many separations: one pair per 25 students, and one student in ten
        kept apart from three to six others.
    part-time-staff: a third of the teachers and interventionists are part-time, away one to three
        blocks a week; tight halls.
    """
    return {
        "ms-loose": Shape(),
        "ms-tight": _tight(),
        "hs-tight": _tight(grades=HIGH_SCHOOL, choices=(7, 7)),
        "hs-4-blocks": _tight(grades=HIGH_SCHOOL, blocks=4, choices=(5, 6), fallback_seats_per_student=0.45),
        "elem-k5": _tight(
            grades=(0, 1, 2, 3, 4, 5), blocks=3, choices=(3, 3), fallback_seats_per_student=0.5, tier3_sessions=2
        ),
        "k12-mixed": Shape(
            grades=(6, 7, 8, 9, 10, 11, 12), grade_bands=((6, 7, 8), HIGH_SCHOOL), band_share=0.5, choices=(5, 8)
        ),
        "eight-blocks": _tight(blocks=8, choices=(8, 10), fallback_seats_per_student=0.45),
        "ten-choices": _tight(choices=(10, 10)),
        "interventions-30pct": Shape(
            tier2_share=0.2,
            tier3_share=0.1,
            tier2_capacity=(7, 8),
            tier3_capacity=(3, 5),
            second_need_share=0.2,
            spare_small_group_rooms=False,
        ),
        "scarce-staff": _tight(
            teacher_load=(4, 6),
            limited_share=0.6,
            max_sessions=(2, 3),
            co_teach_share=0.0,
            fallback_seats_per_student=0.45,
        ),
        "clubs-min-students": Shape(min_students=(6, 10), runs_min_share=0.3),
        "hot-offerings": Shape(hot_offerings=3, hot_first_share=0.8),
        "dense-avoid": Shape(students_per_avoid_pair=25.0, dense_avoid_share=0.1, dense_avoid_partners=(3, 6)),
        "part-time-staff": _tight(part_time_share=0.35, fallback_seats_per_student=0.45),
    }


def shape_named(name: str) -> Shape:
    """The preset called ``name``; a KeyError lists the valid names."""
    presets = shape_presets()
    if name not in presets:
        raise KeyError(f"unknown shape {name!r}; valid shapes: {', '.join(presets)}")
    return presets[name]
