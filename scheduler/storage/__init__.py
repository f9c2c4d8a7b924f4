"""Persistence: SQLAlchemy 2 tables, the database engine, Alembic migrations and repositories.

Nothing here knows HTTP; the domain models (``scheduler.domain``) are converted at this border.
"""
