"""The Alembic migrations build exactly the schema the SQLAlchemy tables describe, and run twice safely."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from scheduler.storage.migrate import upgrade
from scheduler.storage.tables import Base


def test_migrations_match_the_tables(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # every start runs it; the second run must change nothing
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert differences == []
    assert set(Base.metadata.tables) <= tables
