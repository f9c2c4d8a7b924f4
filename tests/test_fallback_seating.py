"""Concrete study-hall seats for the students the models pool per block (``extract.seat_fallback``)."""

from __future__ import annotations

from typing import Any

from scheduler.domain.loading import parse_problem
from scheduler.solver.extract import Timetable, seat_block_exactly, seat_fallback
from scheduler.solver.instance import Instance, build_instance


def _school(halls: list[dict[str, Any]], students: list[dict[str, Any]]) -> Instance:
    data = {
        "format": "flexblock/v1",
        "school": {"id": "halls", "name": "Halls", "timezone": "America/Chicago"},
        "blocks": [{"id": "mon", "date": "2026-11-30", "start": "10:00", "end": "10:45"}],
        "spaces": [{"id": h["id"], "name": h["id"], "capacity": h["seats"]} for h in halls],
        "staff": [{"id": f"t-{h['id']}", "name": h["id"]} for h in halls],
        "offerings": [
            {
                "id": h["id"],
                "title": h["id"],
                "kind": "fallback",
                "staff": [f"t-{h['id']}"],
                "capacity": h["seats"],
                "space": h["id"],
                "grades": h.get("grades"),
            }
            for h in halls
        ],
        "students": students,
    }
    return build_instance(parse_problem(data))


def _every_hall(inst: Instance) -> Timetable:
    return Timetable({key: fits[0][0] for key, fits in inst.session_classes.items()})


def test_a_student_of_a_narrow_grade_keeps_the_seat_only_they_can_take() -> None:
    # Seating one by one in the roomiest hall put s-1 (grade 7, both halls open to them) in
    # hall-b, the only hall open to s-2 (grade 8): s-2 had no seat though the block had one.
    inst = _school(
        [{"id": "hall-a", "seats": 1, "grades": [6, 7]}, {"id": "hall-b", "seats": 1, "grades": [7, 8]}],
        [{"id": "s-1", "name": "One", "grade": 7}, {"id": "s-2", "name": "Two", "grade": 8}],
    )
    seats = seat_fallback(inst, _every_hall(inst), {"mon": ["s-1", "s-2"]})
    assert seats == {("s-1", "mon"): "hall-a", ("s-2", "mon"): "hall-b"}


def test_students_who_avoid_each_other_sit_in_different_halls() -> None:
    students = [{"id": f"s-{n}", "name": f"S{n}", "grade": 7} for n in range(1, 5)]
    students[0]["avoid"] = ["s-2"]
    students[2]["avoid"] = ["s-1", "s-4"]
    inst = _school([{"id": "hall-a", "seats": 2}, {"id": "hall-b", "seats": 2}], students)
    seats = seat_fallback(inst, _every_hall(inst), {"mon": ["s-1", "s-2", "s-3", "s-4"]})
    assert len(seats) == 4
    for pair in inst.index.avoid_pairs:
        first, second = sorted(pair)
        assert seats[(first, "mon")] != seats[(second, "mon")], pair


def test_a_clique_of_students_who_avoid_each_other_gets_one_hall_each() -> None:
    # Three students who all avoid each other, three halls, one of which only two of them may
    # join: the exact seating (used when moves and swaps cannot part everyone) finds the one way.
    students = [{"id": f"s-{n}", "name": f"S{n}", "grade": 7} for n in range(1, 5)]
    students[0]["avoid"] = ["s-2", "s-3"]
    students[1]["avoid"] = ["s-3"]
    students[2]["grade"] = 8
    inst = _school(
        [{"id": "hall-a", "seats": 2}, {"id": "hall-b", "seats": 1, "grades": [7]}, {"id": "hall-c", "seats": 1}],
        students,
    )
    halls = [inst.index.offerings[h] for h in ("hall-a", "hall-b", "hall-c")]
    seats = {"hall-a": 2, "hall-b": 1, "hall-c": 1}
    pooled = ["s-1", "s-2", "s-3", "s-4"]
    seated = seat_block_exactly(inst, "mon", halls, pooled, seats, {}, {("s-4", "mon"): "hall-a"})
    assert len(seated) == 4 and seated[("s-4", "mon")] == "hall-a"
    assert len({seated[(s, "mon")] for s in ("s-1", "s-2", "s-3")}) == 3
    assert seated[("s-3", "mon")] != "hall-b"  # grade 8
