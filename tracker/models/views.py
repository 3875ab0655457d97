"""Saved views of the action list: a coordinator's filters kept under a name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.people import User
from tracker.models.types import UTCDateTime, utcnow


class SavedView(db.Model):
    """A filtered action list a coordinator named, to open it again in one click.

    `query` is the list's query string (its filters and sort, as `ActionFilters.to_args`
    writes them). A shared view is offered to every coordinator; only its author deletes it.
    """

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000), default="")
    shared: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.name
