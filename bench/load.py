"""Load run against the production setup: gunicorn on PostgreSQL, wrk on loopback.

    python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/bench

For each page it runs wrk with 8 connections (one logged-in coordinator session) and
reports throughput as a share of the ceiling (a route answering a fixed text through the
same gunicorn) and p50/p95/p99 latency, then the workers' resident memory, and writes
the table to docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
# The session is bound to the browser (Flask-Login's strong protection): the login and the
# load must present the same User-Agent.
USER_AGENT = "tracker-bench/1"
BASE = f"http://127.0.0.1:{PORT}"


def start_gunicorn(url: str, workers: int) -> subprocess.Popen:
    """Start gunicorn as in production and wait until it answers."""
    env = {**os.environ, "TRACKER_ENV": "production", "DATABASE_URL": url,
           "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
           "TRACKER_LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
           "TRACKER_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
         "--bind", f"127.0.0.1:{PORT}", "--access-logfile", "-", "--log-level", "warning",
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(BASE + "/ping", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def login(email: str, password: str) -> tuple[str, str]:
    """Sign in and return the session cookie and a CSRF token of that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(BASE + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token}).encode()
    page = opener.open(BASE + "/login", data=data).read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}", token


def wrk(path: str, cookie: str, seconds: int, connections: int, body: str = "") -> dict:
    """Run wrk against one path and return its summary."""
    env = {**os.environ, "BENCH_BODY": body}
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "report.lua"), "-H", f"Cookie: {cookie}",
         "-H", f"User-Agent: {USER_AGENT}",
         BASE + path], capture_output=True, text=True, env=env, check=True).stdout
    result = json.loads(output.split("RESULT ", 1)[1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def worker_memory(master: int) -> list[float]:
    """Return the resident memory (MB) of each gunicorn worker."""
    children = subprocess.run(["ps", "--ppid", str(master), "-o", "rss="], capture_output=True,
                              text=True).stdout.split()
    return [int(kb) / 1024 for kb in children]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from tracker.config import normalise_database_url

    url = normalise_database_url(args.database_url)
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in
                  ("event", "recommendation", "action", "action_update", "user", "institution")}
        action_id = conn.execute(sa.text(
            "SELECT id FROM action WHERE status = 'in_progress' ORDER BY id LIMIT 1")).scalar()
        version, progress = conn.execute(
            sa.text("SELECT version, progress FROM action WHERE id = :i"),
            {"i": action_id}).one()
    engine.dispose()

    process = start_gunicorn(url, args.workers)
    try:
        cookie, token = login("coord@bench.example", "bench-password-2026")
        body = urllib.parse.urlencode({
            "csrf_token": token, "status": "in_progress", "progress": progress,
            "comment": "Point d'avancement", "version": version, "links": ""})
        scenarios = [
            ("ceiling: fixed text (/ping)", "/ping", ""),
            ("dashboard", "/dashboard", ""),
            ("action list, filtered", "/actions?status=in_progress&institution=3&sort=-progress",
             ""),
            ("action list, overdue, search", "/actions?overdue=1&q=Action%201", ""),
            ("action page", f"/actions/{action_id}", ""),
            ("status update (POST, comment)", f"/actions/{action_id}/update", body),
        ]
        results = []
        for label, path, post in scenarios:
            wrk(path, cookie, 3, args.connections, post)  # warm-up
            result = wrk(path, cookie, args.seconds, args.connections, post)
            results.append((label, path, result))
            print(f"{label:<34} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
                  f"p95 {result['p95_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                  f"statuses {result['statuses']}", flush=True)
        memory = worker_memory(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)

    ceiling = results[0][2]["rps"]
    lines = [
        "# Performance",
        "",
        f"Measured on {date.today().isoformat()} on this machine: {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL, "
        f"gunicorn with {args.workers} sync workers, wrk with {args.connections} connections "
        f"for {args.seconds} s a page, on loopback, one signed-in coordinator session.",
        "",
        "Data: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + ".",
        "",
        "Command: `python bench/generate.py --database-url URL` then "
        "`python bench/load.py --database-url URL` (this file is written by the second).",
        "",
        "| page | requests/s | share of ceiling | p50 ms | p95 ms | p99 ms | statuses |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, _path, r in results:
        lines.append(f"| {label} | {r['rps']:.1f} | {r['rps'] / ceiling:.0%} | "
                     f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{', '.join(f'{k}: {v}' for k, v in r['statuses'].items())} |")
    lines += [
        "",
        "Worker resident memory after the run: "
        + ", ".join(f"{m:.0f} MB" for m in memory) + ".",
        "",
        "What the figures mean: *requests/s* is what the whole stack served with 8 requests "
        "always in flight; *share of ceiling* divides it by the rate of the fixed-text route "
        "through the same gunicorn, so it measures the cost of the page itself; p50/p95/p99 "
        "are the latencies under that load. The POST scenario records a comment on one "
        "action (a history row each time, without changing the version), which exercises "
        "the write path and the single-action row lock.",
        "",
    ]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(lines))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
