"""Editing a school's records one at a time: paging, filters, validation, refusals that store nothing."""

from __future__ import annotations

from tests.service.conftest import School


def test_list_pages_and_filters(tiny: School) -> None:
    url = f"{tiny.api}/students"
    first = tiny.client.get(url, params={"limit": 3}, headers=tiny.scheduler).json()
    second = tiny.client.get(url, params={"limit": 3, "offset": 3}, headers=tiny.scheduler).json()
    assert first["total"] == second["total"] == 7
    assert [s["id"] for s in first["items"] + second["items"]] == [f"s-{i}" for i in range(1, 7)]
    grade7 = tiny.client.get(url, params={"grade": 7}, headers=tiny.scheduler).json()
    assert [s["id"] for s in grade7["items"]] == ["s-3", "s-4", "s-5"]
    named = tiny.client.get(url, params={"q": "adams"}, headers=tiny.scheduler).json()
    assert [s["id"] for s in named["items"]] == ["s-1"]
    fallback = tiny.client.get(f"{tiny.api}/offerings", params={"kind": "fallback"}, headers=tiny.scheduler).json()
    assert [o["id"] for o in fallback["items"]] == ["study-hall"]


def test_page_size_is_limited(tiny: School) -> None:
    response = tiny.client.get(f"{tiny.api}/students", params={"limit": 100_000}, headers=tiny.scheduler)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "query.limit"


def test_create_read_replace_delete(tiny: School) -> None:
    url = f"{tiny.api}/spaces"
    room = {"id": "room-9", "name": "Room 9", "capacity": 12, "features": ["quiet"]}
    assert tiny.client.post(url, json=room, headers=tiny.scheduler).status_code == 201
    assert tiny.client.get(f"{url}/room-9", headers=tiny.scheduler).json()["capacity"] == 12
    room["capacity"] = 20
    assert tiny.client.put(f"{url}/room-9", json=room, headers=tiny.scheduler).json()["capacity"] == 20
    assert tiny.client.delete(f"{url}/room-9", headers=tiny.scheduler).status_code == 204
    missing = tiny.client.get(f"{url}/room-9", headers=tiny.scheduler)
    assert missing.status_code == 404 and missing.json()["code"] == "record_not_found"


def test_bad_fields_are_named_with_their_value(tiny: School) -> None:
    response = tiny.client.post(
        f"{tiny.api}/spaces", json={"id": "room-x", "capacity": 0, "colour": "red"}, headers=tiny.scheduler
    )
    assert response.status_code == 422
    errors = {e["path"]: e["message"] for e in response.json()["errors"]}
    assert "body.capacity" in errors and "0" in errors["body.capacity"]
    assert errors["body.colour"] == "unknown field"


def test_a_reference_to_an_unknown_record_is_refused(tiny: School) -> None:
    offering = tiny.client.get(f"{tiny.api}/offerings/chess", headers=tiny.scheduler).json()
    offering["staff"] = ["t-nobody"]
    response = tiny.client.put(f"{tiny.api}/offerings/chess", json=offering, headers=tiny.scheduler)
    assert response.status_code == 422
    assert any(
        "t-nobody" in e["message"] and "offerings[chess].staff[0]" in e["path"] for e in response.json()["errors"]
    )
    assert tiny.client.get(f"{tiny.api}/offerings/chess", headers=tiny.scheduler).json()["staff"] == ["t-chen"]


def test_deleting_a_teacher_still_named_by_an_offering_is_a_conflict(tiny: School) -> None:
    response = tiny.client.delete(f"{tiny.api}/staff/t-chen", headers=tiny.scheduler)
    assert response.status_code == 409 and response.json()["code"] == "record_in_use"
    assert tiny.client.get(f"{tiny.api}/staff/t-chen", headers=tiny.scheduler).status_code == 200


def test_an_unknown_block_is_refused(tiny: School) -> None:
    staff = tiny.client.get(f"{tiny.api}/staff/t-chen", headers=tiny.scheduler).json()
    staff["unavailable"] = ["sat"]
    response = tiny.client.put(f"{tiny.api}/staff/t-chen", json=staff, headers=tiny.scheduler)
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "unavailable[0]"


def test_duplicate_ids_and_changed_ids_are_refused(tiny: School) -> None:
    student = tiny.client.get(f"{tiny.api}/students/s-1", headers=tiny.scheduler).json()
    assert tiny.client.post(f"{tiny.api}/students", json=student, headers=tiny.scheduler).status_code == 409
    student["id"] = "s-99"
    response = tiny.client.put(f"{tiny.api}/students/s-1", json=student, headers=tiny.scheduler)
    assert response.status_code == 422 and response.json()["code"] == "id_mismatch"
