"""Authentication: checking credentials and choosing where to go after login."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import User


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (same answer for both faults)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Hash anyway so that response time does not reveal which emails exist.
        User(email="nobody@invalid", name="", password_hash="").set_password(password)
        return None
    if not user.active or not user.check_password(password):
        return None
    return user


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
