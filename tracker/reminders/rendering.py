"""Email bodies: a plain-text and an HTML template per kind, in the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.support import Translations
from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment

from tracker.models import User
from tracker.reminders import messages


@dataclass
class RenderedEmail:
    """Subject and bodies of one email."""

    subject: str
    text: str
    html: str
    locale: str


def recipient_locale(user: User) -> str:
    """Return the language a user reads their email in."""
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def email_environment(locale: str) -> Environment:
    """Return a template environment whose gettext reads the catalog of `locale` directly.

    Planning renders thousands of emails; resolving the locale through the request
    machinery on every message string costs more than the rest of the rendering.
    """
    cache = current_app.extensions.setdefault("tracker.email_environments", {})
    environment = cache.get(locale)
    if environment is None:
        # A separate environment, not an overlay: an overlay shares the i18n installer of
        # the app's environment and would switch the language of the web pages.
        app_environment = current_app.jinja_env
        environment = Environment(
            loader=app_environment.loader, autoescape=current_app.select_jinja_autoescape,
            extensions=["jinja2.ext.i18n"], auto_reload=app_environment.auto_reload)
        environment.filters.update(app_environment.filters)
        environment.globals.update(app_environment.globals)
        environment.globals.update(event_subject=messages.event_subject,
                                   event_sentence=messages.event_sentence)
        translations = Translations.load(current_app.config["BABEL_TRANSLATION_DIRECTORIES"],
                                         [locale])
        environment.install_gettext_translations(translations, newstyle=True)
        cache[locale] = environment
    return environment


def render_email(name: str, user: User, **context: Any) -> RenderedEmail:
    """Render templates/email/<name>.txt and .html for `user`, in their language.

    The subject is the text template's first line ("Subject: ...").
    """
    locale = recipient_locale(user)
    environment = email_environment(locale)
    with force_locale(locale):  # dates and numbers follow the recipient's locale too
        text = environment.get_template(f"email/{name}.txt").render(user=user, **context)
        html = environment.get_template(f"email/{name}.html").render(
            user=user, locale=locale, **context)
    first, _, body = text.partition("\n")
    subject = first.removeprefix("Subject:").strip()
    return RenderedEmail(subject=subject, text=body.lstrip("\n"), html=html, locale=locale)
