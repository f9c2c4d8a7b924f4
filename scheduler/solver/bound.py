"""The proven lower bound: the LP relaxation of the (possibly merged) model, in a child process.

The LP runs on PDLP (a first-order method) until just before the deadline while the main process
searches for plans; its last dual iterate is turned into a bound we can prove (``dual_bound``).
Measured here, that bound is within 0.5% of the exact LP optimum after 2 s at 600 students and
10 s at 2,000, where HiGHS's interior-point method needs 9 s and 40-90 s, and does not finish in
170 s at 5,000 students. It is a separate process, not a thread: HiGHS and PDLP would share this
process's cores and task executor with the plan search. The child
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
import time
from pathlib import Path

from ortools.math_opt.python import mathopt

# Floating-point slack taken off every bound so rounding in its sums can never overstate it.
BOUND_TOLERANCE = 1e-7


def lp_parameters(seconds: float) -> mathopt.SolveParameters:
    """PDLP on one thread (the other core searches), stopped by the clock or at optimality."""
    return mathopt.SolveParameters(time_limit=dt.timedelta(seconds=max(1.0, seconds)), threads=1)


class BoundJob:
    """Solves the LP relaxation of ``model`` (as it is now) in a child process."""

    def __init__(self, model: mathopt.Model, seconds: float) -> None:
        """``seconds`` from now, the child prints its answer (it stops PDLP early enough for that)."""
        self._folder = tempfile.TemporaryDirectory(prefix="flexblock-bound-")
        folder = Path(self._folder.name)
        (folder / "model.pb").write_bytes(model.export_model(remove_names=True).SerializeToString())
        (folder / "params.pb").write_bytes(lp_parameters(seconds).to_proto().SerializeToString())
        (folder / "solver").write_text(str(mathopt.SolverType.PDLP.value))
        (folder / "deadline").write_text(repr(time.time() + seconds))
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

    def _read(self) -> None:
        assert self._process is not None
        out, err = self._process.communicate()
        self._finished = True
        self._folder.cleanup()
        try:
            answer = json.loads(out.decode() or "{}")
        except ValueError:
            answer = {}
        value = answer.get("bound")
        self.infeasible = bool(answer.get("infeasible"))
        if isinstance(value, float) and math.isfinite(value):
            self.bound = value - BOUND_TOLERANCE * max(1.0, abs(value))
        elif not self.infeasible:
            detail = answer.get("error") or err.decode(errors="replace").strip()[-500:]
            self.error = detail or f"the bound process ended with code {self._process.returncode}"

    def stop(self) -> None:
        """Stop the child (at the deadline) and clean up; the bound stays unknown."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._finished = True
        self._folder.cleanup()
