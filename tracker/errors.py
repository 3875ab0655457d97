"""Error pages: every failure a user can cause ends in a clear 4xx page, not a 500."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
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

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("errors/error.html", error=error, csrf=False), 500
