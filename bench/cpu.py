"""Measure the application's CPU time per request of the list pages, in one process.

Unlike `load.py`, no server, no load generator and no other process share the figure:
`time.process_time()` counts only this process, so the figures hold on a busy machine
and compare variants of the code (a template change, a query change) within a tenth of
a millisecond. The database and Redis work in their own processes and are not counted.

    python bench/cpu.py --database-url postgresql://postgres@127.0.0.1:5432/bench

Run it on a database filled by `generate.py`; it only reads.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = {
    "action list, filtered": "/actions?status=in_progress&institution=3&sort=-progress",
    "action list, overdue, search": "/actions?overdue=1&q=Action%201",
    "dashboard": "/dashboard",
    "signed-in page, empty": "/my-actions",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(
        TRACKER_ENV="production", DATABASE_URL=args.database_url,
        SECRET_KEY="bench-only-secret-key-0123456789abcdef",
        TRACKER_LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
        TRACKER_LOGIN_LIMIT_PER_ADDRESS="1000 per minute")
    if args.redis_url:
        os.environ.update(CACHE_REDIS_URL=args.redis_url, RATELIMIT_STORAGE_URI=args.redis_url)
    from tracker import create_app

    client = create_app().test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": "coord@bench.example",
                                         "password": "bench-password-2026",
                                         "csrf_token": token})
    if answer.status_code != 302:
        sys.exit(f"cannot sign in: {answer.status_code}")
    for label, path in PAGES.items():
        for _ in range(args.requests // 2):  # warm-up: templates, caches, connections
            assert client.get(path).status_code == 200
        samples = []
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.requests):
                client.get(path)
            samples.append((time.process_time() - started) / args.requests * 1000)
        print(f"{label:<30} CPU ms a request: median {statistics.median(samples):.2f}, "
              f"min {min(samples):.2f}")


if __name__ == "__main__":
    main()
