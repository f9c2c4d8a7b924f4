"""CP-SAT models built from the constraint rows: the whole school, or the slice a core needs.

A slice for a set of guards holds their rows, and of the structure only the sessions those rows
mention (every student variable, room choice and link of each such session) plus each student's
"at most one session per block" among the kept variables. It is exactly as satisfiable as the whole
model with only those guards assumed: any solution of the slice extends to the whole model by leaving
every other session closed and every other student variable at 0, which breaks no structural row and
touches no kept rule. On a 600-student school a slice of a few guards solves in milliseconds where
the whole model takes seconds, which is what makes shrinking a core affordable.
"""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler.solver.explain.constraints import Guard, Key, Row, Rows, session_of


class GuardedModel:
    """The CP-SAT model of some guards (all by default) and the assumption literal of each."""

    def __init__(self, rows: Rows, guards: Iterable[Guard] | None = None) -> None:
        self.model = cp_model.CpModel()
        self.vars: dict[Key, cp_model.IntVar] = {}
        kept = list(rows.guarded) if guards is None else list(dict.fromkeys(guards))
        self.literals: dict[Guard, cp_model.IntVar] = {
            g: self.model.new_bool_var(f"{g.group}:{'/'.join(g.key)}") for g in kept
        }
        guarded = [row for g in kept for row in rows.guarded[g]]
        sessions = set(rows.rooms) if guards is None else {session_of(k) for row in guarded for k, _ in row.terms}
        for session in sessions:
            for row in rows.structure[session]:
                self._add(row)
        for xs in rows.slots.values():
            kept_xs = [self.var(x) for x in xs if session_of(x) in sessions]
            if len(kept_xs) > 1:
                self.model.add_at_most_one(kept_xs)
        for row in guarded:
            self._add(row)

    def var(self, key: Key) -> cp_model.IntVar:
        found = self.vars.get(key)
        if found is None:
            found = self.vars[key] = self.model.new_bool_var(":".join(key))
        return found

    def _add(self, row: Row) -> None:
        if row.kind == "never":
            assert row.guard is not None
            self.model.add_bool_or([self.literals[row.guard].Not()])
            return
        if row.kind == "or":
            made = self.model.add_bool_or([self.var(k) if c > 0 else self.var(k).Not() for k, c in row.terms])
        else:
            expr = cp_model.LinearExpr.weighted_sum([self.var(k) for k, _ in row.terms], [c for _, c in row.terms])
            made = self.model.add_linear_constraint(expr, row.lo, row.hi)
        if row.guard is not None:
            made.only_enforce_if(self.literals[row.guard])

    @property
    def guards(self) -> dict[int, Guard]:
        """Literal index -> guard."""
        return {lit.index: guard for guard, lit in self.literals.items()}
