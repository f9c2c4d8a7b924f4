"""Students to sessions as one min-cost flow: exact for a single block's (or a single offering's)
assignment with seat limits, and fast on thousands of students.

A flow cannot see rules that tie students together (avoid pairs, shared equipment) or blocks
together; ``start`` places its answer one student at a time and re-places whoever breaks one.
Optional quota nodes follow the timetable search's merged picture: a group's students reach a
session at no extra cost up to the number the search sent there, and at ``over_quota`` beyond.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from ortools.graph.python import min_cost_flow

# A hashable node key: a session (offering, block), a hub ("fallback", grade) or a quota (group,
# offering, block). Any, not Hashable: callers read their own tuples back out of the answer.
Node = Any


class Arc(NamedTuple):
    """Student ``student`` may take ``session`` at ``cost``; ``quota`` names the quota node, if any."""

    student: str
    session: Node
    cost: int
    quota: Node | None = None


def assign(
    supply: Mapping[str, int],
    arcs: Sequence[Arc],
    seats: Mapping[Node, int],
    quotas: Mapping[Node, int] | None = None,
    over_quota: int = 0,
    hubs: Mapping[Node, Sequence[Node]] | None = None,
) -> dict[str, list[Node]]:
    """Sessions per student (up to ``supply[s]`` of them, each at most once): as many seated as
    possible, then at least total cost. The caller checks who is left out. An arc may lead to a
    hub instead (``hubs``: hub -> sessions, interchangeable seats such as study halls): one arc per
    student instead of one per session; the student's answer is then the hub."""
    quotas = quotas or {}
    hubs = hubs or {}
    total = sum(count for count in supply.values() if count > 0)
    if total == 0:
        return {}
    # Node numbers: 0 the source, 1 the sink, then students, quota nodes and sessions.
    students: dict[str, int] = {}
    tails: list[int] = []
    heads: list[int] = []
    capacities: list[int] = []
    costs: list[int] = []
    for student, count in supply.items():
        if count > 0:
            students[student] = len(students) + 2
            tails.append(0)
            heads.append(students[student])
            capacities.append(count)
            costs.append(0)
    sessions: dict[Node, int] = {}
    quota_nodes: dict[Node, int] = {}
    quota_session: dict[Node, Node] = {}
    next_node = len(students) + 2
    placed: list[tuple[int, Arc]] = []
    for arc in arcs:
        tail = students.get(arc.student)
        if tail is None or (arc.session not in hubs and seats.get(arc.session, 0) <= 0):
            continue
        key = arc.quota if arc.quota is not None else arc.session
        table = quota_nodes if arc.quota is not None else sessions
        head = table.get(key)
        if head is None:
            head = table[key] = next_node
            next_node += 1
            if arc.quota is not None:
                quota_session[key] = arc.session
        placed.append((len(tails), arc))
        tails.append(tail)
        heads.append(head)
        capacities.append(1)
        costs.append(arc.cost)
    for key, session in quota_session.items():
        if session not in sessions:
            sessions[session] = next_node
            next_node += 1
        for capacity, cost in ((max(0, int(quotas.get(key, 0))), 0), (total, over_quota)):
            tails.append(quota_nodes[key])
            heads.append(sessions[session])
            capacities.append(capacity)
            costs.append(cost)
    for hub, members in hubs.items():
        if hub not in sessions:
            continue
        for session in members:
            if seats.get(session, 0) > 0:
                if session not in sessions:
                    sessions[session] = next_node
                    next_node += 1
                tails.append(sessions[hub])
                heads.append(sessions[session])
                capacities.append(total)
                costs.append(0)
    for session, number in sessions.items():
        if session in hubs:
            continue
        tails.append(number)
        heads.append(1)
        capacities.append(int(seats[session]))
        costs.append(0)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(capacities, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    flow.set_node_supply(0, total)
    flow.set_node_supply(1, -total)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        return {}
    flows = flow.flows(np.array([number for number, _ in placed], dtype=np.int32))
    out: dict[str, list[Node]] = {}
    for (_, arc), amount in zip(placed, flows, strict=True):
        if amount > 0:
            out.setdefault(arc.student, []).append(arc.session)
    return out
