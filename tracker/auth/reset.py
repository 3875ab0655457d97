"""Password reset by email: a random link, valid for an hour and for one use only.

The outbox row of a reset email holds no link: the link is made when the email is sent
(`issue_link`, called by the delivery's rendering), and the database keeps only the
SHA-256 digest of its token, so a copy of the database resets nobody's password.
"""

from __future__ import annotations

from datetime import timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import delete, select

from tracker import audit, bearer
from tracker.admin.services import check_password_strength
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import ResetLink, User
from tracker.models.types import utcnow
from tracker.urls import external_url


class ResetLinkInvalid(DomainError):
    """Raised for a reset link that is expired, used, tampered with or not ours."""


# Sent with the user who asked for a reset link; the email is someone else's business.
reset_requested = Namespace().signal("password-reset-requested")


def request_reset(email: str) -> bool:
    """Queue a reset email if an active account has this address; tell whether one was.

    The caller shows the same message either way, so nobody learns which emails exist.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return False
    reset_requested.send(user)  # tracker.reminders queues the email, in this transaction
    audit.record(user, "password_reset_requested", user)
    return True


def issue_link(user: User) -> str:
    """Return a new reset link for `user`, keeping only its token's digest (flushed).

    Called when the reset email is sent; the hour of validity starts then.
    """
    token = bearer.new_secret()
    db.session.add(ResetLink(digest=bearer.digest(token), user_id=user.id,
                             fingerprint=user.password_fingerprint()))
    db.session.flush()
    return external_url("auth.reset_password", token=token)


def read_token(token: str) -> User:
    """Return the user a reset link is for. Raises `ResetLinkInvalid`."""
    key = bearer.lookup_digest(token)
    link = db.session.get(ResetLink, key) if key is not None else None
    if link is None:
        raise ResetLinkInvalid()
    max_age = timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"])
    user = db.session.get(User, link.user_id)
    if (user is None or not user.active or link.created_at + max_age < utcnow()
            or link.fingerprint != user.password_fingerprint()):
        raise ResetLinkInvalid()
    return user


def reset_password(user: User, password: str) -> None:
    """Set a new password and sign the user out everywhere. Raises `AccountError`.

    Every reset link of the user stops working.
    """
    check_password_strength(password)
    user.set_password(password)
    user.end_sessions()
    db.session.execute(delete(ResetLink).where(ResetLink.user_id == user.id))
    audit.record(user, "password_reset", user)
