"""Authentication: checking credentials, ending sessions and choosing where to go after
login."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import audit
from tracker.auth import throttle
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import User


class TooManyAttempts(DomainError):
    """Raised when sign-ins from the client's address are refused for a while."""

    def __init__(self, refusal: throttle.Refusal) -> None:
        minutes = math.ceil(refusal.retry_after / 60)
        if refusal.every_account:
            message = _l("Too many failed sign-ins from your network. Try again from here in "
                         "%(n)d min, or sign in from another network.", n=minutes)
        else:
            message = _l("Too many failed sign-ins for this account from your network. Try "
                         "again from here in %(n)d min, sign in from another network, or "
                         "choose a new password with “Forgot your password?”, which lifts "
                         "this block at once.", n=minutes)
        super().__init__(message, "email")
        self.retry_after = refusal.retry_after


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (same answer for both faults).

    Raises `TooManyAttempts`, before checking the password, when sign-ins for this
    account (or any account) from the client's address are throttled.
    """
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    refused = throttle.refusal(email, user)
    if refused is not None:
        raise TooManyAttempts(refused)
    if user is None:
        # Hash anyway so that response time does not reveal which emails exist.
        User(email="nobody@invalid", name="", password_hash="").set_password(password)
        throttle.record_failure(email, None)
        return None
    if not user.active or not user.check_password(password):
        throttle.record_failure(email, user)
        return None
    throttle.record_success(email, user)
    return user


def sign_out(user: User) -> None:
    """End every session of `user`, so that a copied session or remember-me cookie stops
    working too (on all the user's devices: see docs/security.md)."""
    user.end_sessions()
    db.session.flush()
    audit.record(user, "logout", user)


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None.

    Refuses absolute URLs, scheme-relative ones (`//host`) and the backslash forms
    browsers read as such (`/\\host`).
    """
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
