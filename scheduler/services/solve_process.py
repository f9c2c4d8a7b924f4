"""One solve job in a child process: it loads the week, runs the engine and stores the plan itself.

A child process, not a thread, because cancelling must be immediate (HiGHS and CP-SAT cannot be
interrupted from Python) and a solver crash must not take the API down. The child leads its own
process group, so killing the group also ends the engine's own bound process. It does its own
database work (``job_work``), so the API process only relays progress (sent on a pipe) and stays
responsive; killing the child mid-write rolls its transaction back.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import Any

from scheduler.services.calendar_publish import FeedOptions

_SPAWN = multiprocessing.get_context("spawn")
PARENT_CHECK_SECONDS = 0.5
# Solves are background work: at a lower CPU priority (inherited by the engine's bound process)
# the API answers reads promptly while a solve keeps every core busy.
SOLVE_NICENESS = 10


def _end_with_parent(parent: int) -> None:
    """A solve never outlives its server: when the parent dies, the child ends its process group."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _child(job: SolveJob, pipe: Connection, parent: int) -> None:
    os.setsid()
    os.nice(SOLVE_NICENESS)
    threading.Thread(target=_end_with_parent, args=(parent,), daemon=True).start()
    from scheduler.services.job_work import load_job_problem, store_job_result
    from scheduler.solver.engine import solve
    from scheduler.solver.settings import Progress, SolveSettings
    from scheduler.storage.database import Database

    def report(progress: Progress) -> None:
        pipe.send(("progress", {**asdict(progress), "gap": progress.gap}))

    database = Database(job.database_url)
    try:
        problem = load_job_problem(database, job.job_id)
        settings = SolveSettings(time_limit=job.time_limit, seed=job.seed, workers=job.workers)
        store_job_result(database, job.job_id, solve(problem, settings, on_progress=report), job.feeds)
        pipe.send(("stored", None))
    except BaseException as exc:  # everything goes back to the parent, which records it
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        database.dispose()
        pipe.close()


@dataclass(frozen=True)
class SolveJob:
    """What the child needs to run a claimed job: where the data is and the job's settings."""

    database_url: str
    job_id: str
    time_limit: float
    seed: int
    workers: int
    feeds: FeedOptions  # how to update calendar feeds when the job publishes its plan


class SolveProcess:
    """A running solve: ``receive()`` gives what the child sends; ``kill()`` ends it at once."""

    def __init__(self, job: SolveJob) -> None:
        self._receive, send = _SPAWN.Pipe(duplex=False)
        self._process = _SPAWN.Process(target=_child, args=(job, send, os.getpid()), daemon=False)
        self._process.start()
        send.close()

    def receive(self, timeout: float) -> tuple[str, Any] | None:
        """The next message, None when none came within ``timeout``; ("exit", code) once the child is gone."""
        try:
            if self._receive.poll(timeout):
                return self._receive.recv()
        except (EOFError, OSError):
            pass
        else:
            if self._process.is_alive():
                return None
        self._process.join(5)
        return ("exit", self._process.exitcode)

    def kill(self) -> None:
        if self._process.pid is not None and self._process.is_alive():
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except ProcessLookupError:  # killed before it became a group leader
                self._process.kill()
        self._process.join(5)
        self._receive.close()
