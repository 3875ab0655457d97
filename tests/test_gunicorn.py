"""gunicorn as deployed: gunicorn.conf.py preloads the app and forks workers that serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tracker.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("threads", ["1", "4"])
def test_preloaded_workers_serve_pages_from_the_database(app, threads, make_event):
    event = make_event(is_public=True)
    port = _free_port()
    env = {**os.environ, "TRACKER_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
           "GUNICORN_THREADS": threads}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        # Several requests, so both workers answer: each opens database connections of
        # its own after the fork.
        for _ in range(8):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/public/events/{event.id}") \
                    as page:
                assert page.status == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors, errors
