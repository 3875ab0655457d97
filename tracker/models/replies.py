"""Replies to the tracker's emails, read from a mailbox or received by its own endpoint."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from tracker.extensions import db
from tracker.models.actions import Action, ActionUpdate, Status
from tracker.models.people import User
from tracker.models.types import UTCDateTime, utcnow


class ReplyStatus(enum.StrEnum):
    """What became of a reply."""

    RECORDED = "recorded"  # recorded on its action in its sender's name
    HELD = "held"  # waits for a coordinator
    ASSIGNED = "assigned"  # a coordinator recorded it on an action
    REFUSED = "refused"  # a coordinator set it aside
    IGNORED = "ignored"  # an automatic reply (out of office, delivery report): kept, unlisted


class HoldReason(enum.StrEnum):
    """Why a reply waits for a coordinator rather than being recorded."""

    NO_REFERENCE = "no_reference"
    FORGED_REFERENCE = "forged_reference"
    OTHER_SENDER = "other_sender"
    NO_ACTION = "no_action"
    SEVERAL_ACTIONS = "several_actions"
    REFUSED_FILE = "refused_file"
    REFUSED_CHANGE = "refused_change"
    TOO_LARGE = "too_large"
    AUTOMATIC = "automatic"

    @property
    def label(self) -> str:
        return str(HOLD_REASON_LABELS[self])


HOLD_REASON_LABELS = {
    HoldReason.NO_REFERENCE: _l("The reply carries no reference to one of our emails."),
    HoldReason.FORGED_REFERENCE: _l("The reply's reference is not one the tracker signed."),
    HoldReason.OTHER_SENDER: _l("The sender is not the person the email was sent to."),
    HoldReason.NO_ACTION: _l("The email replied to is about no action."),
    HoldReason.SEVERAL_ACTIONS: _l("The email replied to is about several actions."),
    HoldReason.REFUSED_FILE: _l("An attached file is not accepted as evidence."),
    HoldReason.REFUSED_CHANGE: _l("The action's rules refused the change."),
    HoldReason.TOO_LARGE: _l("The message is larger than the tracker accepts."),
    HoldReason.AUTOMATIC: _l("An automatic reply (out of office, delivery report)."),
}


def _enum(enum_class: type[enum.Enum], length: int) -> Enum:
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class InboundReply(db.Model):
    """A reply to one of the tracker's emails, processed once.

    `message_key` is the reply's Message-ID (or a digest of the whole message when it
    has none): unique, so a message read twice, or by two readers at once, is processed
    once. A recorded reply points to the history row it made; a held one keeps the raw
    message (`raw`) until a coordinator assigns it to an action or refuses it.
    """

    __tablename__ = "inbound_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(255), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    from_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[str] = mapped_column(Text, default="")  # names, one a line
    status: Mapped[ReplyStatus] = mapped_column(_enum(ReplyStatus, 10), index=True)
    reason: Mapped[HoldReason | None] = mapped_column(_enum(HoldReason, 20))
    detail: Mapped[str] = mapped_column(Text, default="")
    proposed_status: Mapped[str | None] = mapped_column(String(20))
    proposed_progress: Mapped[int | None]
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("action.id", ondelete="SET NULL"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_update.id", ondelete="SET NULL"))
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    action: Mapped[Action | None] = relationship()
    sender: Mapped[User | None] = relationship(foreign_keys=[sender_id])
    update: Mapped[ActionUpdate | None] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @property
    def proposed_status_label(self) -> str:
        """Return the status the reply's first line proposes, in words ("" for none)."""
        return Status(self.proposed_status).label if self.proposed_status else ""

    @property
    def attachment_names(self) -> list[str]:
        """Return the names of the files the reply carried."""
        return [name for name in self.attachments.splitlines() if name]
