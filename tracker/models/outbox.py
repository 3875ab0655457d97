"""Emails waiting to be sent, the one-click links already used and the password reset links.

No working link is stored: an outbox row holds what its email is about (template, ids and
plain values), and the links are made when it is sent. What the database keeps of a link
is a SHA-256 digest, of no use to whoever reads a dump.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.actions import Action
from tracker.models.people import User
from tracker.models.types import UTCDateTime, utcnow


class MessageKind(enum.StrEnum):
    """What an email is about; users choose which kinds they receive."""

    DEADLINE_APPROACHING = "deadline_approaching"
    OVERDUE = "overdue"
    WEEKLY_DIGEST = "weekly_digest"
    COORDINATOR_SUMMARY = "coordinator_summary"
    NOTIFICATION = "notification"
    AWAITING_NEWS = "awaiting_news"
    DAILY = "daily"

    @property
    def label(self) -> str:
        return str(MESSAGE_KIND_LABELS[self])


MESSAGE_KIND_LABELS = {
    MessageKind.DEADLINE_APPROACHING: _l("Deadline approaching"),
    MessageKind.OVERDUE: _l("Overdue actions"),
    MessageKind.WEEKLY_DIGEST: _l("Weekly digest"),
    MessageKind.COORDINATOR_SUMMARY: _l("Coordinator summary"),
    MessageKind.NOTIFICATION: _l("Notifications of changes to my actions"),
    MessageKind.AWAITING_NEWS: _l("Requests for news at each reporting cycle"),
    MessageKind.DAILY: _l("The daily email gathering my reminders"),
}


class MessageStatus(enum.StrEnum):
    """Where an email stands in delivery."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # An item of a daily email: not sent on its own, gathered by the day's composition.
    HELD = "held"
    # An item gathered into a daily email (or dropped with it, for a muted recipient).
    BUNDLED = "bundled"

    @property
    def label(self) -> str:
        return str(MESSAGE_STATUS_LABELS[self])


MESSAGE_STATUS_LABELS = {
    MessageStatus.PENDING: _l("Waiting to be sent"),
    MessageStatus.SENDING: _l("Being sent"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.HELD: _l("Held for the daily email"),
    MessageStatus.BUNDLED: _l("Gathered into a daily email"),
}


def _enum(enum_class: type[enum.Enum], length: int) -> Enum:
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


def _new_uuid() -> str:
    return str(uuid.uuid4())


class OutboxMessage(db.Model):
    """One email: planned with what it is about, rendered and sent by the delivery job.

    `key` names the reminder (recipient, kind, action or period): it is unique, so
    planning twice, or two schedulers at once, write each reminder once. `template` and
    `context` (JSON of plain values and references to rows) are rendered at send time, in
    the recipient's language of that moment, with links made then; `link_id` names the
    email's single-use links. `subject`, `body_text` and `body_html` keep what was sent
    with every link replaced by "[link]" (the subject is a preview until then).
    `claim_token` and `lease_until` fence the delivery run that holds the row.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, 24))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    to_email: Mapped[str] = mapped_column(String(254))
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    template: Mapped[str] = mapped_column(String(40), default="")
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link_id: Mapped[str | None] = mapped_column(String(32))
    message_uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_new_uuid)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus, 10), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recipient: Mapped[User | None] = relationship()
    action: Mapped[Action | None] = relationship()

    def message_id(self, domain: str) -> str:
        """Return the Message-ID every attempt of this email carries, so a resend is a duplicate.

        A UUID drawn at planning: unique across installations and restored backups, where
        row ids start again.
        """
        return f"<{self.message_uuid}@{domain}>"


class UsedToken(db.Model):
    """A one-click link from an email that was used; using it again is refused.

    `token_id` is the SHA-256 digest of the link's id, never the id itself.
    """

    __tablename__ = "used_token"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class ResetLink(db.Model):
    """A password reset link that was sent: valid for an hour, while the password is unchanged.

    Holds the SHA-256 digest of the link's random token; the token itself is only in the
    email. `fingerprint` ties the link to the password it replaces.
    """

    __tablename__ = "reset_link"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InvitationLink(db.Model):
    """The link of an account invitation: it sets the first password, once, until it expires.

    Holds the SHA-256 digest of the link's random token; the token itself is only in the
    email. `used_at` is set when the password is chosen, which ends the link.
    """

    __tablename__ = "invitation_link"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
