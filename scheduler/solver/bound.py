"""The proven lower bound: the LP relaxation of the (possibly merged) model, in a child process.

The LP runs on HiGHS's interior-point method without crossover (only the bound is needed) while
the main process searches for plans. It is a separate process, not a thread: HiGHS schedules its
work on one task executor per process, so two solves in one process wait for each other. The child
is a fresh interpreter (``python -m scheduler.solver.bound_worker``) rather than a multiprocessing
fork or spawn: forking after HiGHS started threads is unsafe, and spawn re-imports the caller's
``__main__``. The model is exported once up front, so the main process may change its own copy at
will, and the child can be stopped at the deadline without harm.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from ortools.math_opt import result_pb2
from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2


def lp_parameters(seconds: float, seed: int) -> mathopt.SolveParameters:
    """Barrier without crossover: the dual bound is all we need, and crossover is slow."""
    return mathopt.SolveParameters(
        time_limit=dt.timedelta(seconds=max(1.0, seconds)),
        random_seed=seed,
        lp_algorithm=mathopt.LPAlgorithm.BARRIER,
        highs=highs_pb2.HighsOptionsProto(string_options={"run_crossover": "off"}),
    )


class BoundJob:
    """Solves the LP relaxation of ``model`` (as it is now) in a child process."""

    def __init__(self, model: mathopt.Model, seconds: float, seed: int) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="flexblock-bound-")
        folder = Path(self._folder.name)
        (folder / "model.pb").write_bytes(model.export_model(remove_names=True).SerializeToString())
        (folder / "params.pb").write_bytes(lp_parameters(seconds, seed).to_proto().SerializeToString())
        self._process: subprocess.Popen[bytes] | None = None
        self.bound: float | None = None
        self.error: str | None = None
        self.infeasible = False
        self._finished = False

    def start(self) -> BoundJob:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "scheduler.solver.bound_worker", self._folder.name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return self

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the answer (returns early when it arrives)."""
        if self._finished or self._process is None:
            return
        try:
            self._process.wait(timeout=max(0.0, seconds))
        except subprocess.TimeoutExpired:
            return
        self._read()

    def poll(self) -> bool:
        """True once the answer has arrived (without waiting)."""
        if not self._finished and self._process is not None and self._process.poll() is not None:
            self._read()
        return self._finished

    def done(self) -> bool:
        return self.poll()

    def _read(self) -> None:
        assert self._process is not None
        out, err = self._process.communicate()
        self._finished = True
        self._folder.cleanup()
        try:
            answer = json.loads(out.decode() or "{}")
        except ValueError:
            answer = {}
        reason, value = answer.get("reason", -1), answer.get("bound")
        if reason == result_pb2.TERMINATION_REASON_OPTIMAL and isinstance(value, float) and math.isfinite(value):
            self.bound = value
        elif reason in (
            result_pb2.TERMINATION_REASON_INFEASIBLE,
            result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED,
        ):
            self.infeasible = True
        else:
            detail = answer.get("error") or err.decode(errors="replace").strip()[-500:]
            self.error = detail or f"the bound process ended with code {self._process.returncode}"

    def stop(self) -> None:
        """Stop the child (at the deadline) and clean up; the bound stays unknown."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._finished = True
        self._folder.cleanup()
