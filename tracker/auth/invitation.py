"""Account invitations: a new account gets an email with a link to choose its password.

`tracker.admin.services.create_user` announces each new account (`account_created`);
tracker.reminders queues its invitation email, sent at once in the new user's language.
The link works once, for INVITATION_MAX_AGE_DAYS days from when the email is sent. As for a
password reset, the outbox row holds no link: `issue_link` makes it when the email is
sent, and the database keeps only the SHA-256 digest of its token.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from tracker import audit, bearer
from tracker.admin.services import check_password_strength
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import InvitationLink, User
from tracker.models.types import utcnow
from tracker.urls import external_url


class InvitationInvalid(DomainError):
    """Raised for an invitation link that is unknown, used or expired; `user` is whom it
    was for, when known (its page then speaks their language)."""

    def __init__(self, message, user: User | None = None) -> None:
        super().__init__(message)
        self.user = user


def issue_link(user: User) -> str:
    """Return a new invitation link for `user`, keeping only its token's digest (flushed).

    Called when the invitation email is sent: the days of validity start then.
    """
    token = bearer.new_secret()
    now = utcnow()
    db.session.add(InvitationLink(
        digest=bearer.digest(token), user_id=user.id, created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"])))
    db.session.flush()
    return external_url("auth.accept_invitation", token=token)


def read_token(token: str) -> tuple[InvitationLink, User]:
    """Return the invitation a link names and its user. Raises `InvitationInvalid`, saying
    whether the link was used or expired."""
    key = bearer.lookup_digest(token)
    link = db.session.get(InvitationLink, key) if key is not None else None
    user = db.session.get(User, link.user_id) if link is not None else None
    if link is None or user is None or not user.active:
        raise InvitationInvalid(_l("This invitation link is not valid."), user)
    if link.used_at is not None:
        raise InvitationInvalid(_l("This invitation link was already used to choose a "
                                   "password. Sign in with it, or ask for a new password."),
                                user)
    if link.expires_at < utcnow():
        raise InvitationInvalid(_l("This invitation link has expired. Ask for a new password "
                                   "with “Forgot your password?”, or ask an administrator "
                                   "for a new invitation."), user)
    return link, user


def accept(link: InvitationLink, user: User, password: str) -> None:
    """Set the first password of an invited user; every invitation link of theirs stops
    working. Raises `AccountError` for a weak password."""
    check_password_strength(password)
    user.set_password(password)
    user.end_sessions()
    db.session.execute(update(InvitationLink)
                       .where(InvitationLink.user_id == user.id,
                              InvitationLink.used_at.is_(None))
                       .values(used_at=utcnow()))
    audit.record(user, "invitation_accepted", user)
