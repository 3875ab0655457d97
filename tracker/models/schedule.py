"""Working days and the planner's progress: extra closed days, the last day planned."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.people import User
from tracker.models.types import UTCDateTime, utcnow


class ClosedDay(db.Model):
    """A day the administrations do not work besides weekends and public holidays (a
    bridge day, a national mourning day): no reminder goes out on it."""

    __tablename__ = "closed_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    created_by: Mapped[User | None] = relationship()


class PlannedDay(db.Model):
    """The last day whose reminders were planned successfully (one row, id 1).

    Written in the transaction of the plan it records: a run that failed leaves it where
    it was, and the next run plans the days since again.
    """

    __tablename__ = "planned_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)
