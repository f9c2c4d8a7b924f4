"""Alembic environment: runs the package's migrations against the URL the caller configured."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from scheduler.storage.database import make_engine
from scheduler.storage.tables import Base

config = context.config
MIGRATION_LOCK = 0x466C6578  # "Flex": the advisory lock key held while migrating


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    # engine.begin() commits when the block ends; Alembic runs inside that one transaction.
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # two servers starting at once migrate one at a time
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        context.run_migrations()
    engine.dispose()


run_migrations()
