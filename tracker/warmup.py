"""Warm-up: the main pages rendered once before the first visitor's request.

A process that serves its first list page builds what every later one reuses: SQL statements
compiled for its dialect, the ORM's loading plans, the URL matcher, locale data. gunicorn.conf.py
has the lone worker of the default setup build all that before it serves; with several
workers, the master builds it before forking, so that the workers share it page for page
instead of each making a copy (measured with `bench/load.py`: docs/performance.md).

The pages are read as one existing active user of each role, in this process only: nothing is
written (GET pages only), no session or cookie leaves it."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select

from tracker.extensions import db, login_manager

log = logging.getLogger(__name__)

ANONYMOUS_PATHS = ("/login", "/ping")
USER_AGENT = "tracker-warm-up"
SIGNED_IN_PATHS = (
    "/my-actions",
    "/dashboard",
    "/actions",
    "/actions?status=in_progress&sort=-progress",
    "/actions?overdue=1&q=a",
    "/events",
    "/review",
)
LANGUAGES = ("fr", "en", "ar")


def warm(app: Flask) -> int:
    """Render the main pages of `app` once and return how many answered 200.

    Errors are logged, never raised: a page that cannot be warmed is built by the first
    worker that serves it, as without a warm-up. The database connections opened here are
    closed before returning, so no worker inherits one.
    """
    from sqlalchemy.orm import configure_mappers

    from tracker.models import Action, Role, User

    configure_mappers()
    client = app.test_client()
    answered = 0
    try:
        for language in LANGUAGES:
            for path in ANONYMOUS_PATHS:
                answered += _get(client, path, language)
        with app.app_context():
            users = [db.session.scalars(
                select(User).where(User.role == role, User.active.is_(True))
                .order_by(User.id).limit(1)).first() for role in Role]
            action_id = db.session.scalar(select(Action.id).order_by(Action.id).limit(1))
            identities = [user.get_id() for user in users if user is not None]
            db.session.rollback()
        paths = SIGNED_IN_PATHS + ((f"/actions/{action_id}",) if action_id else ())
        for identity in identities:
            signed_in = app.test_client()
            # The session cookie is Secure in production: speak https to keep it.
            signed_in.environ_base.update({"wsgi.url_scheme": "https",
                                           "HTTP_USER_AGENT": USER_AGENT})
            with app.test_request_context(headers={"User-Agent": USER_AGENT},
                                          environ_base=signed_in.environ_base):
                # Flask-Login's strong session protection binds a session to this.
                bound_to = login_manager._session_identifier_generator()
            with signed_in.session_transaction() as session:
                session["_user_id"] = identity
                session["_fresh"] = False
                session["_id"] = bound_to
            for path in paths:
                answered += _get(signed_in, path, "fr")
    except Exception:  # noqa: BLE001  (a warm-up never stops the server)
        log.warning("warm-up stopped early", exc_info=True)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return answered


def _get(client, path: str, language: str) -> int:
    """Request `path`; return 1 if it answered 200.

    The request's database session ends with its app context, rolled back unless the view
    committed, and GET views never do.
    """
    try:
        response = client.get(path, headers={"Accept-Language": language})
        return int(response.status_code == 200)
    except Exception:  # noqa: BLE001
        log.warning("warm-up of %s failed", path, exc_info=True)
        return 0
