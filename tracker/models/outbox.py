"""Emails waiting to be sent, and the one-click links already used."""

from __future__ import annotations

import enum
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
}


class MessageStatus(enum.StrEnum):
    """Where an email stands in delivery."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


def _enum(enum_class: type[enum.Enum], length: int) -> Enum:
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class OutboxMessage(db.Model):
    """One email, rendered when planned and sent by the delivery job.

    `key` names the reminder (recipient, kind, action or period): it is unique, so
    planning twice, or two schedulers at once, write each reminder once.
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
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus, 10), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recipient: Mapped[User | None] = relationship()
    action: Mapped[Action | None] = relationship()

    def message_id(self, domain: str) -> str:
        """Return the Message-ID every attempt of this email carries, so a resend is a duplicate."""
        return f"<outbox-{self.id}@{domain}>"


class UsedToken(db.Model):
    """A one-click link from an email that was used; using it again is refused."""

    __tablename__ = "used_token"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
