"""Service settings, read from the environment (and a ``.env`` file) when the service starts.

Every knob a deployment may turn is here, named as the README lists it. Settings are built by
``load_settings()`` when a command or app factory runs, never at import time, so tests can pass
their own.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Configuration of ``scheduler serve`` (environment variables in brackets in the README)."""

    model_config = SettingsConfigDict(env_prefix="FLEXBLOCK_", env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="sqlite:///flexblock.db",
        validation_alias=AliasChoices("DATABASE_URL", "FLEXBLOCK_DATABASE_URL"),
        description="SQLAlchemy URL: sqlite:///path.db (default) or postgresql+psycopg://user:pw@host/db.",
    )
    solve_workers: int = Field(default=1, ge=1, le=16, description="Solve jobs that run at the same time.")
    solver_threads: int = Field(default=2, ge=1, le=64, description="Threads each solve may use.")
    default_time_limit: float = Field(default=30.0, gt=0, description="Seconds a solve runs when not told.")
    max_time_limit: float = Field(default=600.0, gt=0, description="Longest time limit a job may ask for.")
    max_body_bytes: int = Field(default=20_000_000, ge=1024, description="Largest request body accepted (413).")
    public_url: str | None = Field(
        default=None, description="Base URL users reach the service at, printed on start (default: from host and port)."
    )
    feed_weeks_back: int = Field(default=4, ge=0, le=520, description="Past weeks a calendar feed keeps.")
    feed_weeks_ahead: int = Field(default=8, ge=0, le=520, description="Weeks ahead a calendar feed shows.")
    feed_refresh_minutes: int = Field(
        default=60, ge=5, le=10080, description="How often calendar apps are asked to poll a feed."
    )
    feed_cache_seconds: float = Field(
        default=5.0, ge=0, le=3600, description="How long the API trusts a feed link it has just looked up (0: never)."
    )


def load_settings(**overrides: object) -> ServiceSettings:
    """Settings from the environment, with explicit overrides winning (tests, CLI options)."""
    return ServiceSettings(**overrides)
