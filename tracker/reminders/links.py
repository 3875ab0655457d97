"""Signed, expiring, single-use links that let people act straight from an email.

Links are made when an email is sent, never stored. A one-click link carries the
recipient, the action, the operation and a link id ("<email's link id>.<operation>"), signed
with SECRET_KEY; using it stores the SHA-256 digest of that id, so the same button in a
resent copy of the email is used too, and the database holds nothing that opens a link.
The unsubscribe link is signed and has no expiry (RFC 8058 one-click); nothing of it is
stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.bearer import digest
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import UsedToken
from tracker.urls import external_url

ACTION_OPERATIONS = ("start", "complete", "extend")
SALT_ACTION = "tracker.email-action"
SALT_UNSUBSCRIBE = "tracker.unsubscribe"


class LinkInvalid(DomainError):
    """Raised for a link that was tampered with or is not one of ours."""


class LinkExpired(DomainError):
    """Raised for a link older than its lifetime."""


class LinkUsed(DomainError):
    """Raised for a single-use link that was already used."""


@dataclass
class EmailAction:
    """What a one-click link asks for: `user` does `operation` on `action`."""

    user_id: int
    action_id: int
    operation: str
    token_id: str
    # The action's version the email showed (None in links made before versions were bound).
    version: int | None = None


def new_link_id() -> str:
    """Return a random id for the single-use links of one email."""
    return secrets.token_hex(16)


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def action_link(user_id: int, action_id: int, operation: str,
                link_id: str | None = None, version: int | None = None) -> str:
    """Return the absolute URL of a one-click link for `operation` on an action.

    `link_id` names the email the link is sent in (a random one when not given);
    `version` is the action's version the email shows: the link acts only on that one.
    """
    if operation not in ACTION_OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}")
    token = _serializer(SALT_ACTION).dumps(
        {"u": user_id, "a": action_id, "op": operation,
         "j": f"{link_id or new_link_id()}.{operation}", "v": version})
    return external_url("reminders.email_action", token=token)


def read_action_link(token: str) -> EmailAction:
    """Check a one-click token and return what it asks. Raises LinkInvalid/Expired/Used."""
    max_age = current_app.config["EMAIL_LINK_MAX_AGE_DAYS"] * 86400
    try:
        data = _serializer(SALT_ACTION).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    try:
        version = data.get("v")
        result = EmailAction(int(data["u"]), int(data["a"]), str(data["op"]), str(data["j"]),
                             None if version is None else int(version))
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid() from exc
    if result.operation not in ACTION_OPERATIONS:
        raise LinkInvalid()
    if was_used(result):
        raise LinkUsed()
    return result


def was_used(link: EmailAction) -> bool:
    """Tell whether a one-click link was already used (its id's digest is recorded)."""
    return db.session.get(UsedToken, digest(link.token_id)) is not None


def mark_used(link: EmailAction) -> None:
    """Record that a one-click link was used (flushed with the change it made)."""
    db.session.add(UsedToken(token_id=digest(link.token_id), user_id=link.user_id))
    db.session.flush()


def unsubscribe_link(user_id: int, kind: str) -> str:
    """Return the absolute URL that turns off emails of `kind` for a user (no expiry)."""
    token = _serializer(SALT_UNSUBSCRIBE).dumps({"u": user_id, "k": kind})
    return external_url("reminders.unsubscribe", token=token)


def read_unsubscribe_link(token: str) -> tuple[int, str]:
    """Return (user id, kind) from an unsubscribe token. Raises LinkInvalid."""
    try:
        data = _serializer(SALT_UNSUBSCRIBE).loads(token)
        return int(data["u"]), str(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid() from exc
