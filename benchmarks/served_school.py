"""A real ``scheduler serve`` on a fresh database with a scheduler's token for one school: what the
service benchmarks measure against (a helper module, not a benchmark itself)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SCHEDULER = [sys.executable, "-m", "scheduler.cli"]


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    api: str  # the school's API root
    token: str  # a scheduler's bearer token for the school
    database: str  # the database URL (for the report)
    folder: Path  # temporary files: the database, the server log

    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(headers={"Authorization": f"Bearer {self.token}"}, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        server = subprocess.Popen([*SCHEDULER, "serve", "--port", str(port)], env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not start; see {log}")


@contextmanager
def served_school(school: str, database: str | None = None, **settings: str) -> Iterator[Server]:
    """The server for ``school`` (its data not loaded yet), stopped at the end. ``database``, or
    else ``DATABASE_URL`` in the environment, picks the database; otherwise a temporary SQLite file.
    ``settings``: more environment variables for the server."""
    folder = Path(tempfile.mkdtemp(prefix="flexblock-bench-"))
    database = database or os.environ.get("DATABASE_URL", f"sqlite:///{folder / 'bench.db'}")
    env = {**os.environ, "DATABASE_URL": database, **settings}
    command = [*SCHEDULER, "admin", "create-user", "--role", "scheduler", "--school", school]
    token = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.strip()
    port = _free_port()
    server = _start(env, port, folder / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        yield Server(base, f"{base}/api/v1/schools/{school}", token, database, folder)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


def wait_for(client: httpx.Client, url: str, states: set[str]) -> dict:
    """Poll a solve job until it reaches one of ``states``."""
    while True:
        job = client.get(url).json()
        if job["state"] in states:
            return job
        time.sleep(0.5)
