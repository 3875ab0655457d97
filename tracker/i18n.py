"""Locale selection: the user's saved choice, then the session, then the browser, then French."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import babel

RTL_LANGUAGES = frozenset({"ar"})


def select_locale() -> str:
    """Return the locale for this request."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    try:
        user_locale = getattr(current_user, "locale", None) if current_user else None
    except SQLAlchemyError:
        # Reading the user needs the database; the page saying it is unavailable does not.
        user_locale = None
    if user_locale in languages:
        return user_locale
    if session.get("locale") in languages:
        return session["locale"]
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction() -> str:
    """Return `rtl` for right-to-left locales, `ltr` otherwise."""
    locale = get_locale()
    return "rtl" if locale is not None and locale.language in RTL_LANGUAGES else "ltr"


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the tracker's locale selector."""
    babel.init_app(app, locale_selector=select_locale,
                   timezone_selector=lambda: current_app.config["TRACKER_TIMEZONE"])
