"""Solve jobs: start one for a school's week, watch its progress, cancel it; the worker pool runs them.

States: queued -> running -> succeeded | failed | cancelled. A finished job points at the plan
version it stored (a draft: a failed or cancelled job never touches the published plan). When a
week already has a published plan, the solve keeps it as ``previous`` so the new plan changes as
little as the new data allows, and the stored version reports how many placements changed.
A reservation granted while the solve ran is not in the problem it solved: the stored version is
then checked against today's data and marked ``needs_resolve`` (and not auto-published) if it
collides (``job_work.store_job_result``).

The pool lives in the API process (``solve_workers`` threads, each watching one solve process); the
solve process loads the week and stores the plan itself (``job_work``), so the API process stays light.
On start-up, jobs left ``running`` by a stopped server are marked failed and ``queued`` ones are
queued again, so no job stays "running" for ever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.domain.errors import InputIssue
from scheduler.services.actors import Actor, require_role
from scheduler.services.calendar_publish import FeedOptions
from scheduler.services.errors import Conflict, InvalidInput, NotFound
from scheduler.services.idempotency import earlier_request, replay
from scheduler.services.schools import require_week, school_row
from scheduler.services.solve_process import SolveJob, SolveProcess
from scheduler.settings import ServiceSettings
from scheduler.storage.database import Database
from scheduler.storage.tables import SchoolRow, SolveJobRow
from scheduler.storage.types import utc_now

ACTIVE = ("queued", "running")
PROGRESS_EVERY_SECONDS = 0.5  # how often live progress is written to the job row
log = logging.getLogger("scheduler.jobs")


def _digest(week: dt.date, time_limit: float, seed: int, workers: int, publish: bool) -> str:
    text = json.dumps([week.isoformat(), time_limit, seed, workers, publish])
    return hashlib.sha256(text.encode()).hexdigest()


def job_row(session: Session, actor: Actor, school: str, job_id: str) -> SolveJobRow:
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    row = session.get(SolveJobRow, job_id)
    if row is None or row.school_id != record.id:
        raise NotFound(f"no solve job {job_id!r} in school {school!r}", code="job_not_found")
    return row


def list_jobs(session: Session, actor: Actor, school: str, limit: int = 100) -> list[SolveJobRow]:
    """The school's most recent jobs, newest first."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    query = select(SolveJobRow).where(SolveJobRow.school_id == record.id)
    return list(session.scalars(query.order_by(SolveJobRow.created_at.desc()).limit(limit)))


def create_job(
    session: Session,
    actor: Actor,
    settings: ServiceSettings,
    school: str,
    week: dt.date,
    *,
    time_limit: float | None,
    seed: int,
    idempotency_key: str | None,
    publish: bool = False,
) -> tuple[SolveJobRow, bool]:
    """A queued job, or the job an earlier request with the same ``Idempotency-Key`` made (then False)."""
    record = school_row(session, actor, school)
    require_role(actor, school, "scheduler")
    require_week(session, record, week)
    limit = settings.default_time_limit if time_limit is None else time_limit
    if limit > settings.max_time_limit:
        message = f"{limit} is above the server's maximum {settings.max_time_limit}"
        raise InvalidInput(
            f"time_limit: {message}", code="time_limit_too_long", issues=[InputIssue("time_limit", message)]
        )
    digest = _digest(week, limit, seed, settings.solver_threads, publish)
    if idempotency_key is not None:
        earlier = _by_key(session, record, idempotency_key)
        if earlier is not None:
            return replay(earlier, digest), False
    running = session.scalar(
        select(SolveJobRow).where(
            SolveJobRow.school_id == record.id, SolveJobRow.week == week, SolveJobRow.state.in_(ACTIVE)
        )
    )
    if running is not None:
        raise Conflict(
            f"job {running.id} is already {running.state} for this week; wait or cancel it", code="job_active"
        )
    row = SolveJobRow(
        id=str(uuid.uuid4()),
        school_id=record.id,
        week=week,
        state="queued",
        time_limit=limit,
        seed=seed,
        workers=settings.solver_threads,
        idempotency_key=idempotency_key,
        request_digest=digest,
        publish_when_done=publish,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same key, committed a moment ago by a concurrent request
        earlier = _by_key(session, record, idempotency_key or "")
        if earlier is None:
            raise
        return replay(earlier, digest), False
    return row, True


def _by_key(session: Session, school: SchoolRow, key: str) -> SolveJobRow | None:
    return earlier_request(session, SolveJobRow, school.id, key)


def request_cancel(session: Session, actor: Actor, school: str, job_id: str) -> SolveJobRow:
    """Cancel a queued job at once; ask a running one to stop (the runner ends it within a moment)."""
    row = job_row(session, actor, school, job_id)
    if row.state == "queued":
        row.state, row.finished_at, row.error = "cancelled", utc_now(), "cancelled before it started"
    elif row.state == "running":
        row.cancel_requested = True
    return row


class JobRunner:
    """Runs queued jobs in a small thread pool; each thread watches one ``SolveProcess``."""

    def __init__(
        self,
        database: Database,
        settings: ServiceSettings,
        feeds: FeedOptions,
        on_published: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.feeds = feeds
        self.on_published = on_published  # a solve process stored (and maybe published) a plan
        self._pool = ThreadPoolExecutor(max_workers=settings.solve_workers, thread_name_prefix="solve")
        self._stopping = threading.Event()

    def recover(self) -> None:
        """After a restart: fail jobs the old process was running, queue the queued ones again."""
        with self.database.transaction() as session:
            rows = list(session.scalars(select(SolveJobRow).where(SolveJobRow.state.in_(ACTIVE))))
            queued = [row.id for row in rows if row.state == "queued"]
            for row in rows:
                if row.state == "running":
                    row.state, row.finished_at = "failed", utc_now()
                    row.error = "the server stopped while this job was running; start a new solve"
        for job_id in queued:
            self.submit(job_id)

    def submit(self, job_id: str) -> None:
        self._pool.submit(self._run_safely, job_id)

    def shutdown(self) -> None:
        """Stop taking jobs and end running solves (they are marked failed, as after a crash)."""
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run_safely(self, job_id: str) -> None:
        try:
            self._run(job_id)
        except Exception as exc:  # a job must end in a final state whatever happens
            log.exception("solve job %s failed", job_id)
            self._finish(job_id, "failed", error=f"internal error: {type(exc).__name__}: {exc}")

    def _start(self, job_id: str) -> SolveJob | None:
        """Claim the job (queued -> running in one UPDATE, so no job ever runs twice)."""
        with self.database.transaction() as session:
            claimed = session.execute(
                update(SolveJobRow)
                .where(SolveJobRow.id == job_id, SolveJobRow.state == "queued")
                .values(state="running", started_at=utc_now(), progress={"elapsed": 0.0, "stage": "starting"})
            )
            if claimed.rowcount != 1:
                return None
            row = session.get(SolveJobRow, job_id)
            assert row is not None
            return SolveJob(self.database.url, job_id, row.time_limit, row.seed, row.workers, self.feeds)

    def _run(self, job_id: str) -> None:
        job = self._start(job_id)
        if job is None:
            return
        process = SolveProcess(job)
        last_write = 0.0
        try:
            while True:
                message = process.receive(timeout=0.25)
                if self._stopping.is_set():
                    self._finish(job_id, "failed", error="the server stopped while this job was running")
                    return
                if message is None or message[0] == "progress":
                    if message is not None and time.monotonic() - last_write >= PROGRESS_EVERY_SECONDS:
                        last_write = time.monotonic()
                        if self._write_progress(job_id, message[1]):
                            self._finish(job_id, "cancelled", error="cancelled by a scheduler")
                            return
                    elif message is None and self._cancel_requested(job_id):
                        self._finish(job_id, "cancelled", error="cancelled by a scheduler")
                        return
                    continue
                kind, payload = message
                if kind == "stored":  # the child stored the plan and ended the job; this is a no-op then
                    self.on_published()
                    self._finish(job_id, "failed", error="the solve process ended without storing its plan")
                elif kind == "error":
                    self._finish(job_id, "failed", error=f"the solver failed: {payload}")
                else:
                    self._finish(job_id, "failed", error=f"the solve process ended unexpectedly (exit code {payload})")
                return
        finally:
            process.kill()

    def _write_progress(self, job_id: str, progress: dict[str, Any]) -> bool:
        """Store live progress; True when a cancel was requested meanwhile."""
        with self.database.transaction() as session:
            row = session.get(SolveJobRow, job_id)
            if row is None:
                return True
            solutions = progress.get("solutions", 0)
            row.progress = {key: progress.get(key) for key in ("elapsed", "stage", "objective", "bound", "gap")}
            row.progress["solutions"] = solutions
            return row.cancel_requested

    def _cancel_requested(self, job_id: str) -> bool:
        with self.database.transaction() as session:
            row = session.get(SolveJobRow, job_id)
            return row is None or row.cancel_requested

    def _finish(self, job_id: str, state: str, error: str) -> None:
        with self.database.transaction() as session:
            row = session.get(SolveJobRow, job_id)
            if row is not None and row.state in ACTIVE:
                row.state, row.finished_at, row.error = state, utc_now(), error
