"""Sustained run: 20 connections for 10 minutes, 90 % reads and 10 % writes, then a count.

    python bench/soak.py --database-url postgresql://postgres@127.0.0.1:5432/bench

Each write records a comment marked with this run's id on an action in progress, another
one each time, through the web form (CSRF token, the action's current version). At the
end the database must hold exactly as many marked history rows as the server
acknowledged (302), none lost and none doubled, and no response may be a 5xx. It prints
the summary and exits 1 when either does not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load import BASE, ROOT, USER_AGENT, login, start_gunicorn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    from tracker.config import normalise_database_url

    url = normalise_database_url(args.database_url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        targets = conn.execute(sa.text(
            "SELECT id, version, progress FROM action WHERE status = 'in_progress' "
            "ORDER BY id DESC LIMIT 40000")).all()
    action_id = targets[0][0]
    marker = f"soak-{secrets.token_hex(4)}"
    process = start_gunicorn(url, args.workers)
    try:
        cookie, token = login("coord@bench.example", "bench-password-2026")
        posts = Path(tempfile.gettempdir()) / "tracker-soak-posts.tsv"
        posts.write_text("".join(
            f"/actions/{id_}/update\t" + urllib.parse.urlencode({
                "csrf_token": token, "status": "in_progress", "progress": progress,
                "comment": marker, "version": version, "links": ""}) + "\n"
            for id_, version, progress in targets))
        reads = " ".join([f"/actions/{action_id}", "/actions?status=in_progress&institution=3",
                          "/my-actions", f"/actions/{action_id - 1}", "/events",
                          "/recommendations?theme=2"])
        env = {**os.environ, "SOAK_POSTS": str(posts), "SOAK_READS": reads}
        output = subprocess.run(
            ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{int(args.minutes * 60)}s",
             "--timeout", "30s", "-s", str(ROOT / "bench" / "soak.lua"),
             "-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}", BASE + "/ping"],
            capture_output=True, text=True, env=env, check=True).stdout
    finally:
        process.terminate()
        process.wait(timeout=30)
    result = json.loads(output.split("RESULT ", 1)[1])
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM action_update WHERE comment = :m"),
                              {"m": marker}).scalar()
    engine.dispose()
    server_errors = sum(n for code, n in result["statuses"].items() if code.startswith("5"))
    result.update(stored_writes=stored, server_errors=server_errors, marker=marker)
    print(json.dumps(result, indent=2))
    ok = server_errors == 0 and stored == result["writes_acknowledged"]
    print("OK: every acknowledged write is stored once, no 5xx" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
