"""The spec's ten hard rules, each with one stable name.

The same name is used by the plan checker (``domain.checker``), the solver's constraint modules and
the infeasibility explanations, so a scheduler reading a conflict or a violation can find the rule.
"""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    ONE_SESSION_PER_BLOCK = "one_session_per_block"  # 1. exactly one session per available block
    ALLOWED_OFFERING = "allowed_offering"  # 2. chosen, needed, requested, fallback or locked; grade
    NEEDS_MET = "needs_met"  # 3. each need met exactly
    NOT_REPEATED = "not_repeated"  # 4. non-repeatable offering at most once per student
    OFFERING_RUNS = "offering_runs"  # 5. one session per block, allowed blocks, runs.min..runs.max
    SPACE = "space"  # 6. one fitting free space per session; enrollment within limits
    STAFF = "staff"  # 7. one session per block per staff, availability, reservations, max_sessions
    RESOURCES = "resources"  # 8. resource use plus reservations within quantity
    AVOID = "avoid"  # 9. students who avoid each other never share a session
    LOCKS_AND_REQUESTS = "locks_and_requests"  # 10. locks hold, required requests met


RULE_TEXT: dict[Rule, str] = {
    Rule.ONE_SESSION_PER_BLOCK: "Every student is in exactly one session in each block they are available, "
    "and in none when unavailable.",
    Rule.ALLOWED_OFFERING: "A student is only placed in an offering they chose, need, are requested for, "
    "a fallback or a lock, and never outside the offering's grades.",
    Rule.NEEDS_MET: "Each intervention need is met exactly.",
    Rule.NOT_REPEATED: "A non-repeatable offering is attended at most once per student.",
    Rule.OFFERING_RUNS: "An offering runs at most once per block, only in its allowed blocks, "
    "between runs.min and runs.max times.",
    Rule.SPACE: "A running session has one available space with the needed features, hosting nothing else; "
    "enrollment between min_students and the smaller of the two capacities.",
    Rule.STAFF: "A staff member leads at most one session per block, none when unavailable or holding a "
    "reservation, and at most max_sessions in the week.",
    Rule.RESOURCES: "Resource use plus reservations never exceeds the quantity in any block.",
    Rule.AVOID: "Two students who avoid each other never share a session.",
    Rule.LOCKS_AND_REQUESTS: "Every lock holds and every required teacher request is met.",
}
