"""The school's tuning of the objective: weights of the spec's priorities, all settable.

The defaults encode the spec's order of priority (preferred requests, then choices, then fairness,
then stability, then space fit) by giving each level a weight well above what the next level can
add up to in a normal week. Every cost is a *regret*: zero when the student got the best they could.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Policy(BaseModel):
    """Objective weights. Unknown keys are rejected like everywhere else in the problem."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preferred_request_missed: int = Field(
        default=2000,
        ge=0,
        description="Cost of a preferred teacher request left unmet: above what running the requested "
        "session can cost a class of other students, so a preferred pull goes ahead of choices as the "
        "spec orders it (at 400, a school with scarce staff left two of eight unmet to save choices).",
    )
    choice_rank_step: int = Field(
        default=10, ge=0, description="Extra cost per rank below first choice (choice N costs (N-1)*step)."
    )
    fallback: int = Field(default=100, ge=0, description="Cost of the first fallback slot of a student.")
    fallback_growth: int = Field(
        default=60,
        ge=0,
        description="Fairness: each further fallback slot of the same student costs this much more "
        "than the previous one (a convex per-student cost).",
    )
    no_choice: int = Field(
        default=300,
        ge=0,
        description="Fairness: extra cost when a student with free slots gets none of their choices.",
    )
    first_choice_missed: int = Field(
        default=30,
        ge=0,
        description="Fairness: extra cost when a student with free slots never gets their first choice "
        "(a lock or request on it counts), so first choices are spread over students.",
    )
    previous_changed: int = Field(
        default=30,
        ge=0,
        description="Stability: cost of each `previous` placement not kept (as much as a first choice, "
        "so restoring one is not worth moving two placements).",
    )
    space_fit: int = Field(
        default=1,
        ge=0,
        description="Space fit: cost per special feature a session's room has but does not need, "
        "plus one per ten unneeded seats.",
    )
    max_choices: int = Field(default=10, ge=1, le=50, description="Most ranked choices a student may submit.")
