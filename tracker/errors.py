"""Error pages: every failure a user can cause ends in a clear 4xx page, not a 500.

The site answers errors with HTML pages in its layout. A part of the site that speaks
another format (the API answers RFC 9457 problem documents) registers its own answer for
the URLs under its prefix with `answer_errors_under`; the choice is made here, by path,
for every error, including those raised before any view is found (404, 405) and the
database being unavailable.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from tracker.extensions import db

Answer = Callable[[HTTPException], Response]
_ANSWERS = "tracker.error_answers"
RETRY_AFTER_SECONDS = 30


def answer_errors_under(app: Flask, prefix: str, answer: Answer) -> None:
    """Answer the errors of URLs under `prefix` with `answer` instead of an HTML page."""
    app.extensions.setdefault(_ANSWERS, {})[prefix.rstrip("/")] = answer


def _answer_for_path() -> Answer | None:
    for prefix, answer in current_app.extensions.get(_ANSWERS, {}).items():
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return answer
    return None


def _rollback() -> None:
    """Roll the session back; a connection already lost has nothing left to undo."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass


def end_session(error: BaseException | None = None) -> None:
    """Give the request's database connection back, whatever state it is in.

    Runs at the end of every request, before Flask-SQLAlchemy's own `session.remove()`:
    when the connection was cut meanwhile (a database restart, a terminated backend),
    closing it fails, and that failure would replace the answer already made (a page, a
    redirect after a commit, the 503 page) with a bare 500. What the request did is
    already committed or refused by then, so the failure is logged and the connection
    dropped instead.
    """
    try:
        db.session.remove()
    except SQLAlchemyError as exc:
        current_app.logger.error("database connection lost at the end of a request: %s",
                                 getattr(exc, "orig", exc))
        try:
            db.session.registry().invalidate()
        except SQLAlchemyError:
            pass
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    """Render HTTP errors with the site layout, or with the answer of their URL's prefix.

    Call it after `db.init_app`: the teardown registered here then runs first.
    """
    app.teardown_appcontext(end_session)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/error.html", error=error, csrf=True), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        answer = _answer_for_path()
        if answer is not None:
            return answer(error)
        if request.blueprint == "static":
            return error
        return render_template("errors/error.html", error=error, csrf=False), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: OperationalError | InterfaceError):
        # The pool pings connections before use, so the next request after the database
        # comes back gets a fresh connection: no restart needed.
        _rollback()
        app.logger.error("database unavailable: %s", error.orig)
        answer = _answer_for_path()
        if answer is not None:
            return answer(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))
        # Rendered without the context processors: they would ask the database again.
        page = app.jinja_env.get_template("errors/unavailable.html").render()
        return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(500)
    def server_error(error):
        _rollback()
        answer = _answer_for_path()
        if answer is not None:
            return answer(error)
        return render_template("errors/error.html", error=error, csrf=False), 500
