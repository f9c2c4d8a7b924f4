"""The database work of one solve job, done inside its solve process, never in the API process.

Loading a week's problem (thousands of rows into pydantic models) and storing the plan (validating
it, re-checking it on publish, inserting thousands of rows) are long stretches of Python that hold
the interpreter lock. Done in the API process they stalled reads by a few hundred milliseconds at
the start and end of every solve; done here the API process only claims the job and relays
progress.
"""

from __future__ import annotations

from scheduler.domain.checker import check_plan
from scheduler.domain.plan import Plan
from scheduler.domain.problem import Problem
from scheduler.services.calendar_publish import FeedOptions
from scheduler.services.plans import publish_version, published_placements, store_plan
from scheduler.services.reservations import granted_since
from scheduler.storage import problems as store
from scheduler.storage.database import Database
from scheduler.storage.tables import SchoolRow, SolveJobRow
from scheduler.storage.types import utc_now


def load_job_problem(database: Database, job_id: str) -> Problem:
    """The claimed job's week, with its published plan (if any) as ``previous``."""
    with database.transaction(read_only=True) as session:
        row = session.get(SolveJobRow, job_id)
        if row is None:
            raise LookupError(f"solve job {job_id} is gone")
        school = session.get(SchoolRow, row.school_id)
        assert school is not None
        previous = published_placements(session, school, row.week)
        return store.load_problem(session, school, row.week, previous=previous)


def store_job_result(database: Database, job_id: str, plan: Plan, feeds: FeedOptions) -> None:
    """Store ``plan`` as the job's new draft version (published when asked), in one transaction.

    A cancel that arrived meanwhile wins: the job ends ``cancelled`` and no version is stored.
    """
    with database.transaction() as session:
        row = session.get(SolveJobRow, job_id, with_for_update=True)
        if row is None or row.state != "running":
            return
        if row.cancel_requested:
            row.state, row.finished_at, row.error = "cancelled", utc_now(), "cancelled by a scheduler"
            return
        school = session.get(SchoolRow, row.school_id)
        assert school is not None
        stored = store_plan(session, school, row.week, plan, source="solver", job_id=job_id)
        row.plan_id, row.state, row.finished_at = stored.id, "succeeded", utc_now()
        if granted_since(session, school, row.week, row.started_at):  # granted while this solve ran
            stored.needs_resolve = bool(check_plan(store.load_problem(session, school, row.week), plan))
        if row.publish_when_done and plan.status in ("optimal", "feasible") and not stored.needs_resolve:
            publish_version(session, school, stored, feeds)
        final = {"objective": plan.objective, "bound": plan.bound, "gap": plan.gap, "stage": "done"}
        row.progress = {**row.progress, **final, "elapsed": plan.solve_seconds}
