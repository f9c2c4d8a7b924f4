"""Service benchmark: import time and read latency with a big school loaded, idle and during a solve.

Starts a real ``scheduler serve`` (uvicorn) on a fresh database, loads a generated school through
the API and measures, over loopback with httpx:

1. importing the school (``POST /schools``), next to validating the same JSON in-process (the
   floor: what any import must spend reading it);
2. median and 95th-percentile latency of a student's published week and of a page of the student
   list, next to ``/healthz`` (the floor: one HTTP round trip and a trivial query), with no solve
   running;
3. the same reads while a solve of the school runs in the server's worker pool.

The issue's targets: import under 10 s for 2,000 students; listing and reading a student's week
under 50 ms at the median; reads under 100 ms while a solve runs.

Run from the repository root: ``python benchmarks/service_latency.py [--students 2000] [--reads 300]``
(about two minutes; set DATABASE_URL to measure on PostgreSQL instead of a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

import httpx
from served_school import served_school, wait_for

from scheduler.domain.loading import parse_problem
from scheduler.domain.serialize import problem_document
from scheduler.generate import generate_school


def _latencies(call: Callable[[], httpx.Response], count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        response = call()
        out.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return out


def _summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))], ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=300, help="Requests per measured route.")
    parser.add_argument("--solve-seconds", type=float, default=60.0)
    args = parser.parse_args()

    document = problem_document(generate_school(args.students, 0))
    school = document["school"]["id"]

    start = time.perf_counter()
    parse_problem(document)
    validate_seconds = time.perf_counter() - start

    with served_school(school, FLEXBLOCK_MAX_TIME_LIMIT="3600") as server:
        base, api, database = server.base, server.api, server.database
        with server.client() as client:
            start = time.perf_counter()
            imported = client.post(f"{base}/api/v1/schools", json=document)
            import_seconds = time.perf_counter() - start
            imported.raise_for_status()
            week = imported.json()["week"]
            job = client.post(f"{api}/weeks/{week}/solve-jobs", json={"time_limit": 20, "publish": True}).json()
            wait_for(client, job["url"], {"succeeded", "failed", "cancelled"})
            students = [s["id"] for s in document["students"]]
            # The client's own garbage collector would otherwise pause on the big school it built
            # (seen as 0.1-0.2 s outliers even with the server idle): freeze what exists now.
            gc.collect()
            gc.freeze()
            rng = random.Random(0)

            def routes() -> dict[str, Callable[[], httpx.Response]]:
                return {
                    "GET /healthz (floor)": lambda: client.get(f"{base}/healthz"),
                    "student's week": lambda: client.get(
                        f"{api}/weeks/{week}/students/{rng.choice(students)}/schedule"
                    ),
                    "student list page (100)": lambda: client.get(
                        f"{api}/students", params={"limit": 100, "offset": rng.randrange(0, len(students) - 100)}
                    ),
                }

            idle = {name: _summary(_latencies(call, args.reads)) for name, call in routes().items()}
            running = client.post(f"{api}/weeks/{week}/solve-jobs", json={"time_limit": args.solve_seconds}).json()
            wait_for(client, running["url"], {"running"})
            busy = {name: _summary(_latencies(call, args.reads)) for name, call in routes().items()}
            state = client.get(running["url"]).json()["state"]
            client.post(f"{running['url']}/cancel")

    print(f"## Service latency: {args.students} students, {database.split(':')[0]}, {args.reads} requests per route\n")
    print("| import | seconds | ratio to in-process validation |")
    print("|---|---|---|")
    ratio = import_seconds / validate_seconds
    print(f"| POST /schools | {import_seconds:.2f} | {ratio:.1f}x (validation alone {validate_seconds:.2f} s) |\n")
    floor_idle, floor_busy = idle["GET /healthz (floor)"][0], busy["GET /healthz (floor)"][0]
    print("| route | idle median ms | idle p95 ms | solving: median ms | p95 ms | max ms | median / floor |")
    print("|---|---|---|---|---|---|---|")
    for name in idle:
        (m0, p0, _), (m1, p1, x1) = idle[name], busy[name]
        ratios = f"{m0 / floor_idle:.1f}x idle, {m1 / floor_busy:.1f}x solving"
        print(f"| {name} | {m0:.1f} | {p0:.1f} | {m1:.1f} | {p1:.1f} | {x1:.1f} | {ratios} |")
    print(f"\n(the solve was still {state} when the reads ended)")


if __name__ == "__main__":
    main()
