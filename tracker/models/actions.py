"""Actions that carry out recommendations, and their append-only history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Column, Enum, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.extensions import db
from tracker.models.events import Recommendation
from tracker.models.people import Institution, User
from tracker.models.types import UTCDateTime, utcnow


class Status(enum.StrEnum):
    """Where an action stands."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_closed(self) -> bool:
        """Tell whether the action needs no more work (and so is never overdue)."""
        return self in CLOSED_STATUSES


STATUS_LABELS = {
    Status.NOT_STARTED: _l("Not started"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.COMPLETED: _l("Completed"),
    Status.BLOCKED: _l("Blocked"),
    Status.CANCELLED: _l("Cancelled"),
}
CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED})


def _enum(enum_class: type[enum.Enum], length: int) -> Enum:
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


action_contributor = Table(
    "action_contributor",
    db.metadata,
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institution.id"), primary_key=True),
)


class Action(db.Model):
    """A concrete piece of work, with one owner and one lead institution, toward a recommendation.

    `version` is bumped on every change; a save based on an older version is refused,
    so two people editing at once never overwrite each other.
    """

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("start_date IS NULL OR start_date <= deadline",
                        name="start_before_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    lead_institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    start_date: Mapped[date | None]
    deadline: Mapped[date] = mapped_column(index=True)
    status: Mapped[Status] = mapped_column(
        _enum(Status, 20), default=Status.NOT_STARTED, index=True)
    progress: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship(back_populates="actions", foreign_keys=[owner_id])
    lead_institution: Mapped[Institution] = relationship()
    contributors: Mapped[list[Institution]] = relationship(
        secondary=action_contributor, order_by=Institution.code
    )
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", order_by="ActionUpdate.id.desc()"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("progress")
    def _check_progress(self, key: str, value: int) -> int:
        if not 0 <= value <= 100:
            raise ValueError("progress is a percentage from 0 to 100")
        return value

    def is_overdue(self, today: date) -> bool:
        """Tell whether the deadline has passed and the action is still open."""
        return not self.status.is_closed and self.deadline < today

    def __str__(self) -> str:
        return self.title


class UpdateKind(enum.StrEnum):
    """What a history row records."""

    CREATED = "created"
    PROGRESS = "progress"
    EDITED = "edited"


class ActionUpdate(db.Model):
    """One entry of an action's history: who changed what, when, from what to what.

    Rows are only ever added; `changes` maps each edited field to its old and new value.
    """

    __tablename__ = "action_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[UpdateKind] = mapped_column(_enum(UpdateKind, 20))
    old_status: Mapped[Status | None] = mapped_column(_enum(Status, 20))
    new_status: Mapped[Status | None] = mapped_column(_enum(Status, 20))
    old_progress: Mapped[int | None]
    new_progress: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    action: Mapped[Action] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
