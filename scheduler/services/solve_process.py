"""One solve in a child process: the engine runs there, progress and the plan come back on a pipe.

A child process, not a thread, because cancelling must be immediate (HiGHS and CP-SAT cannot be
interrupted from Python) and a solver crash must not take the API down. The child leads its own
process group, so killing the group also ends the engine's own bound process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from dataclasses import asdict
from multiprocessing.connection import Connection
from typing import Any

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


def _child(problem: str, time_limit: float, seed: int, workers: int, pipe: Connection, parent: int) -> None:
    os.setsid()
    os.nice(SOLVE_NICENESS)
    threading.Thread(target=_end_with_parent, args=(parent,), daemon=True).start()
    from scheduler.domain.problem import Problem
    from scheduler.solver.engine import solve
    from scheduler.solver.settings import Progress, SolveSettings

    def report(progress: Progress) -> None:
        pipe.send(("progress", {**asdict(progress), "gap": progress.gap}))

    try:
        settings = SolveSettings(time_limit=time_limit, seed=seed, workers=workers)
        plan = solve(Problem.model_validate_json(problem), settings, on_progress=report)
        pipe.send(("plan", plan.model_dump(mode="json")))
    except BaseException as exc:  # everything goes back to the parent, which records it
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()


class SolveProcess:
    """A running solve: ``messages()`` yields what the child sends; ``kill()`` ends it at once."""

    def __init__(self, problem: str, time_limit: float, seed: int, workers: int) -> None:
        self._receive, send = _SPAWN.Pipe(duplex=False)
        self._process = _SPAWN.Process(
            target=_child, args=(problem, time_limit, seed, workers, send, os.getpid()), daemon=False
        )
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
