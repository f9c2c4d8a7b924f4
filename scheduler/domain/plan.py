"""Pydantic models of the plan format (``flexblock-plan/v1``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.domain.problem import EntityId

PlanStatus = Literal["optimal", "feasible", "infeasible", "unknown"]


class PlanRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Session(PlanRecord):
    id: str
    offering: EntityId
    block: EntityId
    space: EntityId | None
    staff: list[EntityId]
    resources: dict[EntityId, int] = {}
    students: list[EntityId]


class Assignment(PlanRecord):
    student: EntityId
    block: EntityId
    session: str
    reason: str


class Metrics(PlanRecord):
    students: int
    first_choice_rate: float
    choice_fill_rate: float
    fallback_slots: int
    students_without_choice: int
    min_choice_share: float
    need_coverage: float
    request_coverage: float
    kept_from_previous: float | None


class Conflict(PlanRecord):
    kind: str
    message: str
    entities: list[str] = []


class PreviousChanges(PlanRecord):
    """What a plan kept of the problem's ``previous`` placements; ``reasons`` counts the moved ones
    by why (``domain.stability``), ``unaffected_kept`` is the share kept of those no change forced."""

    previous: int
    kept: int
    moved: int
    reasons: dict[str, int]
    unaffected_kept: float


class Plan(PlanRecord):
    format: Literal["flexblock-plan/v1"] = "flexblock-plan/v1"
    school: EntityId
    status: PlanStatus
    solve_seconds: float = 0.0
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    sessions: list[Session] = []
    assignments: list[Assignment] = []
    metrics: Metrics | None = None
    conflicts: list[Conflict] = []
    # Optional additions to the spec (allowed: "you may add optional fields").
    objective_breakdown: dict[str, float] | None = Field(
        default=None, description="Cost per priority (requests, choices, fairness, stability, space fit)."
    )
    engine: dict[str, object] | None = Field(
        default=None, description="How the plan was made: stages, seed, workers, time limit."
    )
    previous_changes: PreviousChanges | None = Field(
        default=None, description="With a previous plan: placements kept, moved, and why each moved."
    )


def session_id(offering: str, block: str) -> str:
    """The spec's session id: one session per offering and block."""
    return f"{offering}@{block}"
