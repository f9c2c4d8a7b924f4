"""The fixtures in ``fixtures/`` load and have the properties fixtures/README.md promises.

The tiny school's optimum is checked by exhaustive search: every plan within the claimed optimal
cost is enumerated (branch and bound over each student's possible weeks), so the README's facts are
shown to hold in *every* optimal plan, not just in one found by a solver.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from scheduler.domain.index import ProblemIndex
from scheduler.domain.loading import load_problem
from scheduler.domain.problem import Problem, Student
from scheduler.generate import Witness, build_school, witness_violations
from scheduler.solver.objective import evaluate, space_fit_cost, student_cost, student_ideal

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY_OPTIMUM = 170  # fixtures/README.md

Week = dict[str, str]  # block -> offering, one student's placements


@pytest.fixture(scope="module")
def riverside() -> Problem:
    return load_problem(FIXTURES / "riverside-ms.json")


@pytest.fixture(scope="module")
def tiny() -> Problem:
    return load_problem(FIXTURES / "tiny-school.json")


@pytest.fixture(scope="module")
def infeasible() -> Problem:
    return load_problem(FIXTURES / "infeasible-school.json")


# ---- riverside ----------------------------------------------------------------------------------
def test_riverside_identity_and_size(riverside: Problem) -> None:
    assert riverside.school.id == "riverside-ms"
    assert riverside.school.name == "Riverside Middle School"
    assert riverside.school.timezone == "America/Chicago"
    assert len(riverside.students) == 600
    assert [b.id for b in riverside.blocks] == ["mon", "tue", "wed", "thu", "fri"]
    assert 50 <= len(riverside.spaces) <= 60
    features = Counter(f for s in riverside.spaces for f in s.features)
    for feature in ("makerspace", "lab", "art", "music", "gym", "small-group", "quiet"):
        assert features[feature] >= 1, feature
    assert {r.id for r in riverside.resources} == {"chromebooks", "vr-kits", "3d-printers"}
    assert {s.grade for s in riverside.students} == {6, 7, 8}


def test_riverside_intervention_shares(riverside: Problem) -> None:
    kinds = {o.id: o.id.split("-")[1] for o in riverside.offerings if o.kind == "intervention"}
    tiers = Counter(kinds[n.offering] for s in riverside.students for n in s.needs)
    assert tiers == {"t2": 90, "t3": 30}  # 15% and 5% of 600


def test_riverside_has_every_kind_of_constraint(riverside: Problem) -> None:
    assert sum(1 for s in riverside.students if s.unavailable) >= 5
    assert sum(len(s.avoid) for s in riverside.students) >= 5
    assert len(riverside.locks) >= 5
    assert {r.priority for r in riverside.requests} == {"required", "preferred"}
    assert len(riverside.reservations) >= 3
    assert any(s.unavailable for s in riverside.spaces)
    assert any(s.unavailable for s in riverside.staff)
    assert any(s.max_sessions for s in riverside.staff)
    pulls = Counter(r.student for r in riverside.requests)
    double = [s for s, n in pulls.items() if n > 1]
    assert double, "one student is pulled by two teachers"
    assert len({r.staff for r in riverside.requests if r.student == double[0]}) == 2


def test_riverside_has_oversubscribed_offerings(riverside: Problem) -> None:
    index = ProblemIndex(riverside)
    first = Counter(s.choices[0] for s in riverside.students)
    over = [
        o.id
        for o in riverside.offerings
        if o.kind == "choice" and first[o.id] > o.capacity * min(index.runs_max(o), len(index.allowed_blocks(o)))
    ]
    assert len(over) >= 3


def test_riverside_is_the_generator_output_plus_one_pull(riverside: Problem) -> None:
    """fixtures/README.md: seed 3 of the generator, plus one hand-added preferred request."""
    school = build_school(600, 3, school_id="riverside-ms", name="Riverside Middle School")
    data = json.loads((FIXTURES / "riverside-ms.json").read_text(encoding="utf-8"))
    extra = data["requests"].pop()
    assert extra["priority"] == "preferred"
    assert data == school.data
    # A preferred request is soft, so the generator's witness proves the fixture feasible too.
    assert witness_violations(riverside, school.witness) == []


# ---- tiny: exhaustive search ----------------------------------------------------------------------
def _week_ok(index: ProblemIndex, student: Student, week: Week) -> bool:
    """Rules that concern one student alone: needs, repeats, locks, required requests, can run."""
    counts = Counter(week.values())
    if any(counts[n.offering] != n.sessions for n in student.needs):
        return False
    if any(n > 1 and not index.offerings[o].is_repeatable for o, n in counts.items()):
        return False
    if any(week.get(b) != o for b, o in index.locks.get(student.id, {}).items()):
        return False
    required = [r.offering for r in index.requests_by_student.get(student.id, []) if r.priority == "required"]
    if any(o not in counts for o in required):
        return False
    return all(
        index.can_run(index.offerings[o], b) and index.spaces_for(index.offerings[o], b) for b, o in week.items()
    )


def _student_weeks(index: ProblemIndex, student: Student) -> list[tuple[int, Week]]:
    """Every possible week of the student with its regret (cost minus the student's ideal), cheapest first."""
    blocks = index.available_blocks(student)
    ideal = student_ideal(index, student)
    weeks = []
    for combo in itertools.product(list(index.options(student)), repeat=len(blocks)):
        week = dict(zip(blocks, combo, strict=True))
        if _week_ok(index, student, week):
            cost = student_cost(index, student, week)
            weeks.append((cost.choices + cost.fairness + cost.preferred_requests - ideal, week))
    return sorted(weeks, key=lambda item: item[0])


class _Search:
    """Branch and bound over students' weeks, keeping every plan whose cost is at most ``limit``."""

    def __init__(self, problem: Problem, limit: int) -> None:
        self.index = ProblemIndex(problem)
        self.limit = limit
        self.students = problem.students
        self.weeks = [_student_weeks(self.index, s) for s in self.students]
        self.rest = [sum(w[0][0] for w in self.weeks[i:]) for i in range(len(self.weeks) + 1)]
        self.rosters: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.chosen: list[Week] = []
        self.found: list[tuple[int, dict[tuple[str, str], str], dict[tuple[str, str], str]]] = []

    def run(self) -> list[tuple[int, dict[tuple[str, str], str], dict[tuple[str, str], str]]]:
        self._descend(0, 0)
        return self.found

    def _descend(self, i: int, regret: int) -> None:
        if regret + self.rest[i] > self.limit:
            return
        if i == len(self.students):
            self._leaf(regret)
            return
        student = self.students[i]
        for cost, week in self.weeks[i]:
            if regret + cost + self.rest[i + 1] > self.limit:
                break
            if not self._fits(student, week):
                continue
            for block, offering in week.items():
                self.rosters[(offering, block)].append(student.id)
            self.chosen.append(week)
            self._descend(i + 1, regret + cost)
            self.chosen.pop()
            for block, offering in week.items():
                self.rosters[(offering, block)].pop()

    def _fits(self, student: Student, week: Week) -> bool:
        index = self.index
        for block, oid in week.items():
            offering = index.offerings[oid]
            roster = self.rosters[(oid, block)]
            seats = max(index.seat_limit(offering, s) for s in index.spaces_for(offering, block))
            if len(roster) + 1 > seats or any(frozenset((student.id, o)) in index.avoid_pairs for o in roster):
                return False
            running = {b for (o, b), r in self.rosters.items() if o == oid and r} | {block}
            if len(running) > index.runs_max(offering):
                return False
            for staff in offering.staff:
                others = {
                    o for (o, b), r in self.rosters.items() if b == block and r and staff in index.offerings[o].staff
                }
                if others - {oid}:
                    return False
        return True

    def _leaf(self, regret: int) -> None:
        index = self.index
        sessions = {key: r for key, r in self.rosters.items() if r}
        if any(len(r) < index.offerings[o].min_students for (o, _), r in sessions.items()):
            return
        led = Counter(t for (o, _) in sessions for t in index.offerings[o].staff)
        if any(index.staff[t].max_sessions is not None and n > index.staff[t].max_sessions for t, n in led.items()):
            return
        use: Counter[tuple[str, str]] = Counter(index.reserved_units)
        for (oid, block), roster in sessions.items():
            for resource, amount in index.resource_use(index.offerings[oid], len(roster)).items():
                use[(block, resource)] += amount
        if any(n > index.resources[r].quantity for (_, r), n in use.items()):
            return
        spaces: dict[tuple[str, str], str] = {}
        fit = 0
        for block in index.block_ids:
            best = self._best_rooms(block, {o: r for (o, b), r in sessions.items() if b == block})
            if best is None:
                return
            fit += best[0]
            spaces.update({(o, block): s for o, s in best[1].items()})
        if regret + fit <= self.limit:
            placements = {
                (s.id, b): o for s, week in zip(self.students, self.chosen, strict=True) for b, o in week.items()
            }
            self.found.append((regret + fit, placements, spaces))

    def _best_rooms(self, block: str, sessions: dict[str, list[str]]) -> tuple[int, dict[str, str]] | None:
        index = self.index
        policy = index.problem.policy
        names = list(sessions)
        best: tuple[int, dict[str, str]] | None = None
        for perm in itertools.permutations(index.problem.spaces, len(names)):
            ok = all(
                s in index.spaces_for(index.offerings[o], block)
                and len(sessions[o]) <= index.seat_limit(index.offerings[o], s)
                for o, s in zip(names, perm, strict=True)
            )
            if ok:
                cost = sum(space_fit_cost(policy, index.offerings[o], s) for o, s in zip(names, perm, strict=True))
                if best is None or cost < best[0]:
                    best = (cost, {o: s.id for o, s in zip(names, perm, strict=True)})
        return best


@pytest.fixture(scope="module")
def tiny_optima(tiny: Problem) -> list[dict[tuple[str, str], str]]:
    found = _Search(tiny, TINY_OPTIMUM).run()
    assert found, f"no plan costs {TINY_OPTIMUM} or less"
    assert min(cost for cost, _, _ in found) == TINY_OPTIMUM, "a plan beats the documented optimum"
    index = ProblemIndex(tiny)
    for cost, placements, spaces in found:
        assert evaluate(index, placements, spaces).total == cost
        assert witness_violations(tiny, Witness(dict(placements), dict(spaces))) == []
    return [placements for _, placements, _ in found]


def test_tiny_shape(tiny: Problem) -> None:
    kinds = Counter(o.kind for o in tiny.offerings)
    assert kinds == {"choice": 3, "intervention": 1, "fallback": 1}
    assert len(tiny.students) == 7 and len(tiny.blocks) == 3
    assert (len(tiny.locks), len(tiny.requests), sum(len(s.avoid) for s in tiny.students)) == (1, 1, 1)


def test_tiny_optimum_facts(tiny_optima: list[dict[tuple[str, str], str]]) -> None:
    """The facts fixtures/README.md lists, in every optimal plan."""
    assert len(tiny_optima) > 1  # the optimum is not unique; only the facts below are
    for plan in tiny_optima:
        week = defaultdict(dict)
        for (student, block), offering in plan.items():
            week[student][block] = offering
        running = {(o, b) for (_, b), o in plan.items()}
        assert week["s-1"] == {"mon": "reading-t2", "tue": "reading-t2", "wed": "art"}
        assert {s for (s, b), o in plan.items() if o == "robotics"} == {"s-2", "s-4", "s-6"}
        assert {b for (o, b) in running if o == "robotics"} == {"mon"}
        for student in ("s-2", "s-4", "s-6"):
            assert week[student]["mon"] == "robotics"
            assert sorted(week[student].values()) == ["art", "chess", "robotics"]
        assert sorted(week["s-3"].values()) == ["art", "chess", "study-hall"]
        assert sorted(week["s-7"].values()) == ["art", "chess", "study-hall"]
        assert set(week["s-5"]) == {"mon", "tue"} and sorted(week["s-5"].values()) == ["art", "chess"]
        assert all(week["s-3"][b] != week["s-2"][b] for b in ("mon", "tue", "wed"))
        art_blocks = {b for (o, b) in running if o == "art"}
        assert "wed" in art_blocks and len(art_blocks) == 2
        assert len({b for (o, b) in running if o == "chess"}) >= 2
        assert {b for (o, b) in running if o == "reading-t2"} == {"mon", "tue"}
        assert sum(1 for o in plan.values() if o == "study-hall") == 2


# ---- infeasible ------------------------------------------------------------------------------------
def _relaxed_witness(problem: Problem, s0001_blocks: list[str]) -> Witness:
    """Needs, the lock and the request as written below; everyone else in study halls, pairs apart."""
    placements = {("s-0001", b): "reading-t3" for b in s0001_blocks}
    placements |= {("s-0002", "mon"): "math-t2", ("s-0002", "tue"): "math-t2", ("s-0003", "wed"): "math-t2"}
    placements[("s-0004", "mon")] = "homework-help"
    placements[("s-0005", "fri")] = "study-hall-library"
    for student in problem.students:
        for block in (b.id for b in problem.blocks):
            if block not in student.unavailable and (student.id, block) not in placements:
                hall = "study-hall-cafeteria" if student.id == "s-0007" else "study-hall-library"
                placements[(student.id, block)] = hall
    witness = Witness(placements)
    for offering, block in witness.sessions():
        space = {"reading-t3": "sg-1", "math-t2": "sg-2", "homework-help": "room-101"}.get(offering)
        witness.spaces[(offering, block)] = space or offering.removeprefix("study-hall-")
    return witness


def test_infeasible_school_facts(infeasible: Problem) -> None:
    index = ProblemIndex(infeasible)
    student = index.students["s-0001"]
    assert [(n.offering, n.sessions) for n in student.needs] == [("reading-t3", 3)]
    assert student.unavailable == []
    offering = index.offerings["reading-t3"]
    assert offering.staff == ["t-ng"]
    assert index.run_blocks(offering) == ["mon", "fri"]  # t-ng is away tue, wed and thu
    assert len(index.run_blocks(offering)) < 3
    assert sum(1 for s in infeasible.students if any(n.offering == "reading-t3" for n in s.needs)) == 1


def test_infeasible_school_is_feasible_without_that_reason(infeasible: Problem) -> None:
    """Everything else holds: with t-ng free all week, or with a need of 2, a valid plan exists."""
    data = infeasible.model_dump(mode="json")
    for member in data["staff"]:
        if member["id"] == "t-ng":
            member["unavailable"] = []
    freed = Problem.model_validate(data)
    assert witness_violations(freed, _relaxed_witness(freed, ["mon", "tue", "fri"])) == []
    data = infeasible.model_dump(mode="json")
    data["students"][0]["needs"][0]["sessions"] = 2
    fewer = Problem.model_validate(data)
    assert witness_violations(fewer, _relaxed_witness(fewer, ["mon", "fri"])) == []
    # ... and the same witness idea fails on the real file, for the one reason only.
    problems = witness_violations(infeasible, _relaxed_witness(infeasible, ["mon", "tue", "fri"]))
    assert problems and all("t-ng" in p or "reading-t3" in p for p in problems)


# ---- high-school-1500.json ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def high_school() -> Problem:
    return load_problem(FIXTURES / "high-school-1500.json")


def test_high_school_witness_keeps_every_rule(high_school: Problem) -> None:
    from scheduler.domain.checker import check_plan
    from scheduler.domain.loading import load_plan

    witness = load_plan(FIXTURES / "high-school-1500.witness.json")
    assert check_plan(high_school, witness) == []


def test_high_school_is_tight_where_the_readme_says(high_school: Problem) -> None:
    index = ProblemIndex(high_school)
    small = [s for s in high_school.spaces if "small-group" in s.features]
    assert len(small) * len(high_school.blocks) - sum(len(s.unavailable) for s in small) == 165
    halls = sum(o.capacity for o in index.fallback_offerings)
    assert halls == 680 < len(high_school.students) == 1500
