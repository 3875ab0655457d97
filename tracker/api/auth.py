"""Bearer-token authentication of API requests; the session cookie plays no part.

Flask-Login finds the user: `load_user_from_request` is its request loader. The API's
requests show it no cookie (see `Request`), so it never reads a session or a remember-me
cookie there and always comes to the token; elsewhere the loader answers nobody, so a
token never opens a web page.
"""

from __future__ import annotations

import flask
from flask import Flask, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from tracker.api import token_only, tokens
from tracker.api.problems import Problem
from tracker.extensions import login_manager
from tracker.models import User

REALM = 'Bearer realm="tracker"'


class Request(flask.Request):
    """The site's request, except that a request for the API shows none of its cookies.

    Flask-Login reads the session and the remember-me cookie before its request loader:
    hidden, they can neither open the API nor stand in the token's way. The session of
    an API request is then new and empty, and as nothing writes it, API responses set
    no cookie.
    """

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        if token_only(self.path):
            return ImmutableMultiDict()
        return super().cookies


def init_app(app: Flask) -> None:
    """Let Flask-Login find the user of an API request by its bearer token alone."""
    app.request_class = Request
    login_manager.request_loader(load_user_from_request)


def bearer_token(req: flask.Request | None = None) -> str | None:
    """Return the token of the request's `Authorization: Bearer` header, if any."""
    header = (req or request).headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def load_user_from_request(req: flask.Request) -> User | None:
    """Return the owner of an API request's bearer token (None for any other request)."""
    if not token_only(req.path):
        return None
    secret = bearer_token(req)
    return tokens.user_for_token(secret) if secret is not None else None


def authenticate() -> User:
    """Return the user the request's token belongs to, or raise a 401 problem.

    That user is the request's `current_user` (so the language of messages is theirs).
    """
    if bearer_token() is None:
        raise Problem(401, _("Send a valid API token: Authorization: Bearer <token>."),
                      headers={"WWW-Authenticate": REALM})
    if not current_user.is_authenticated:
        raise Problem(401, _("This API token is unknown, revoked, or its account is "
                             "deactivated."),
                      headers={"WWW-Authenticate": REALM + ', error="invalid_token"'})
    return current_api_user()


def current_api_user() -> User:
    """Return the user the current API request authenticated as."""
    return current_user._get_current_object()
