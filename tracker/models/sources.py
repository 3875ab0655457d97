"""What the importer keeps: the report an event's recommendations were read from, and the
links a coordinator draws between a recommendation and the earlier ones it repeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.events import Event, Recommendation
from tracker.models.people import User
from tracker.models.types import UTCDateTime, utcnow


class SourceDocument(db.Model):
    """A report (uploaded file or pasted text) kept with the event it was imported into.

    The file is stored like evidence, under a generated name in the upload folder.
    """

    __tablename__ = "source_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    added_by: Mapped[User | None] = relationship()


class RecommendationLink(db.Model):
    """A coordinator's statement that a recommendation repeats an earlier one."""

    __tablename__ = "recommendation_link"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "earlier_id"),
        CheckConstraint("recommendation_id <> earlier_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    earlier_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(foreign_keys=[recommendation_id])
    earlier: Mapped[Recommendation] = relationship(foreign_keys=[earlier_id])
