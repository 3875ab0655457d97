"""Password reset by email: a signed link, valid for an hour and for one use only."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from tracker import audit
from tracker.admin.services import check_password_strength
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import MessageKind, User
from tracker.reminders.outbox import build, insert_new
from tracker.urls import external_url

SALT = "tracker.password-reset"


class ResetLinkInvalid(DomainError):
    """Raised for a reset link that is expired, used, tampered with or not ours."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def request_reset(email: str) -> bool:
    """Queue a reset email if an active account has this address; tell whether one was.

    The caller shows the same message either way, so nobody learns which emails exist.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return False
    token = _serializer().dumps({"u": user.id, "f": user.password_fingerprint()})
    row = build(f"reset:{user.id}:{secrets.token_hex(8)}", MessageKind.NOTIFICATION, user,
                "password_reset", reset_url=external_url("auth.reset_password", token=token))
    insert_new([row])
    audit.record(user, "password_reset_requested", user)
    return True


def read_token(token: str) -> User:
    """Return the user a reset link is for. Raises `ResetLinkInvalid`."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature) as exc:
        raise ResetLinkInvalid() from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != user.password_fingerprint():
        raise ResetLinkInvalid()
    return user


def reset_password(user: User, password: str) -> None:
    """Set a new password and sign the user out everywhere. Raises `AccountError`."""
    check_password_strength(password)
    user.set_password(password)
    user.end_sessions()
    audit.record(user, "password_reset", user)
