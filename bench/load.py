"""Load run against the production setup: gunicorn on PostgreSQL, wrk on loopback.

    python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/bench

For each page it runs wrk with 8 connections (one logged-in coordinator session) and
reports throughput as a share of the ceiling (a route answering a fixed text through the
same gunicorn) and p50/p95/p99 latency, then the workers' resident memory, and writes
the tables and where they stand against the targets to docs/performance.md. Everything
after the line `<!-- notes -->` in that file is kept from one run to the next.

gunicorn runs as in production: the figures cache and the login counters in Redis
(`--redis-url`, "" for none). `--runs 2` repeats the whole set of pages.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import runpy
import subprocess
import sys
import tempfile
import time
import urllib.error
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


NOTES_MARKER = "<!-- notes -->"
# The targets at national scale, 8 users: (scenario label, p95 limit in ms, share of ceiling).
P95_TARGETS = {"dashboard": 150, "action list, filtered": 100,
               "action list, overdue, search": 100}
SHARE_TARGETS = {"action list, filtered": 0.25, "action list, overdue, search": 0.25}
MEMORY_TARGET_MB = 150
# The whole web tier (master and workers), proportional set size: a third of Redmine's on
# the same data and machine.
TIER_PSS_TARGET_MB = 140
# The comment of the POST scenario, which marks the rows it writes (removed at the start).
COMMENT = "Point d'avancement (bench/load.py)"


def start_gunicorn(url: str, workers: int | None = None, redis_url: str = "",
                   threads: int | None = None, root: Path = ROOT,
                   port: int = PORT) -> subprocess.Popen:
    """Start gunicorn as in production (gunicorn.conf.py, with its defaults unless
    `workers` or `threads` are given, through the same variables as a deployment) from the
    checkout `root`, on `port`, and wait until it answers."""
    env = {**os.environ, "TRACKER_ENV": "production", "DATABASE_URL": url,
           "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
           "TRACKER_LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
           "TRACKER_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
           "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers is not None:
        env["GUNICORN_WORKERS"] = str(workers)
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    if redis_url:
        env.update(CACHE_REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--access-logfile", "-",
         "--log-level", "warning", "wsgi:app"], cwd=root, env=env, stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def login(email: str, password: str, base: str = BASE) -> tuple[str, str]:
    """Sign in at `base` and return the session cookie and a CSRF token of that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token}).encode()
    page = opener.open(base + "/login", data=data).read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}", token


def wrk(path: str, cookie: str, seconds: int, connections: int, posts=None,
        base: str = BASE) -> dict:
    """Run wrk against one path of `base` and return its summary; `posts()`, when given,
    writes the file of POSTs to send instead (see report.lua) and returns its path."""
    env = {**os.environ, "BENCH_POSTS": posts() if posts else ""}
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "report.lua"), "-H", f"Cookie: {cookie}",
         "-H", f"User-Agent: {USER_AGENT}",
         base + path], capture_output=True, text=True, env=env, check=True).stdout
    result = json.loads(output.split("RESULT ", 1)[1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def post_file(url: str, token: str, exclude: int, count: int = 12_000):
    """Return a function writing the POSTs of the update scenario: a comment on each of
    `count` actions in progress, each based on the action's current version (every update
    moves the version on, so each line is sent once)."""

    def write() -> str:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT id, version, progress FROM action WHERE status = 'in_progress' "
                "AND id <> :x ORDER BY id LIMIT :n"), {"x": exclude, "n": count}).all()
        engine.dispose()
        path = Path(tempfile.gettempdir()) / "tracker-bench-posts.tsv"
        path.write_text("".join(
            f"/actions/{id_}/update\t" + urllib.parse.urlencode({
                "csrf_token": token, "status": "in_progress", "progress": progress,
                "comment": COMMENT, "version": version, "links": ""}) + "\n"
            for id_, version, progress in rows))
        return str(path)

    return write


def timed_get(path: str, cookie: str) -> float:
    """Return how long one GET of `path` takes alone, in milliseconds."""
    request = urllib.request.Request(BASE + path, headers={"Cookie": cookie,
                                                           "User-Agent": USER_AGENT})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def post(path: str, cookie: str, data: dict) -> int:
    """Send one form POST without following its redirect; return the status."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(
        BASE + path, data=urllib.parse.urlencode(data).encode(),
        headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    try:
        with urllib.request.build_opener(NoRedirect).open(request) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def tier_pss(master: int) -> float:
    """Return the proportional set size (MB) of the whole web tier: master and workers.

    PSS shares each page among the processes mapping it, so the sum is what the tier
    really takes, unlike the sum of resident sizes (which counts shared pages once a process).
    """
    children = subprocess.run(["ps", "--ppid", str(master), "-o", "pid="], capture_output=True,
                              text=True).stdout.split()
    total_kb = 0
    for pid in [str(master), *children]:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def worker_memory(master: int) -> list[float]:
    """Return the resident memory (MB) of each gunicorn worker."""
    children = subprocess.run(["ps", "--ppid", str(master), "-o", "rss="], capture_output=True,
                              text=True).stdout.split()
    return [int(kb) / 1024 for kb in children]


def cpu_seconds(pids: list[str], children: bool = False) -> float:
    """Return the CPU time (user and system, in seconds) the processes `pids` have used,
    with that of their children that ended (workers recycled meanwhile) when `children`."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a process that ended meanwhile
            continue
        ticks += sum(int(value) for value in fields[11:15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def tier_cpu_seconds(master: int) -> float:
    """Return the CPU time gunicorn's master and all its workers, live or ended, have used."""
    workers = subprocess.run(["ps", "--ppid", str(master), "-o", "pid="], capture_output=True,
                             text=True).stdout.split()
    return cpu_seconds([str(master)], children=True) + cpu_seconds(workers)


def postgres_pids(database: str) -> list[str]:
    """Return the ids of the PostgreSQL server processes serving `database` (a server on
    this machine; the web tier keeps its connections, so they last the whole run)."""
    return subprocess.run(["pgrep", "-f", f"^postgres: .* {database} "], capture_output=True,
                          text=True).stdout.split()


def run_pages(scenarios, cookie: str, seconds: int, connections: int, master: int,
              database: str) -> list:
    """Run wrk on each scenario after a short warm-up; return (label, result) pairs.

    Each result also holds the CPU time the web tier and PostgreSQL spent per request:
    unlike the rate, it hardly moves when other work shares the machine.
    """
    results = []
    for label, path, post in scenarios:
        wrk(path, cookie, 3, connections, post)  # warm-up
        backends = postgres_pids(database)
        tier, server = tier_cpu_seconds(master), cpu_seconds(backends)
        result = wrk(path, cookie, seconds, connections, post)
        requests = max(result["requests"], 1)
        result["tier_cpu_ms"] = (tier_cpu_seconds(master) - tier) * 1000 / requests
        result["db_cpu_ms"] = (cpu_seconds(backends) - server) * 1000 / requests
        results.append((label, result))
        print(f"{label:<34} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
              f"p95 {result['p95_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
              f"CPU ms/request: tier {result['tier_cpu_ms']:.2f}, "
              f"PostgreSQL {result['db_cpu_ms']:.2f}  statuses {result['statuses']}",
              flush=True)
    return results


def table(results: list) -> list[str]:
    """Return the Markdown table of one run."""
    ceiling = results[0][1]["rps"]
    lines = ["| page | requests/s | share of ceiling | p50 ms | p95 ms | p99 ms "
             "| CPU ms a request: web tier, PostgreSQL | statuses |",
             "|---|---|---|---|---|---|---|---|"]
    for label, r in results:
        lines.append(f"| {label} | {r['rps']:.1f} | {r['rps'] / ceiling:.0%} | "
                     f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{r['tier_cpu_ms']:.2f}, {r['db_cpu_ms']:.2f} | "
                     f"{', '.join(f'{k}: {v}' for k, v in r['statuses'].items())} |")
    return lines


def gunicorn_settings(workers: int | None, threads: int | None) -> dict:
    """Return the settings gunicorn.conf.py gives with these overrides (None: its own)."""
    saved = {k: os.environ.get(k) for k in ("GUNICORN_WORKERS", "GUNICORN_THREADS")}
    try:
        for key, value in (("GUNICORN_WORKERS", workers), ("GUNICORN_THREADS", threads)):
            if value is not None:
                os.environ[key] = str(value)
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def targets(runs: list[list], memory: list[float], pss: float) -> list[str]:
    """Return the table of the targets, each with its worst figure over the runs."""
    lines = ["| target | measured (worst run) | status |", "|---|---|---|"]
    for label, limit in P95_TARGETS.items():
        worst = max(dict(run)[label]["p95_ms"] for run in runs)
        lines.append(f"| {label}: p95 < {limit} ms at 8 users | {worst:,.0f} ms | "
                     f"{'met' if worst < limit else 'missed'} |")
    for label, share in SHARE_TARGETS.items():
        worst = min(dict(run)[label]["rps"] / run[0][1]["rps"] for run in runs)
        lines.append(f"| {label}: throughput ≥ {share:.0%} of the ceiling | {worst:.1%} | "
                     f"{'met' if worst >= share else 'missed'} |")
    lines.append(f"| worker resident memory < {MEMORY_TARGET_MB} MB | {max(memory):.0f} MB | "
                 f"{'met' if max(memory) < MEMORY_TARGET_MB else 'missed'} |")
    lines.append(f"| web tier (master and workers) PSS < {TIER_PSS_TARGET_MB} MB | {pss:.0f} MB | "
                 f"{'met' if pss < TIER_PSS_TARGET_MB else 'missed'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int,
                        help="gunicorn workers (default: gunicorn.conf.py's, GUNICORN_WORKERS)")
    parser.add_argument("--threads", type=int,
                        help="threads per worker (default: gunicorn.conf.py's, GUNICORN_THREADS)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
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
    with engine.begin() as conn:
        # The comments of earlier runs would make each run's history longer than the last.
        conn.execute(sa.text("DELETE FROM action_update WHERE comment = :c"), {"c": COMMENT})
    engine.dispose()

    process = start_gunicorn(url, args.workers, args.redis_url, args.threads)
    try:
        cookie, token = login("coord@bench.example", "bench-password-2026")
        posts = post_file(url, token, exclude=action_id)
        scenarios = [
            ("ceiling: fixed text (/ping)", "/ping", ""),
            # The coordinator owns no action and has no institution: an empty page, which
            # shows what any signed-in page costs before reading its own data.
            ("signed-in page, empty (/my-actions)", "/my-actions", ""),
            ("dashboard", "/dashboard", ""),
            ("action list, filtered", "/actions?status=in_progress&institution=3&sort=-progress",
             ""),
            ("action list, overdue, search", "/actions?overdue=1&q=Action%201", ""),
            ("action page", f"/actions/{action_id}", ""),
            ("status update (POST, comment)", "/ping", posts),
        ]
        runs = []
        for n in range(args.runs):
            print(f"run {n + 1}", flush=True)
            runs.append(run_pages(scenarios, cookie, args.seconds, args.connections,
                                  process.pid, sa.engine.make_url(url).database))
        # The POST scenario wrote: the next dashboard computes its figures, the one after
        # reads them back.
        time.sleep(2)  # the POSTs still in flight when wrk stopped commit meanwhile
        dashboard_alone = [timed_get("/dashboard", cookie) for _ in range(2)]
        memory = worker_memory(process.pid)
        pss = tier_pss(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)

    settings = gunicorn_settings(args.workers, args.threads)
    output = Path(args.output)
    previous = output.read_text() if output.exists() else ""
    notes = previous[previous.index(NOTES_MARKER):] if NOTES_MARKER in previous else NOTES_MARKER
    cache = (f"figures cache in Redis ({args.redis_url})" if args.redis_url
             else "figures cache in each worker")
    lines = [
        "# Performance",
        "",
        f"Measured on {date.today().isoformat()} on this machine: {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL, "
        f"gunicorn (gunicorn.conf.py) with {settings['workers']} "
        + (f"gthread worker(s) of {settings['threads']} threads" if settings["threads"] > 1
           else "sync worker(s)")
        + (" (app preloaded in the master)" if settings["preload_app"]
           else " (app loaded in the worker)")
        + f" ({cache}), wrk with {args.connections} "
        f"connections for {args.seconds} s a page, on loopback, one signed-in coordinator "
        "session. The load generator shares the cores with the server; figures vary by "
        "some 10 to 20 % from one run to the next.",
        "",
        "Data (`bench/generate.py`, scale 1): "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + ".",
        "",
        "Command: `python bench/generate.py --database-url URL` then "
        f"`python bench/load.py --database-url URL --runs {args.runs}` (this file is written "
        "by the second; see bench/README.md).",
        "",
    ]
    for n, results in enumerate(runs, 1):
        lines += [f"Run {n} of {len(runs)}:", "", *table(results), ""]
    lines += [
        "Worker resident memory after the runs: "
        + ", ".join(f"{m:.0f} MB" for m in memory)
        + f"; the whole web tier (master and workers) takes {pss:.0f} MB PSS.",
        "",
        f"The dashboard alone, right after a write: {dashboard_alone[0]:,.0f} ms (figures "
        f"computed), then {dashboard_alone[1]:,.0f} ms (figures read from the cache).",
        "",
        "What the figures mean: *requests/s* is what the whole stack served with "
        f"{args.connections} requests always in flight; *share of ceiling* divides it by the "
        "rate of the fixed-text route through the same gunicorn, so it measures the cost of "
        "the page itself; p50/p95/p99 are the latencies under that load; *CPU ms a request* is "
        "the processor time the web tier (master and workers) and the PostgreSQL server "
        "spent per request served, which moves little when other work shares the machine. "
        "The empty signed-in "
        "page (the coordinator's own actions: none) is the floor of every other page: the "
        "session, the signed-in user read from the database, a CSRF token, the translated "
        "layout and the security headers, before any data of its own. The POST scenario "
        "records a comment on an action in progress, a different one each time and based on its "
        "current version (a history row and a new version each time), which exercises the "
        "write path. No write "
        "runs during the dashboard scenario, so it measures figures read from the cache.",
        "",
        "## Against the targets",
        "",
        *targets(runs, memory, pss),
        "",
        notes.rstrip("\n"),
        "",
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
