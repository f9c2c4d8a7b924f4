"""Alembic environment: runs the package's migrations against the URL the caller configured."""

from __future__ import annotations

from alembic import context

from scheduler.storage.database import make_engine
from scheduler.storage.tables import Base

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    # engine.begin() commits when the block ends; Alembic runs inside that one transaction.
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        context.run_migrations()
    engine.dispose()


run_migrations()
