"""Indicators that say what "done" means, and the measurements focal points record."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.actions import Action, ActionUpdate
from tracker.models.events import Recommendation
from tracker.models.people import User
from tracker.models.types import UTCDateTime, utcnow


class Indicator(db.Model):
    """A measurable result of a recommendation or of one action, from baseline to target.

    It belongs to exactly one of the two. `disaggregation` notes how the figures are
    broken down (sex, age, migration status, region), as GCM objective 1 asks. `version`
    is bumped on every change, so that an edit based on an older one is refused.
    """

    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint("(recommendation_id IS NULL) <> (action_id IS NULL)",
                        name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(60), default="")
    baseline_value: Mapped[float] = mapped_column(Numeric(18, 4, asdecimal=False))
    baseline_date: Mapped[date]
    target_value: Mapped[float] = mapped_column(Numeric(18, 4, asdecimal=False))
    target_date: Mapped[date]
    data_source: Mapped[str] = mapped_column(String(300), default="")
    disaggregation: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recommendation: Mapped[Recommendation | None] = relationship()
    action: Mapped[Action | None] = relationship()
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", order_by="Measurement.measured_on, Measurement.id")

    __mapper_args__ = {"version_id_col": version}


class Measurement(db.Model):
    """A value of an indicator on a date, recorded with a progress update (its history row)."""

    __tablename__ = "measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("action_update.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    value: Mapped[float] = mapped_column(Numeric(18, 4, asdecimal=False))
    measured_on: Mapped[date]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
    update: Mapped[ActionUpdate | None] = relationship()
    author: Mapped[User | None] = relationship()
