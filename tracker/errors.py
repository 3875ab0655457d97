"""Error pages: every failure a user can cause ends in a clear 4xx page, not a 500."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from tracker.extensions import db


def init_app(app: Flask) -> None:
    """Render HTTP errors with the site layout."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/error.html", error=error, csrf=True), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if request.blueprint == "static":
            return error
        return render_template("errors/error.html", error=error, csrf=False), error.code

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        # The pool pings connections before use, so the next request after the database
        # comes back gets a fresh connection: no restart needed.
        try:
            db.session.rollback()
        except OperationalError:
            pass
        app.logger.error("database unavailable: %s", error.orig)
        # Rendered without the context processors: they would ask the database again.
        page = app.jinja_env.get_template("errors/unavailable.html").render()
        return page, 503, {"Retry-After": "30"}

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("errors/error.html", error=error, csrf=False), 500
