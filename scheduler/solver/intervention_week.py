"""The interventionists' week planned as one small CP-SAT model, for schools the greedy cannot seat.

The first-come-first-served warm start plans each interventionist's groups in turn, taking rooms
as it goes. When intervention groups need nearly every small-group room of the week (a 1,500-student
high school: 157 of 165 small-group room slots), a group planned late finds its members' blocks
taken and four tier-3 students cannot get their sessions, though a plan for them exists. An MTSS
team planning by hand would move the other groups; this model does that for every group at once:

* a group runs in a block in one free fitting room, at most once a block, within its runs limits;
* staff lead at most one session a block, within their weekly limit (what locks left them);
* per-session equipment stays within stock;
* each member attends exactly their needed sessions, in distinct blocks they are free in, at most
  one intervention a block, and a session seats at most its room's and offering's capacity and
  at least ``min_students``;
* as few sessions as possible (rooms stay free for choices), then rooms that fit best.

It is small (groups x blocks x fitting rooms, members x blocks) and CP-SAT solves it in well under a
second on one worker, so the result is the same for the same input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.domain.index import ProblemIndex
from scheduler.domain.problem import Offering, Space, Student


@dataclass(frozen=True)
class InterventionWeek:
    """Sessions to open ((offering, block) -> space) and who attends them ((student, block) -> offering)."""

    sessions: Mapping[tuple[str, str], str]
    seats: Mapping[tuple[str, str], str]


@dataclass(frozen=True)
class WeekState:
    """What the greedy has already fixed when the interventions are planned (fallbacks and locks)."""

    free_spaces: Callable[[Offering, str], list[Space]]  # fitting spaces still free in a block
    staff_busy: set[tuple[str, str]]
    staff_load: Mapping[str, int]
    runs: Mapping[str, int]
    resources_used: Mapping[tuple[str, str], int]  # (block, resource) -> units taken
    student_busy: set[tuple[str, str]]  # (student, block) already placed


def plan_interventions(
    index: ProblemIndex,
    members: Mapping[str, Sequence[tuple[Student, int]]],
    state: WeekState,
    *,
    seconds: float = 10.0,
    work: float = 0.5,
    seed: int = 0,
) -> InterventionWeek | None:
    """Every need group's sessions and members' seats, or None when the model finds none in time.
    The search stops after ``work`` units of CP-SAT's deterministic time (about a second; the same
    answer on every run), or ``seconds`` of the clock on a very slow machine."""
    model = cp_model.CpModel()
    room: dict[tuple[str, str, RoomKind], cp_model.IntVar] = {}
    free: dict[tuple[RoomKind, str], list[Space]] = defaultdict(list)  # (kind, block) -> free rooms
    runs: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    seats: dict[tuple[str, str], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    groups = [index.offerings[o] for o in sorted(members)]
    for group in groups:
        for block in index.run_blocks(group):
            if any((t, block) in state.staff_busy for t in group.staff):
                continue
            kinds: dict[RoomKind, Space] = {}
            for space in state.free_spaces(group, block):
                kind = _kind(group, space)
                kinds.setdefault(kind, space)
                if space not in free[(kind, block)]:
                    free[(kind, block)].append(space)
            for kind, space in kinds.items():
                var = model.new_bool_var(f"{group.id}@{block}:{kind}")
                room[(group.id, block, kind)] = var
                runs[(group.id, block)].append(var)
                seats[(group.id, block)].append((index.seat_limit(group, space), var))
    _rooms_and_staff(model, index, groups, room, free, runs, state)
    attend = _members(model, index, members, runs, seats, state)
    if attend is None:
        return None
    fit = [(var, len(set(kind[1]) - set(index.offerings[o].needs_features))) for (o, _, kind), var in room.items()]
    model.minimize(1000 * sum(room.values()) + sum(cost * var for var, cost in fit))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.max_deterministic_time = work
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    used: set[tuple[str, str]] = set()
    sessions = {}
    # Fixed rooms first, then each session takes a free room of its kind nobody took.
    for (offering, block, kind), var in sorted(room.items(), key=lambda item: (not item[0][2][2], item[0])):
        if solver.value(var):
            space = next((r for r in free[(kind, block)] if (r.id, block) not in used), None)
            if space is None:
                return None  # a fixed room also counted among its kind: rare, the greedy stands
            sessions[(offering, block)] = space.id
            used.add((space.id, block))
    placed = {(s, b): o for (s, o, b), var in attend.items() if solver.value(var)}
    return InterventionWeek(sessions, placed)


RoomKind = tuple[int, tuple[str, ...], str]


def _kind(group: Offering, space: Space) -> RoomKind:
    """Rooms of one kind are interchangeable for every group: same seats and features; a group
    with a fixed room has that room as a kind of its own."""
    return (space.capacity, tuple(sorted(space.features)), space.id if group.space else "")


def _rooms_and_staff(
    model: cp_model.CpModel,
    index: ProblemIndex,
    groups: list[Offering],
    room: Mapping[tuple[str, str, RoomKind], cp_model.IntVar],
    free: Mapping[tuple[RoomKind, str], list[Space]],
    runs: Mapping[tuple[str, str], list[cp_model.IntVar]],
    state: WeekState,
) -> None:
    """Rules 5-8 for the sessions: one room each, free rooms of a kind per block, staff once a
    block, weekly limits, stock."""
    per_kind: dict[tuple[RoomKind, str], list[cp_model.IntVar]] = defaultdict(list)
    for (_, block, kind), var in room.items():
        per_kind[(kind, block)].append(var)
    for key, vars_ in per_kind.items():
        if len(vars_) > len(free[key]):
            model.add(sum(vars_) <= len(free[key]))
    per_staff_block: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    per_staff: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    stock: dict[tuple[str, str], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for group in groups:
        week = [var for b in index.block_ids for var in runs.get((group.id, b), [])]
        model.add(sum(week) <= max(0, index.runs_max(group) - state.runs.get(group.id, 0)))
        for block in index.block_ids:
            session = runs.get((group.id, block), [])
            model.add_at_most_one(session)
            for member in group.staff:
                per_staff_block[(member, block)].extend(session)
                per_staff[member].extend(session)
            for use in group.resources:
                stock[(block, use.resource)].extend((use.per_session, var) for var in session)
    for vars_ in per_staff_block.values():
        model.add_at_most_one(vars_)
    for member, vars_ in per_staff.items():
        limit = index.staff[member].max_sessions
        if limit is not None:
            model.add(sum(vars_) <= max(0, limit - state.staff_load.get(member, 0)))
    for (block, resource), terms in stock.items():
        stocked = index.resources[resource].quantity - state.resources_used.get((block, resource), 0)
        model.add(sum(units * var for units, var in terms) <= stocked)


def _members(
    model: cp_model.CpModel,
    index: ProblemIndex,
    members: Mapping[str, Sequence[tuple[Student, int]]],
    runs: Mapping[tuple[str, str], list[cp_model.IntVar]],
    seats: Mapping[tuple[str, str], list[tuple[int, cp_model.IntVar]]],
    state: WeekState,
) -> dict[tuple[str, str, str], cp_model.IntVar] | None:
    """Rules 1, 3 and 6 for the members: their sessions exactly, once a block, within seats.
    None when a member cannot have enough blocks at all (no model can help)."""
    attend: dict[tuple[str, str, str], cp_model.IntVar] = {}
    per_slot: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    per_session: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    for offering, group in members.items():
        for student, sessions in group:
            mine = []
            for block in index.available_blocks(student):
                if (student.id, block) in state.student_busy or not runs.get((offering, block)):
                    continue
                var = model.new_bool_var(f"{student.id}:{offering}@{block}")
                attend[(student.id, offering, block)] = var
                mine.append(var)
                per_slot[(student.id, block)].append(var)
                per_session[(offering, block)].append(var)
            if len(mine) < sessions:
                return None
            model.add(sum(mine) == sessions)
    for vars_ in per_slot.values():
        model.add_at_most_one(vars_)
    for (offering, block), vars_ in per_session.items():
        capacity = sum(n * var for n, var in seats[(offering, block)])
        model.add(sum(vars_) <= capacity)
        running = sum(runs[(offering, block)])
        model.add(sum(vars_) >= index.offerings[offering].min_students * running)
    return attend
