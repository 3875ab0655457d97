"""gunicorn settings of the tracker (`gunicorn wsgi:app` reads this file from the checkout).

The web tier is one process by default: one worker of 4 threads, the app loaded in the
worker itself. Measured on 100,000 actions with `bench/load.py` (docs/performance.md,
docs/deployment.md): 128 MB for the whole tier, where two sync workers take 158 MB; it
serves the action lists as fast as two workers, the other pages about half as fast (two
workers run Python on both cores). Set `GUNICORN_WORKERS` (not `--workers`) for more
processes: the app is then loaded once in the master and shared by the forked workers."""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = 30
# Several workers share the app loaded in the master. A lone worker loads its own: a copy
# in the master as well would only add the pages the worker writes to (about 30 MB).
preload_app = workers > 1
# Workers are recycled now and then, so that slow growth never accumulates; a lone worker
# is not, as requests would wait while its replacement loads the app.
max_requests = 2000 if preload_app else 0
max_requests_jitter = 200


def _warm(app) -> None:
    """Compile every template and render the main pages once (tracker/warmup.py)."""
    from tracker.warmup import warm

    with app.app_context():
        for name in app.jinja_env.list_templates(extensions=("html", "txt")):
            app.jinja_env.get_template(name)
    warm(app)


def when_ready(server):
    """With several workers, warm the app in the master, once, so that the workers share
    what it builds (SQL, ORM plans, templates, locale data) instead of each making its own."""
    if preload_app:
        _warm(server.app.wsgi())


def pre_fork(server, worker):
    """Move what the master loaded out of the garbage collector's reach before forking.

    Collections would otherwise write to every object's header in each worker, and the
    pages shared with the master would become copies, one per worker.
    """
    gc.freeze()


def post_fork(server, worker):
    """Give each worker database connections of its own, never ones opened by the master."""
    if not preload_app:
        return
    from tracker.extensions import db

    with worker.app.wsgi().app_context():
        db.engine.dispose(close=False)


def post_worker_init(worker):
    """A lone worker warms the app it loaded before it serves, then moves the objects that
    live as long as it does out of the garbage collector's reach (collections then have
    less to walk)."""
    if not preload_app:
        _warm(worker.app.wsgi())
        gc.freeze()
