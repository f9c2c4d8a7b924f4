"""Smoke test against a real uvicorn server: the admin command, a solve, and a server killed in the
middle of a solve (kill -9) whose job is failed on the next start instead of staying "running"."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.service.conftest import auth, load_fixture

SCHEDULER = [sys.executable, "-m", "scheduler.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(database_url: str) -> dict[str, str]:
    # The fixture's week is a fixed date: a wide feed window keeps it in feeds whatever today is.
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLEXBLOCK_SOLVER_THREADS": "1",
        "FLEXBLOCK_FEED_WEEKS_BACK": "520",
    }


@contextmanager
def running_server(database_url: str, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``scheduler serve`` in a child process, ready when /healthz answers; killed at the end."""
    with log.open("ab") as out:
        server = subprocess.Popen(
            [*SCHEDULER, "serve", "--port", str(port)], env=_env(database_url), stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start in 30 s"
            time.sleep(0.2)
        yield server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait(client: httpx.Client, url: str, states: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url).json()
        if job["state"] in states:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job still {job['state']}")


def test_server_survives_a_kill_in_the_middle_of_a_solve(database_url: str, tmp_path: Path) -> None:
    created = subprocess.run(
        [*SCHEDULER, "admin", "create-user", "--role", "scheduler", "--school", "tiny-school"],
        env=_env(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    headers = auth(created.stdout.strip())
    port = _free_port()
    base = f"http://127.0.0.1:{port}/api/v1/schools"
    log = tmp_path / "server.log"
    with running_server(database_url, port, log) as server, httpx.Client(headers=headers, timeout=10) as client:
        assert client.post(base, json=load_fixture("tiny-school.json")).status_code == 201
        job = client.post(f"{base}/tiny-school/weeks/2026-11-30/solve-jobs", json={"time_limit": 60}).json()
        _wait(client, job["url"], {"running"})
        server.kill()  # no shutdown hooks: what a crash or an OOM kill leaves behind
        server.wait()
    with running_server(database_url, port, log), httpx.Client(headers=headers, timeout=10) as client:
        after = client.get(job["url"]).json()
        assert after["state"] == "failed" and "server stopped" in after["error"]
        body = {"time_limit": 2, "publish": True}
        again = client.post(f"{base}/tiny-school/weeks/2026-11-30/solve-jobs", json=body).json()
        assert _wait(client, again["url"], {"succeeded", "failed", "cancelled"})["state"] == "succeeded"
        _a_feed_through_the_real_server(client, base, log)


def _a_feed_through_the_real_server(client: httpx.Client, base: str, log: Path) -> None:
    """The published plan's feed over a real socket; its secret never reaches the access log."""
    link = client.post(f"{base}/tiny-school/calendar-links", json={"kind": "spaces", "owner": "library"}).json()
    token = link["url"].rsplit("/", 1)[1].removesuffix(".ics")
    with httpx.Client(timeout=10) as anonymous:  # a calendar app: no bearer token, no Accept header
        feed = anonymous.get(link["url"])
        assert feed.status_code == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
        assert b"BEGIN:VEVENT" in feed.content and feed.content.endswith(b"END:VCALENDAR\r\n")
        head = anonymous.head(link["url"])
        assert head.status_code == 200 and head.headers["content-length"] == str(len(feed.content))
        assert anonymous.get(link["url"], headers={"If-None-Match": feed.headers["etag"]}).status_code == 304
    time.sleep(0.5)  # let the access log reach the file
    text = log.read_text()
    assert "/calendar/<token>.ics" in text
    assert token not in text
