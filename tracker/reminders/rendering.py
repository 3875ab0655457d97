"""Email bodies: a plain-text and an HTML template per kind, in the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from tracker.models import User


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


def render_email(name: str, user: User, **context: Any) -> RenderedEmail:
    """Render templates/email/<name>.txt and .html for `user`, in their language.

    The subject is the text template's first line ("Subject: ...").
    """
    locale = recipient_locale(user)
    with force_locale(locale):
        text = render_template(f"email/{name}.txt", user=user, **context)
        html = render_template(f"email/{name}.html", user=user, locale=locale, **context)
    first, _, body = text.partition("\n")
    subject = first.removeprefix("Subject:").strip()
    return RenderedEmail(subject=subject, text=body.lstrip("\n"), html=html, locale=locale)
