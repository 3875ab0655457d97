"""Workshops and the recommendations they end with."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    ColumnElement,
    Enum,
    ForeignKey,
    Index,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.extensions import db
from tracker.models.catalog import GcmObjective, Theme
from tracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.actions import Action


class Priority(enum.StrEnum):
    """How urgent a recommendation is for the follow-up."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return str(PRIORITY_LABELS[self])


PRIORITY_LABELS = {
    Priority.HIGH: _l("High"),
    Priority.MEDIUM: _l("Medium"),
    Priority.LOW: _l("Low"),
}

recommendation_gcm = Table(
    "recommendation_gcm",
    db.metadata,
    Column("recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"),
           primary_key=True),
    Column("gcm_number", ForeignKey("gcm_objective.number"), primary_key=True),
)


class Event(db.Model):
    """A workshop, consultation or meeting whose recommendations are followed up.

    `version` is bumped on every change, so that an edit based on an older one is refused.
    """

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # Indexed: lists and menus show the latest events first.
    date: Mapped[date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    organisers: Mapped[str] = mapped_column(String(300), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    # Owners of its actions owe news every so many weeks (None: only near deadlines).
    report_every_weeks: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a coordinator archives the event: it and all under it leave lists, figures,
    # exports, reminders and public pages (see `is_archived`), and keep their history.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="event", order_by="Recommendation.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("report_every_weeks")
    def _check_cycle(self, key: str, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 52:
            raise ValueError("a reporting cycle is 1 to 52 weeks")
        return value

    @property
    def is_archived(self) -> bool:
        """Tell whether the event is archived (`event_visible_clause` is its SQL form)."""
        return self.archived_at is not None

    def __str__(self) -> str:
        return self.title


# What a recommendation's number may hold ("3", "2.1", "B-4"): the forms, the report import
# and the spreadsheet import all check it.
RECOMMENDATION_NUMBER_RE = re.compile(r"^[\w.\-]+$")


class Recommendation(db.Model):
    """One recommendation of an event, in the words of the report it comes from.

    `version` is bumped on every change, so that an edit based on an older one is refused.
    """

    __tablename__ = "recommendation"
    __table_args__ = (
        UniqueConstraint("event_id", "number"),
        # Earlier recommendations a draft resembles, by trigrams on PostgreSQL
        # (tracker/importing/similar.py); a plain index on SQLite.
        Index("ix_recommendation_title_trgm", "title", postgresql_using="gin",
              postgresql_ops={"title": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    number: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), index=True)
    priority: Mapped[Priority] = mapped_column(
        Enum(Priority, native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]),
        default=Priority.MEDIUM,
    )
    language: Mapped[str] = mapped_column(String(8), default="fr")
    # The reference a spreadsheet import matches rows on, so importing twice changes nothing.
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when archived on its own; archived in effect also when its event is.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="recommendations")
    theme: Mapped[Theme | None] = relationship()
    gcm_objectives: Mapped[list[GcmObjective]] = relationship(
        secondary=recommendation_gcm, order_by=GcmObjective.number
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="recommendation", order_by="Action.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def is_archived(self) -> bool:
        """Tell whether the recommendation is archived, itself or through its event
        (`recommendation_visible_clause` is its SQL form)."""
        return self.archived_at is not None or self.event.is_archived


# The SQL forms of `is_archived`: what lists, figures, exports, reminders and public pages
# keep. Subqueries rather than joins, so that any select can take them as they are;
# `correlate(None)` keeps them whole inside selects that join the same tables. They name
# what is archived (few rows) rather than what is not: NOT IN a small hashed set cost the
# count of 100,000 actions 26 ms instead of 47 ms for IN the live recommendations
# (PostgreSQL, bench scale 1, measured 2026-12-03). Lists of actions do not build the set:
# they read the rule from the action's row (`Action.archived`, see action_visible_clause).

def event_visible_clause() -> ColumnElement[bool]:
    """Return "the event is not archived" (`not Event.is_archived`) as an SQL condition."""
    return Event.archived_at.is_(None)


def recommendation_visible_clause() -> ColumnElement[bool]:
    """Return `not Recommendation.is_archived` as an SQL condition."""
    return Recommendation.archived_at.is_(None) & Recommendation.event_id.not_in(
        archived_events())


def archived_events() -> Select:
    """Return the select of the ids of archived events."""
    return select(Event.id).where(Event.archived_at.is_not(None)).correlate(None)


def archived_recommendations() -> Select:
    """Return the select of the ids of recommendations archived, themselves or through
    their event (`Recommendation.is_archived`)."""
    return select(Recommendation.id).where(
        Recommendation.archived_at.is_not(None) | Recommendation.event_id.in_(archived_events())
    ).correlate(None)
