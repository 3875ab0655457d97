"""gunicorn as deployed: gunicorn.conf.py preloads the app and forks workers that serve."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ports import reserved_port
from tracker.extensions import db

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("workers", "threads"), [("2", "1"), ("2", "4"), ("1", "4")])
def test_workers_serve_pages_from_the_database(app, workers, threads, make_event):
    """Several workers share the app preloaded in the master; a lone worker (the default)
    loads and warms its own."""
    event = make_event(is_public=True)
    with reserved_port() as port:
        env = {**os.environ, "TRACKER_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
               "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
               "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": workers,
               "GUNICORN_THREADS": threads}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            # Several requests, so that every worker answers: each opens database
            # connections of its own after the fork.
            for _ in range(8):
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/public/events/{event.id}") as page:
                    assert page.status == 200
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors, errors


def test_the_web_app_loads_no_migration_scheduler_or_backup_code(app):
    """The web workers build the app as the command line does, without its tools."""
    env = {**os.environ, "TRACKER_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    probe = ("import sys, wsgi; print(sorted(m for m in ('alembic', 'flask_migrate', "
             "'apscheduler', 'tarfile', 'holidays') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout.strip()
    assert loaded == "[]"


def test_the_warm_up_renders_each_roles_pages_and_writes_nothing(app, make_action,
                                                                   coordinator, make_user):
    from tracker.models import Role
    from tracker.warmup import ANONYMOUS_PATHS, LANGUAGES, SIGNED_IN_PATHS, warm

    make_action()
    make_user(role=Role.ADMIN)
    with app.app_context():
        before = {table.name: db.session.execute(sa.select(sa.func.count()).select_from(table))
                  .scalar() for table in db.metadata.sorted_tables}
    answered = warm(app)
    with app.app_context():
        after = {table.name: db.session.execute(sa.select(sa.func.count()).select_from(table))
                 .scalar() for table in db.metadata.sorted_tables}
    assert after == before
    # Every anonymous page in each language; then each page of the coordinator and the
    # admin (the focal point who owns the action is refused the review queue).
    signed_in = len(SIGNED_IN_PATHS) + 1
    assert answered == len(ANONYMOUS_PATHS) * len(LANGUAGES) + 3 * signed_in - 1
