"""The engine's tuning: every size threshold, time share and work limit in one typed object.

``SolveSettings.tuning`` carries it into a run; tests and experiments pass their own
(``EngineTuning(session_mip_up_to=0)``) instead of patching module constants. Each value was
chosen by measurement: ``docs/engine-tuning.md`` has one section per field with its history.
Changing a default changes the plans the engine returns; the weights of the objective are not
here (they are the school's ``Policy``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineTuning:
    """Thresholds in students, shares as fractions (0-1), times in seconds, work in nodes/rounds."""

    # ---- model size: when students are merged into units ----------------------------------
    bound_exact_up_to: int = 10_000
    """Students (and, above, units) in the bound model: one unit per student up to this many,
    else merged groups so that about this many units remain."""
    timetable_units: int = 300
    """Units the timetable model is merged down to above ``timetable_exact_up_to`` students."""
    timetable_exact_up_to: int = 1000
    """Students up to which the timetable model keeps one unit per student (exact costs, avoid pairs)."""

    # ---- a valid plan early -----------------------------------------------------------------
    repair_share: float = 0.5
    """Share of the time left, at most, for repairing the previous plan (``repair``)."""
    feasibility_share: float = 0.5
    """Share of the time left, at most, for the feasibility stage when the greedy warm start
    breaks a hard rule (``feasibility``)."""

    # ---- the first timetable --------------------------------------------------------------
    session_mip_up_to: int = 100
    """Students up to which a session MIP runs first; above, the warm start's timetable is re-placed."""
    session_mip_with_previous_up_to: int = 1000
    """The same threshold when the week has a ``previous`` plan (only the MIP's objective knows it)."""
    session_share: float = 0.1
    """Share of the time limit for the first session MIP."""
    first_timetable_share: float = 0.5
    """Share of the time left, at most, for the first timetable solve (fixed-rooms LP or session MIP)."""

    # ---- the exact student placement's time -----------------------------------------------
    placement_share: float = 0.15
    """Share of the time limit kept for the exact student placement ..."""
    placement_seconds_per_student: float = 0.009
    """... or this many seconds per student when more (its model and LP are long) ..."""
    placement_min_seconds: float = 2.5
    """... and never fewer seconds than this."""
    first_placement_share: float = 0.8
    """Share of the placement time for a timetable when another (the warm start's) comes next."""
    lp_guide_above: int = 1000
    """Students above which the placement's LP guides its start (``placement.lp_guide``)."""
    start_close_enough: float = 0.005
    """Relative distance to the placement's LP within which the start is kept without the MIP."""
    lp_share: float = 0.75
    """Share of a placement's time its LP may take, at most."""
    mip_overhead_seconds: float = 1.0
    """Seconds a placement MIP needs at least to presolve and read its start (plus the next) ..."""
    mip_overhead_students_per_second: float = 1000
    """... one more second per this many students; with less time the start is the answer."""
    check_seconds_per_student: float = 1 / 5000
    """Seconds per student kept at the end for writing the plan and checking it ..."""
    late_stop_seconds_per_student: float = 0.002
    """... and for HiGHS to notice its time limit (it does not interrupt a long LP solve)."""

    explain_min_seconds: float = 3.0
    """Seconds that must be left for the engine to search for conflicting facts when it found no
    plan (the pre-checks already ran first); with less, the plan says "not known yet" in time."""
    place_again_margin: float = 1.5
    """Above ``polish_up_to`` students, when the placement left time, the search goes on until this
    many times the placement's measured duration is left, then the new timetable is placed."""
    stage_seconds_per_student: float = 0.003
    """Seconds per student a timetable search or a placement needs at least to be worth starting
    (building its model and a first solve: 600 students, about 2 s; 2,000 students, 3-5 s to
    build); with less time left the stage is skipped and the plan in hand stands, so a short
    limit is kept. At 0.004 s with the finishing time taken off too, a 600-student placement was
    skipped with 4.6 s left (ten-choices, seed 1: the warm start returned, a 54% gap)."""

    # ---- the time-sliced search (more than one worker) ------------------------------------
    lns_sub_seconds: float = 2.0
    """Seconds per neighbourhood sub-MIP."""
    safety_seconds: float = 1.0
    """Seconds kept back from the deadline by every stage."""
    bound_margin_seconds: float = 1.5
    """Seconds before the deadline at which the bound process answers ..."""
    bound_margin_share: float = 0.01
    """... plus this share of the time limit."""

    # ---- polishing on the exact model -----------------------------------------------------
    polish_min_seconds: float = 2.0
    """Seconds that must be left for the placed plan to be polished."""
    polish_up_to: int = 1000
    """Students up to which the placed plan is polished."""
    polish_rounds: int = 6
    """Polishing rounds with one worker."""

    # ---- one worker: a fixed amount of work, the same plan for the same seed ---------------
    deterministic_nodes: int = 500
    """Node limit of every MIP with one worker."""
    deterministic_rounds: int = 12
    """Most search rounds with one worker."""
    deterministic_sub_nodes: int = 50
    """Node limit of each neighbourhood sub-MIP with one worker."""
    deterministic_share: float = 0.6
    """Share of the time left a MIP may take with one worker (the clock only guards the deadline)."""
    round_seconds: float = 0.5
    """Planned seconds of one search round ..."""
    round_seconds_per_student: float = 0.004
    """... plus this per student (counted up to ``timetable_exact_up_to``)."""
    planned_share: float = 0.8
    """Share of the search's planned window the planned rounds may fill."""

    # ---- neighbourhoods of the search (``lns``) -------------------------------------------
    no_choice_targets: int = 2
    """Students without any choice aimed at per move ..."""
    no_choice_offerings: int = 2
    """... and how many of each one's choices are freed with them."""
    week_share: float = 0.05
    """Share of the teachers whose whole week a teacher's-week move frees ..."""
    week_most: int = 2
    """... and at most this many teachers."""

    # ---- the placement start (``start``) and its guides -----------------------------------
    move_candidates: int = 20
    """Students of a full session tried, each level, when making room for one without a seat."""
    lp_over_quota: int = 1000
    """Flow cost of a seat the placement LP did not give; a guide at least this dear counts as exact."""
    exact_over_quota: int = 1000
    """Flow cost of a seat beyond the picture when the picture is the exact (single-student) model's."""
    merged_over_quota: int = 10
    """Flow cost of a seat beyond the picture when the picture is the merged model's."""

    # ---- the model's shape ----------------------------------------------------------------
    link_chunk: int = 12
    """Attendees per copy of a session variable in the student-session links (short columns)."""


DEFAULT_TUNING = EngineTuning()
