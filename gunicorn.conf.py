"""gunicorn settings of the tracker (`gunicorn wsgi:app` reads this file from the checkout).

Measured on 100,000 actions with `bench/load.py` (docs/performance.md): the application is
loaded once, in the master, before the workers are forked, so the workers share its
code and templates instead of each holding a copy.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One sync worker per core: on 2 cores, 2 workers served the action lists within 5 % of 4
# workers' rate (bench/load.py, docs/performance.md) in 176 MB of PSS instead of 234.
workers = int(os.environ.get("GUNICORN_WORKERS", str(os.cpu_count() or 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = 30
max_requests = 2000
max_requests_jitter = 200
preload_app = True


def when_ready(server):
    """Compile every template and render the main pages in the master, once, so that the
    workers share what they build (tracker/warmup.py) instead of each making its own."""
    from tracker.warmup import warm

    app = server.app.wsgi()
    with app.app_context():
        for name in app.jinja_env.list_templates(extensions=("html", "txt")):
            app.jinja_env.get_template(name)
    warm(app)


def pre_fork(server, worker):
    """Move what the master loaded out of the garbage collector's reach before forking.

    Collections would otherwise write to every object's header in each worker, and the
    pages shared with the master would become copies, one per worker.
    """
    gc.freeze()


def post_fork(server, worker):
    """Give each worker database connections of its own, never ones opened by the master."""
    from tracker.extensions import db

    with worker.app.wsgi().app_context():
        db.engine.dispose(close=False)
