"""Calendar feed size and build time for a generated school (the issue's 1 MB bound at 5,000 students).

Generates a school with ``generate_school(students, seed)``, plans it with the first-come-first-served
baseline (no solver time; every student is placed in every block, as in a solved plan), builds every
feed with roster links (the longest text a feed has) and reports, per feed kind, how many feeds have
events, the largest feed in bytes and its event count, and the build time. Exits 1 when a feed
reaches the limit. A script, not a test: the 5,000-student build takes about half a minute, so
``tests/calendar`` checks the 600-student Riverside school instead.

    python benchmarks/feed_size.py                  # 5,000 students, seed 0
    python benchmarks/feed_size.py --students 2000 --seed 3
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict

from scheduler.calendar import RenderedFeed, build_feeds
from scheduler.generate import generate_school
from scheduler.solver.baseline import baseline_plan

LIMIT_BYTES = 1_000_000
WINDOW_WEEKS = 4 + 1 + 8  # FLEXBLOCK_FEED_WEEKS_BACK, this week, FLEXBLOCK_FEED_WEEKS_AHEAD
ROSTER_BASE = "https://flexblock.example-school-district.org/api/v1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    problem = generate_school(args.students, args.seed)
    plan = baseline_plan(problem, seed=args.seed)
    planned = time.perf_counter()
    feeds = build_feeds(problem, plan, roster_base_url=ROSTER_BASE)
    built = time.perf_counter()

    by_kind: dict[str, list[RenderedFeed]] = defaultdict(list)
    for feed in feeds:
        if feed.has_events:
            by_kind[feed.kind].append(feed)
    print(
        f"school: {args.students} students (seed {args.seed}), plan status {plan.status}, "
        f"{len(plan.sessions)} sessions, {len(plan.assignments)} placements"
    )
    print(
        f"generate + baseline: {planned - started:.1f} s; build {len(feeds)} feeds: {built - planned:.1f} s "
        f"({1000 * (built - planned) / len(feeds):.1f} ms per feed)"
    )
    print(f"{'kind':<10} {'feeds':>6} {'largest bytes':>14} {'events':>7}  owner")
    largest = 0
    for kind, items in by_kind.items():
        big = max(items, key=lambda f: len(f.ics))
        largest = max(largest, len(big.ics))
        print(f"{kind:<10} {len(items):>6} {len(big.ics):>14,} {len(big.published):>7}  {big.owner}")
    # The service's feeds hold a window of weeks (default 4 back, this one, 8 ahead): the bound must
    # hold with every one of them published, so the week's largest feed counts that many times
    # (an upper bound: the calendar head and VTIMEZONE are shared by the weeks).
    window = largest * WINDOW_WEEKS
    verdict = "under" if window < LIMIT_BYTES else "OVER"
    print(f"largest feed: {largest:,} bytes for one week; a full window of {WINDOW_WEEKS} published weeks: ")
    print(f"at most {window:,} bytes, {verdict} the {LIMIT_BYTES:,}-byte limit")
    return 0 if window < LIMIT_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
