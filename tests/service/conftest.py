"""The service under test: a real database (SQLite file, or PostgreSQL when
``FLEXBLOCK_TEST_DATABASE_URL`` names a server) and the real app, called through httpx.

Every test gets a database of its own. On PostgreSQL it is a copy of a template migrated once per
run (``CREATE DATABASE ... TEMPLATE``), which takes milliseconds.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from scheduler.api.app import create_app
from scheduler.services.auth import create_user
from scheduler.settings import ServiceSettings
from scheduler.storage.database import Database
from scheduler.storage.migrate import upgrade
from tests.conftest import FIXTURES

PG_URL = os.environ.get("FLEXBLOCK_TEST_DATABASE_URL")
TEMPLATE = f"flexblock_test_template_{os.getpid()}"  # one per run: parallel runs share a server


def _admin_engine(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    if PG_URL is None:
        yield None
        return
    admin = _admin_engine(PG_URL)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    upgrade(make_url(PG_URL).set(database=TEMPLATE).render_as_string(hide_password=False))
    yield TEMPLATE
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path, pg_template: str | None) -> Iterator[str]:
    if pg_template is None or PG_URL is None:
        yield f"sqlite:///{tmp_path / 'flexblock.db'}"
        return
    name = f"flexblock_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(PG_URL)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {pg_template}"))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def settings(database_url: str) -> ServiceSettings:
    # The fixtures' weeks are fixed dates: a wide feed window keeps them in feeds whatever today is.
    return ServiceSettings(
        database_url=database_url,
        default_time_limit=5.0,
        max_time_limit=60.0,
        solver_threads=1,
        public_url="http://testserver",
        feed_weeks_back=520,
        feed_weeks_ahead=520,
    )


@pytest.fixture
def app_client(settings: ServiceSettings) -> Iterator[TestClient]:
    """The app with its lifespan running (migrations, worker pool), as an httpx client."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def issue_token(database_url: str, role: str, school: str | None = None, subject: str | None = None) -> str:
    database = Database(database_url)
    try:
        with database.transaction() as session:
            return create_user(session, role, school, subject, name=f"test {role}").token
    finally:
        database.dispose()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class School:
    """An imported school and tokens for one user of each role."""

    client: TestClient
    key: str
    week: str
    problem: dict
    scheduler: dict[str, str]
    teacher: dict[str, str]
    student: dict[str, str]
    teacher_id: str
    student_id: str

    @property
    def api(self) -> str:
        return f"/api/v1/schools/{self.key}"

    @property
    def week_api(self) -> str:
        return f"{self.api}/weeks/{self.week}"


def import_school(client: TestClient, database_url: str, fixture: str) -> School:
    problem = load_fixture(fixture)
    key = problem["school"]["id"]
    scheduler = auth(issue_token(database_url, "scheduler", key))
    response = client.post("/api/v1/schools", json=problem, headers=scheduler)
    assert response.status_code == 201, response.text
    week = response.json()["week"]
    student_id = problem["students"][0]["id"]
    teacher_id = problem["offerings"][0]["staff"][0]
    teacher = auth(issue_token(database_url, "teacher", key, teacher_id))
    student = auth(issue_token(database_url, "student", key, student_id))
    return School(client, key, week, problem, scheduler, teacher, student, teacher_id, student_id)


@pytest.fixture
def tiny(app_client: TestClient, database_url: str) -> School:
    return import_school(app_client, database_url, "tiny-school.json")
