"""The REST API under /api/v1: JSON over the same queries and domain operations as the pages.

Requests authenticate with personal API tokens (`Authorization: Bearer ...`), never with
the session cookie, so the API is exempt from CSRF. Every error is an RFC 9457 problem
document, and the OpenAPI description is generated from the marshmallow schemas that
also validate the input (flask-smorest).
"""

from __future__ import annotations

from flask import Flask

PREFIX = "/api/v1"
DOCS_PAGE = PREFIX + "/docs"  # a page of the site: it keeps the session (and its layout)


def token_only(path: str) -> bool:
    """Tell whether a URL path is the API's, where a bearer token is the only credential:
    every path under the prefix but the documentation page."""
    return (path == PREFIX or path.startswith(PREFIX + "/")) and path != DOCS_PAGE


def init_app(app: Flask) -> None:
    """Register the API and its documentation on `app`, with their error handlers."""
    from tracker.api import auth, problems
    from tracker.api.docs import bp as docs_bp
    from tracker.api.openapi import TrackerApi
    from tracker.api.routes import bp

    api = TrackerApi(app)
    api.register_blueprint(bp, url_prefix=PREFIX)
    app.register_blueprint(docs_bp, url_prefix=PREFIX)
    problems.init_app(app, PREFIX)
    auth.init_app(app)
