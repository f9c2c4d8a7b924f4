"""``scheduler serve`` and ``scheduler admin``: run the service, create users from the shell.

Both read the service settings from the environment (``DATABASE_URL``, ``FLEXBLOCK_*``; see the
README) and apply the database migrations before anything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scheduler.services.errors import ServiceError
from scheduler.settings import load_settings

EXIT_BAD_INPUT = 2
DEFAULT_DEMO = Path("fixtures/riverside-ms.json")

admin_app = typer.Typer(no_args_is_help=True, help="Administration: users and tokens.")


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the example school, solve and publish a first plan.")
    ] = False,
    demo_school: Annotated[Path, typer.Option(help="Problem file the demo loads.")] = DEFAULT_DEMO,
) -> None:
    """Run the Flexblock API (FastAPI on uvicorn); migrations are applied on start."""
    import uvicorn

    from scheduler.api.app import create_app
    from scheduler.storage.migrate import upgrade

    settings = load_settings()
    base = (settings.public_url or f"http://{host}:{port}").rstrip("/")
    settings = settings.model_copy(update={"public_url": base})  # calendar and roster links use it
    if demo:
        if not demo_school.is_file():
            typer.echo(f"--demo-school: no such file {demo_school}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        settings = _feeds_reach_the_demo_week(settings, demo_school)
    app = create_app(settings)
    if demo:
        upgrade(settings.database_url)
        _announce_demo(settings, demo_school, base)
    typer.echo(f"Flexblock API on {base}  (OpenAPI docs: {base}/docs; database: {_safe(settings.database_url)})")
    uvicorn.run(app, host=host, port=port, log_level="info")


def _feeds_reach_the_demo_week(settings, fixture: Path):
    """The example school's week is a fixed date: widen the feeds' window back to it, so the demo's
    calendar links show its plan whatever today's date is."""
    import datetime as dt
    import json

    try:
        blocks = json.loads(fixture.read_text(encoding="utf-8"))["blocks"]
        first = min(dt.date.fromisoformat(b["date"]) for b in blocks)
    except (ValueError, KeyError, TypeError):
        return settings  # the demo's own loading reports what is wrong with the file
    weeks_ago = (dt.date.today() - first).days // 7 + 1
    if weeks_ago > settings.feed_weeks_back:
        return settings.model_copy(update={"feed_weeks_back": min(weeks_ago, 520)})
    return settings


def _safe(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _announce_demo(settings, fixture: Path, base: str) -> None:
    from scheduler.services.demo import seed_demo
    from scheduler.storage.database import Database

    database = Database(settings.database_url)
    try:
        demo = seed_demo(database, settings, fixture)
    except ServiceError as exc:
        typer.echo(f"demo: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    finally:
        database.dispose()
    api = f"{base}/api/v1/schools/{demo.school}"
    week = demo.week.isoformat()
    lines = [
        f"Demo school {demo.school}, week of {week}.",
        "  solving and publishing a first plan (job " + (demo.job_id or "already published") + ")",
        f"  scheduler token: {demo.tokens['scheduler']}",
        f"  teacher {demo.teacher} token: {demo.tokens['teacher']}",
        f"  student {demo.student} token: {demo.tokens['student']}",
        "Open:",
        f"  {base}/docs  (Authorize with a token above)",
        f"  {api}/solve-jobs",
        f"  {api}/weeks/{week}/plans",
        f"  {api}/weeks/{week}/students/{demo.student}/schedule",
        f"  {api}/weeks/{week}/staff/{demo.teacher}/sessions",
        *(
            [f"  {demo.calendar}  (student {demo.student}'s calendar: subscribe in any calendar app)"]
            if demo.calendar
            else []
        ),
        "Try: curl -H 'Authorization: Bearer <token>' <url>",
    ]
    typer.echo("\n".join(lines))


@admin_app.command("create-user")
def create_user(
    role: Annotated[str, typer.Option(help="admin, scheduler, teacher or student.")],
    school: Annotated[str | None, typer.Option(help="School id (all roles but admin).")] = None,
    subject: Annotated[str | None, typer.Option(help="Staff id (teacher) or student id (student).")] = None,
    name: Annotated[str | None, typer.Option(help="Who this is, for the records.")] = None,
) -> None:
    """Create a user and print their bearer token (shown once)."""
    from scheduler.services.auth import create_user as make_user
    from scheduler.storage.database import Database
    from scheduler.storage.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            issued = make_user(session, role, school, subject, name)
    except ServiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    finally:
        database.dispose()
    typer.echo(issued.token)
