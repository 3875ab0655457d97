"""Bearer-token authentication of API requests; the session cookie plays no part."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from tracker.api import tokens
from tracker.api.problems import Problem
from tracker.extensions import login_manager
from tracker.models import User

REALM = 'Bearer realm="tracker"'


def bearer_token() -> str | None:
    """Return the token of the request's `Authorization: Bearer` header, if any."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> User:
    """Return the user the request's token belongs to, or raise a 401 problem.

    Makes that user the request's `current_user` (so the language of messages is
    theirs), whatever session cookie the request carries.
    """
    # Set first, so that nothing in this request falls back on the session cookie.
    g._login_user = login_manager.anonymous_user()
    secret = bearer_token()
    if secret is None:
        raise Problem(401, _("Send a valid API token: Authorization: Bearer <token>."),
                      headers={"WWW-Authenticate": REALM})
    user = tokens.user_for_token(secret)
    if user is None:
        raise Problem(401, _("This API token is unknown, revoked, or its account is "
                             "deactivated."),
                      headers={"WWW-Authenticate": REALM + ', error="invalid_token"'})
    g._login_user = user
    return user


def current_api_user() -> User:
    """Return the user the current API request authenticated as."""
    return g._login_user
