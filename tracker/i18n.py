"""Locale selection: the user's saved choice, then the session, then the browser, then French."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from babel.support import NullTranslations
from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask.globals import app_ctx
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
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


def _in_force() -> SimpleNamespace | None:
    """Return the locale in force and its catalog, looked up once per locale and context.

    Flask-Babel finds them again at every call (the context's `g` through several proxies,
    and the locale's name rebuilt as the catalog's key): a list page makes some 300 such
    calls (its labels, statuses, dates and percentages); looked up once, the filtered list
    took 39.6 M instead of 48.4 M instructions a request (callgrind, 2026-12-04). The
    memo follows the locale object of the context, so `force_locale` (an email in its
    recipient's language) is obeyed inside a request too. None outside an app context.
    """
    if not has_app_context():
        return None
    values = app_ctx._get_current_object().g.__dict__
    state = values.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        locale = get_locale()  # chooses it, and creates the state the first time
        state = values["_flask_babel"]
    memo = getattr(state, "tracker_memo", None)
    if memo is None or memo.locale is not locale:
        memo = SimpleNamespace(locale=locale, code=str(locale),
                               translations=get_translations())
        state.tracker_memo = memo
    return memo


def locale_code() -> str:
    """Return the name of the locale in force ("fr", "en", "ar"); "" outside a request."""
    memo = _in_force()
    return memo.code if memo is not None else ""


def translations() -> NullTranslations:
    """Return the catalog of the locale in force."""
    memo = _in_force()
    return memo.translations if memo is not None else get_translations()


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the tracker's locale selector; templates translate through
    the memo of `translations()`."""
    babel.init_app(app, locale_selector=select_locale,
                   timezone_selector=lambda: current_app.config["TRACKER_TIMEZONE"])
    # Jinja's new-style callables; its `gettext` (and the `_` alias) are then replaced by
    # `template_gettext`, which behaves the same and keeps each plain text once.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = template_gettext


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """Translate `string` for a template as Jinja's new-style `gettext` does (escaped where
    the template autoescapes, always formatted with `variables`), each text without
    variables translated and formatted once per process and language.

    A page calls it for each of its labels (some 65 on the action list); through Jinja's
    own, each call went through three calls of the template context and a formatting.
    """
    autoescape = context.eval_ctx.autoescape
    if variables:
        text = translations().ugettext(string)
        return (Markup(text) if autoescape else text) % variables
    return _translated(translations(), string, autoescape)


@lru_cache(maxsize=4096)
def _translated(catalog: NullTranslations, string: str, autoescape: bool) -> str:
    # `catalog` is the locale's catalog, one object per process and language.
    text = catalog.ugettext(string)
    return (Markup(text) if autoescape else text) % {}
