"""The deployment files (Dockerfile, docker-compose.yml, docs/deployment.md) checked against the real app.

Nothing here can build an image (CI has no Docker engine), so these tests make sure the files cannot
drift from the code: every variable compose sets is one the settings read, every setting is
documented, the container command is one the CLI accepts, the health checks call a route the app
serves, and the database URL names a driver SQLAlchemy can load and the compose database service.
The expected names come from ``ServiceSettings``, the typer app and the FastAPI app, never from a list
kept here, so renaming a setting, an option or a route makes these tests fail.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import AliasChoices, TypeAdapter
from pydantic.fields import FieldInfo
from sqlalchemy.engine import make_url
from typer.main import get_command
from typer.testing import CliRunner

from scheduler import cli, service_cli
from scheduler.api.app import create_app
from scheduler.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
DOCS = REPO / "docs" / "deployment.md"
URL_RE = re.compile(r"https?://[^\s'\"),]+")


# ---- reading the files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def api(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]["api"]


@pytest.fixture(scope="module")
def api_env(api: dict[str, Any]) -> dict[str, str | None]:
    return environment(api)


def environment(service: dict[str, Any]) -> dict[str, str | None]:
    """A service's ``environment`` as a dict, whether written as a mapping or as ``NAME=value`` items."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        pairs = [item.split("=", 1) if "=" in item else [item, None] for item in raw]
        return {name: value for name, value in pairs}
    return {name: None if value is None else str(value) for name, value in raw.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped, as Docker reads them."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, rest = current.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def dockerfile(keyword: str) -> list[str]:
    return [rest for name, rest in dockerfile_instructions() if name == keyword]


def dockerfile_cmd() -> list[str]:
    """The image's command, which must be in exec (JSON) form so that it runs as PID 1 and gets SIGTERM."""
    commands = dockerfile("CMD")
    assert commands, "the Dockerfile has no CMD"
    argv = json.loads(commands[-1])
    assert isinstance(argv, list) and all(isinstance(arg, str) for arg in argv), "CMD must be in exec form"
    return argv


def api_command(api: dict[str, Any]) -> list[str]:
    """What the api container runs: compose's ``command`` when it has one, else the image's CMD."""
    assert not dockerfile("ENTRYPOINT") and "entrypoint" not in api, "an ENTRYPOINT would prefix the command"
    command = api.get("command")
    if command is None:
        return dockerfile_cmd()
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def healthcheck_text(test: str | list[str]) -> str:
    return test if isinstance(test, str) else " ".join(test)


# ---- what the settings read ------------------------------------------------------------------------


def env_names(name: str, field: FieldInfo) -> set[str]:
    """The environment variables pydantic-settings reads for one field (an alias replaces the prefixed name)."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return {choice.upper() for choice in alias.choices if isinstance(choice, str)}
    if isinstance(alias, str):
        return {alias.upper()}
    return {(ServiceSettings.model_config.get("env_prefix", "") + name).upper()}


def settings_env() -> dict[str, str]:
    """Every accepted variable name -> the ServiceSettings field it sets."""
    return {env: name for name, field in ServiceSettings.model_fields.items() for env in env_names(name, field)}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No settings variable from the machine running the tests may leak into what is checked."""
    for variable in list(os.environ):
        if variable.upper() in settings_env() or variable.upper().startswith("FLEXBLOCK_"):
            monkeypatch.delenv(variable)
    yield monkeypatch


# ---- (a), (b): compose sets exactly the settings the service reads ------------------------------------


def test_every_api_variable_is_a_setting(api_env: dict[str, str | None]) -> None:
    accepted = settings_env()
    unknown = sorted(set(api_env) - set(accepted))
    assert not unknown, f"docker-compose.yml sets variables ServiceSettings does not read: {unknown}"


def test_every_setting_is_set_in_compose(api_env: dict[str, str | None]) -> None:
    missing = [
        name
        for name, field in ServiceSettings.model_fields.items()
        if not env_names(name, field) & {variable.upper() for variable in api_env}
    ]
    assert not missing, f"settings not spelled out in docker-compose.yml: {missing}"


def test_compose_values_reach_the_settings(api_env: dict[str, str | None], clean_env: pytest.MonkeyPatch) -> None:
    """pydantic-settings really reads each variable, and each value is valid for its field."""
    for variable, value in api_env.items():
        assert value is not None, f"{variable} has no value in docker-compose.yml"
        clean_env.setenv(variable, value)
    settings = ServiceSettings(_env_file=None)  # type: ignore[call-arg]
    fields = settings_env()
    for variable, value in api_env.items():
        name = fields.get(variable.upper())
        assert name is not None, f"{variable} is not a variable ServiceSettings reads"
        expected = TypeAdapter(ServiceSettings.model_fields[name].annotation).validate_python(value)
        assert getattr(settings, name) == expected, f"{variable}={value!r} did not reach settings.{name}"


# ---- (c): the container command is one the CLI accepts ------------------------------------------------


def cli_app() -> Any:
    """The typer app behind the ``scheduler`` console script, found through pyproject like pip does."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, _, attribute = scripts["scheduler"].partition(":")
    assert module == cli.__name__, f"the scheduler script points at {module}, not {cli.__name__}"
    return getattr(cli, attribute)


def test_api_command_is_a_scheduler_command(api: dict[str, Any]) -> None:
    argv = api_command(api)
    assert argv[0] == "scheduler", f"the container runs {argv[0]!r}, not the scheduler console script"
    app = cli_app()
    result = CliRunner().invoke(app, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output

    # --help stops before values are checked; parse the real arguments too (types, ranges), without running.
    # (Typer bundles its own copy of click, so groups are recognised by what they do, not by class.)
    command: Any = get_command(app)
    name, args, parent = argv[0], list(argv[1:]), None
    while hasattr(command, "list_commands"):
        assert args, f"{name} needs a sub-command"
        parent = command.context_class(command, info_name=name, parent=parent)
        name = args.pop(0)
        command = command.get_command(parent, name)
        assert command is not None, f"scheduler has no command {name!r}"
    assert command is not None
    context = command.make_context(name, args, parent=parent)
    assert context.params["host"] == "0.0.0.0", "the API must listen on every interface inside the container"


def test_api_port_matches_expose_compose_and_health_checks(api: dict[str, Any]) -> None:
    argv = api_command(api)
    port = int(argv[argv.index("--port") + 1])
    exposed = {int(item.split("/")[0]) for rest in dockerfile("EXPOSE") for item in rest.split()}
    assert port in exposed, f"the Dockerfile exposes {sorted(exposed)}, not the API port {port}"
    targets = [int(str(mapping).rsplit(":", 1)[-1].split("/")[0]) for mapping in api.get("ports", [])]
    assert port in targets, f"compose publishes {api.get('ports')}, not the API port {port}"
    for url in health_urls(api):
        parts = urlsplit(url)
        assert parts.hostname in {"127.0.0.1", "localhost"}, f"{url}: a health check must call the container itself"
        assert parts.port == port, f"{url}: the API listens on {port}"


# ---- (d): the health checks call a route the app serves ------------------------------------------------


def health_urls(api: dict[str, Any]) -> list[str]:
    urls = URL_RE.findall(healthcheck_text(api["healthcheck"]["test"]))
    assert urls, "the compose api health check calls no URL"
    docker = dockerfile("HEALTHCHECK")
    assert docker, "the Dockerfile has no HEALTHCHECK"
    image_urls = URL_RE.findall(docker[-1])
    assert image_urls, "the Dockerfile HEALTHCHECK calls no URL"
    assert "curl" not in docker[-1] and "wget" not in docker[-1], "the slim image has neither curl nor wget"
    return urls + image_urls


def test_health_check_paths_are_served(api: dict[str, Any], tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'health.db'}"
    settings = ServiceSettings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    paths = {urlsplit(url).path for url in health_urls(api)}
    with TestClient(create_app(settings)) as client:
        for path in sorted(paths):
            response = client.get(path)
            assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"


# ---- (e): the database URL and the db service ------------------------------------------------------------


def test_database_url_points_at_the_db_service(compose: dict[str, Any], api_env: dict[str, str | None]) -> None:
    variable = next(v for v in api_env if settings_env().get(v.upper()) == "database_url")
    url = make_url(str(api_env[variable]))
    dialect = url.get_dialect()  # raises when SQLAlchemy cannot load the named dialect+driver
    dialect.import_dbapi()  # and the driver itself must be installed (psycopg is a dependency)

    services = compose["services"]
    assert url.host in services, f"DATABASE_URL host {url.host!r} is not a compose service"
    db = services[url.host]
    assert str(db["image"]).split(":")[0] == "postgres" and url.get_backend_name() == "postgresql"
    db_env = environment(db)
    assert url.username == db_env.get("POSTGRES_USER"), "DATABASE_URL user differs from POSTGRES_USER"
    assert url.password == db_env.get("POSTGRES_PASSWORD"), "DATABASE_URL password differs from POSTGRES_PASSWORD"
    assert url.database == db_env.get("POSTGRES_DB"), "DATABASE_URL database differs from POSTGRES_DB"
    assert url.port in (None, 5432), "PostgreSQL listens on 5432 inside its container"

    assert "pg_isready" in healthcheck_text(db["healthcheck"]["test"])
    assert compose["services"]["api"]["depends_on"][url.host]["condition"] == "service_healthy"
    assert any(str(volume).endswith(":/var/lib/postgresql/data") for volume in db.get("volumes", []))


# ---- the image itself ------------------------------------------------------------------------------------------


def test_image_runs_as_non_root_and_ships_the_demo_fixture() -> None:
    users = dockerfile("USER")
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the service must not run as root"

    # `scheduler serve --demo` reads DEFAULT_DEMO relative to the working directory.
    workdir, copies = PurePosixPath("/"), []
    for keyword, rest in dockerfile_instructions():
        if keyword == "WORKDIR":
            workdir = workdir / rest
        elif keyword == "COPY" and not rest.startswith("--from"):
            *sources, target = rest.split()
            copies += [(src.rstrip("/"), workdir / target) for src in sources]
    destinations = [target for src, target in copies if src == "fixtures"]
    assert destinations, "the Dockerfile does not copy fixtures/"
    demo = workdir / service_cli.DEFAULT_DEMO.as_posix()
    assert demo.parent in destinations, f"--demo reads {demo}, but fixtures/ is copied to {destinations}"
    assert (REPO / service_cli.DEFAULT_DEMO).is_file()


def test_dockerignore_keeps_what_the_build_copies() -> None:
    patterns = [
        line.strip().lstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed = ["pyproject.toml", "README.md", "scheduler/__init__.py", service_cli.DEFAULT_DEMO.as_posix()]
    for path in needed:
        parts = PurePosixPath(path).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hits = [p for p in patterns if any(fnmatch.fnmatch(x, p.removeprefix("**/")) for x in prefixes)]
        assert not hits, f".dockerignore drops {path} (patterns {hits}), which the Dockerfile copies"
    for secret in [".env", "flexblock.db", ".git"]:
        assert any(fnmatch.fnmatch(secret, p.removeprefix("**/")) for p in patterns), f".dockerignore keeps {secret}"


# ---- the docs -----------------------------------------------------------------------------------------------


def test_docs_list_every_variable_with_its_default() -> None:
    rows = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for name, field in ServiceSettings.model_fields.items():
        env = sorted(env_names(name, field))
        row = next((line for line in rows if any(f"`{variable}`" in line for variable in env)), None)
        assert row is not None, f"docs/deployment.md has no table row for {env}"
        shown = "none" if field.default is None else f"`{field.default}`"
        assert f"| {shown}" in row, f"docs/deployment.md gives a default other than {field.default!r} for {env}"
